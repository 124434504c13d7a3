// A fax's InterFAX status in words. 0 is sent; a positive code is a failure after the
// gateway's attempts, billed for the line time it used. Only codes whose meaning is known for
// certain get their own words; any other code is shown as a failure with its number.

const KNOWN: Record<number, { label: string; detail: string }> = {
  3931: { label: 'Busy', detail: 'InterFAX status 3931: the line was busy on every attempt.' },
};

export function faxStatus(status: number): { label: string; detail: string } {
  if (status === 0) return { label: 'Sent', detail: 'InterFAX status 0: every page was received.' };
  if (status < 0) return { label: 'In process', detail: `InterFAX status ${status}: still being sent; not billed yet.` };
  return (
    KNOWN[status] ?? {
      label: `Failed (${status})`,
      detail: `InterFAX status ${status}: the fax could not be delivered after the gateway's attempts. It is billed for the line time it used.`,
    }
  );
}
