import { describe, expect, it } from 'vitest';
import { KNOWN_STATUS_CODES, faxStatus } from './faxstatus';

describe('fax statuses in words', () => {
  it('names every code InterFAX publishes a meaning for, never as a bare failure number', () => {
    for (const code of KNOWN_STATUS_CODES) {
      const s = faxStatus(code);
      expect(s.label, String(code)).not.toMatch(/Failed|\d/);
      expect(s.detail).toContain(`InterFAX status ${code}: `);
    }
    expect(faxStatus(0).label).toBe('Sent');
    expect(faxStatus(263)).toEqual({ label: 'Busy', detail: 'InterFAX status 263: the receiving line was in use. It is billed for the line time it used.' });
    expect(faxStatus(1).label).toBe('Internal error');
    expect(faxStatus(2).label).toBe('Telephony error');
    expect(faxStatus(12).label).toBe('Telephony error');
    expect(faxStatus(-2).label).toBe('Queued');
    expect(faxStatus(-3).label).toBe('Sending');
    expect(faxStatus(-22).label).toBe('Awaiting credit');
    expect(faxStatus(205000).detail).not.toContain('billed');
  });
  it('says an in-process fax is not billed yet, whatever its code', () => {
    expect(faxStatus(-3).detail).toMatch(/Not billed yet\.$/);
    expect(faxStatus(-47)).toEqual({ label: 'In process', detail: 'InterFAX status -47: InterFAX is still handling the fax. Not billed yet.' });
  });
  it('shows a code InterFAX does not explain as a failure with its number, with no guessed words', () => {
    const s = faxStatus(3931);
    expect(s.label).toBe('Failed (code 3931)');
    expect(s.detail).toMatch(/^InterFAX status 3931: not delivered after the gateway's attempts\./);
  });
});
