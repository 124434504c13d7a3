import { afterEach, describe, expect, it } from 'vitest';
import { formatCalendarDay, formatDate, formatDateTime } from './format';
import { addDays, dayOf, setAccountZone } from './zone';

// These run in UTC, St. John's and Kolkata (cargo xtask test): every answer here is the
// account's zone's, the same in all three.
describe('the account’s days', () => {
  afterEach(() => setAccountZone(null));

  it('puts an instant on the account’s day, not the computer’s', () => {
    setAccountZone('Pacific/Auckland');
    expect(dayOf('2026-11-24T10:59:59Z')).toBe('2026-11-24');
    expect(dayOf('2026-11-24T11:00:00Z')).toBe('2026-11-25');
    setAccountZone('America/Los_Angeles');
    expect(dayOf('2026-11-24T11:00:00Z')).toBe('2026-11-24');
    expect(dayOf('2026-11-02T07:59:59Z')).toBe('2026-11-01'); // the 25-hour day of DST's end
  });

  it('labels a chart day as the calendar day it is, in any zone', () => {
    // The bug: the bar of 24 November read "Nov 25" in Auckland (noon UTC is tomorrow there).
    for (const zone of ['Pacific/Auckland', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      setAccountZone(zone);
      expect(formatCalendarDay('2026-11-24', 'en-US')).toBe('Nov 24, 2026');
      expect(formatCalendarDay('2026-11-01', 'en-US', { month: 'short' })).toBe('Nov');
    }
  });

  it('shows times in the account’s zone', () => {
    setAccountZone('Pacific/Auckland');
    expect(formatDate('2026-11-24T11:30:00Z', 'en-US')).toBe('Nov 25, 2026');
    expect(formatDateTime('2026-11-24T11:30:00Z', 'en-US')).toBe('Nov 25, 2026, 12:30 AM');
    setAccountZone('America/Los_Angeles');
    expect(formatDate('2026-11-24T11:30:00Z', 'en-US')).toBe('Nov 24, 2026');
  });

  it('counts calendar days by the calendar', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-11-01', 1)).toBe('2026-11-02');
  });
});
