import { describe, expect, it } from 'vitest';
import { countdown, errorWords, fieldError } from './errors';

describe('errors in the UI’s words', () => {
  const words = { number: 'Check the card number.', security: 'Choose STARTTLS or TLS.' };
  it('puts an error beside its field by code and field, never by its text', () => {
    expect(fieldError({ code: 'invalid_input', message: 'anything at all', field: 'number' }, words)).toEqual({ field: 'number', text: 'Check the card number.' });
    expect(fieldError({ code: 'insecure_smtp_login', message: 'whatever the backend says' }, words)).toEqual({ field: 'security', text: 'Choose STARTTLS or TLS.' });
    // A field this form does not have, or no field: the whole form's error.
    expect(fieldError({ code: 'invalid_input', message: 'x', field: 'cap' }, words)).toBeNull();
    expect(fieldError({ code: 'invalid_input', message: 'number: is wrong' }, words)).toBeNull();
  });
  it('says known failures in its own words and keeps the code of unknown ones', () => {
    expect(errorWords({ code: 'keyring_unavailable', message: 'no system keyring is available, so nothing was stored: dbus' })).toMatch(/^No system keyring is available/);
    expect(errorWords({ code: 'no_payment_card', message: 'see `faxcredit payment-card set`' })).not.toMatch(/faxcredit/);
    expect(errorWords({ code: 'email_not_configured', message: 'use `faxcredit email set`' })).not.toMatch(/faxcredit/);
    expect(errorWords({ code: 'weird', message: 'boom' })).toMatch(/\(weird\).*boom/);
  });
  it('counts a wait down as minutes and seconds', () => {
    expect(countdown(65)).toBe('1:05');
    expect(countdown(4.2)).toBe('0:05');
    expect(countdown(-3)).toBe('0:00');
  });
});
