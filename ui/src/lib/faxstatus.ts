// A fax's InterFAX status in words. 0 is sent; a negative code is still in process (not billed
// yet); a positive code is a failure after the gateway's attempts, billed for the line time it
// used. The words follow InterFAX's published fax status codes (its help's "Fax status codes"
// table, and Appendix C of its SOAP reference for 263, busy). A code that table does not explain
// is shown as a failure with its number, never with words guessed for it.

export type FaxStatusWords = { label: string; detail: string };

const BILLED = 'It is billed for the line time it used.';

/** Codes InterFAX publishes a meaning for: in process (< 0) and failed (> 0). */
const KNOWN: Record<number, { label: string; meaning: string }> = {
  [-1]: { label: 'Preparing', meaning: 'InterFAX received the fax and is preparing it' },
  [-11]: { label: 'Preparing', meaning: 'InterFAX received the fax and is preparing it' },
  [-2]: { label: 'Queued', meaning: 'the fax is prepared and waits its turn in the outbound queue' },
  [-3]: { label: 'Sending', meaning: 'the fax is being sent, or waits for its next attempt' },
  [-22]: {
    label: 'Awaiting credit',
    meaning: 'InterFAX holds the fax until credit is added; after 24 hours without credit it is cancelled with 205000 - Quota Exceeded',
  },
  1: { label: 'Internal error', meaning: 'the call was cut after several minutes without a page break or a confirmation from the receiving fax' },
  2: { label: 'Telephony error', meaning: 'the telephone call to the receiving fax failed' },
  12: { label: 'Telephony error', meaning: 'the telephone call to the receiving fax failed' },
  263: { label: 'Busy', meaning: 'the receiving line was in use' },
  205000: { label: 'Quota exceeded', meaning: 'cancelled for lack of credit (205000 - Quota Exceeded)' },
};

/** Every code with its own words, for tests and for a legend. */
export const KNOWN_STATUS_CODES: readonly number[] = Object.keys(KNOWN).map(Number);

export function faxStatus(status: number): FaxStatusWords {
  if (status === 0) return { label: 'Sent', detail: 'InterFAX status 0: sent; the receiving fax confirmed every page.' };
  const known = KNOWN[status];
  if (status < 0) {
    const meaning = known?.meaning ?? 'InterFAX is still handling the fax';
    return { label: known?.label ?? 'In process', detail: `InterFAX status ${status}: ${meaning}. Not billed yet.` };
  }
  // A fax cancelled for lack of credit used no line time.
  if (known) return { label: known.label, detail: `InterFAX status ${status}: ${known.meaning}.${status === 205000 ? '' : ` ${BILLED}`}` };
  return {
    label: `Failed (code ${status})`,
    detail: `InterFAX status ${status}: not delivered after the gateway's attempts. InterFAX's list of fax status codes gives the reason for this code. ${BILLED}`,
  };
}
