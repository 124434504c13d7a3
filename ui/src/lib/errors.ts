// The UI's words for backend errors. The contract is the error's code (and, for bad input, the
// field it names); the backend's message is never matched. A form passes the words for its own
// fields, so an error shows beside the field in the screen's terms.

import type { ApiError } from './api';

/** Words for an error that belongs to no field. */
const WORDS: Record<string, string | ((e: ApiError) => string)> = {
  forbidden: 'Only an account manager can do this. Log in as a manager of the account.',
  not_prepaid: 'This is a credit account: it is billed monthly and does not buy cards.',
  keyring_unavailable:
    'No system keyring is available, so nothing was stored. Fax Credit keeps secrets only in the system keyring (GNOME Keyring, KWallet, Keychain or Credential Manager): unlock or install one, then try again.',
  no_payment_card: 'No payment card is on file. Add one in Payment method first.',
  email_not_configured: 'Email is not set up yet. Enter the SMTP server and save it first.',
  payment_pending:
    'The payment processor did not answer. The order is kept as pending and will be checked again; it can never be charged twice.',
  // The processor's reason is already written for people ("Your card was declined: insufficient funds.").
  payment_declined: (e) => e.message,
  // Written by the app itself, in words, when another program replaced the ledger's files.
  ledger_reopened: (e) => e.message,
  busy: 'The account database is busy with another program. Try again in a moment.',
  read_only: 'The account database is read-only, so nothing was saved. Check the file’s permissions.',
  not_found: 'This no longer exists. It may have been removed by another program.',
  conflict: 'This was changed in the meantime. Look again and retry.',
  dialog_open: 'A Save As window is already open. Finish or cancel it first.',
  dialog_failed: 'The Save As window could not be shown. Nothing was written.',
  io_error: (e) => `The file could not be written. The system said: ${e.message}`,
  cancelled: 'Cancelled. Nothing was changed.',
  bad_credentials: 'Wrong user name or password. Try again.',
  quota_exceeded: 'Faxes are being refused: the open cards cannot pay for them (205000 - Quota Exceeded).',
  invalid_input: 'Something entered is not valid. Check the highlighted field.',
  // The core says which server, and what to fix: nothing listens, a password, the certificate.
  database_unavailable: (e) => `The shared ledger could not be used. ${e.message.replace(/^database unavailable: /, '')}`,
  newer_schema: (e) => e.message,
  not_on_postgres: (e) => e.message,
};

export function errorWords(e: ApiError): string {
  const w = WORDS[e.code];
  if (typeof w === 'function') return w(e);
  if (w) return w;
  return `Something went wrong (${e.code}). Nothing was changed. ${e.message}`;
}

/** Codes that belong to a field although they are not `invalid_input`. */
const FIELD_OF_CODE: Record<string, string> = {
  insecure_smtp_login: 'security',
  bad_credentials: 'password',
};

/**
 * The field an error belongs to and the form's words for it, or null when the error is for the
 * whole form. `words` maps the backend's field name (`number`, `from`, `cap`…) to the sentence
 * the form shows under that field.
 */
export function fieldError(e: ApiError, words: Record<string, string>): { field: string; text: string } | null {
  const field = e.code === 'invalid_input' ? e.field : FIELD_OF_CODE[e.code];
  if (!field || !(field in words)) return null;
  return { field, text: words[field] };
}

/** `seconds` as a countdown: "0:42", "4:05". */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
