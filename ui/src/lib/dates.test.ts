import { describe, expect, it } from 'vitest';
import { dayPattern, formatDay, parseDay, quickRange } from './dates';
import { setAccountZone } from './zone';

describe('typed days', () => {
  it('reads the locale’s order, ISO, and two-digit years', () => {
    expect(dayPattern('en-US').hint).toBe('MM/DD/YYYY');
    expect(dayPattern('de-DE').hint).toBe('DD.MM.YYYY');
    expect(dayPattern('fr-FR').hint).toBe('DD/MM/YYYY');
    expect(parseDay('11/24/2026', 'en-US')).toBe('2026-11-24');
    expect(parseDay('24.11.2026', 'de-DE')).toBe('2026-11-24');
    expect(parseDay('24/11/26', 'fr-FR')).toBe('2026-11-24');
    expect(parseDay('2026-11-24', 'fr-FR')).toBe('2026-11-24');
    expect(parseDay('1-2-2026', 'en-US')).toBe('2026-01-02');
    expect(parseDay('', 'en-US')).toBe('');
    // Digits alone, in the locale's order.
    expect(parseDay('11242026', 'en-US')).toBe('2026-11-24');
    expect(parseDay('241126', 'de-DE')).toBe('2026-11-24');
    expect(parseDay('24112026', 'fr-FR')).toBe('2026-11-24');
  });
  it('refuses what is not a day', () => {
    expect(parseDay('11/31/2026', 'en-US')).toBeNull();
    expect(parseDay('24/11/2026', 'en-US')).toBeNull();
    expect(parseDay('tomorrow', 'en-US')).toBeNull();
    expect(parseDay('1/2/202', 'en-US')).toBeNull();
    expect(parseDay('1124202', 'en-US')).toBeNull();
    expect(parseDay('13242026', 'en-US')).toBeNull();
  });
  it('writes a day the locale’s way', () => {
    expect(formatDay('2026-01-02', 'en-US')).toBe('01/02/2026');
    expect(formatDay('2026-01-02', 'de-DE')).toBe('02.01.2026');
  });
  it('gives the quick ranges in the account’s days', () => {
    // 11:30 UTC on 30 November: already 1 December in Auckland, still 30 November in Los Angeles.
    const now = new Date('2026-11-30T11:30:00Z');
    setAccountZone('Pacific/Auckland');
    expect(quickRange('month', now)).toEqual({ fromDay: '2026-12-01', toDay: '2026-12-01' });
    expect(quickRange('last30', now)).toEqual({ fromDay: '2026-11-02', toDay: '2026-12-01' });
    // A card issued at Auckland's midnight (11:00 UTC) is issued on that day, not the day before.
    expect(quickRange('card', now, { issue_date: '2026-08-30T12:00:00Z', close_date: '2026-09-15T11:00:00Z' })).toEqual({ fromDay: '2026-08-31', toDay: '2026-09-15' });
    setAccountZone('America/Los_Angeles');
    expect(quickRange('month', now)).toEqual({ fromDay: '2026-11-01', toDay: '2026-11-30' });
    expect(quickRange('last30', now)).toEqual({ fromDay: '2026-11-01', toDay: '2026-11-30' });
    expect(quickRange('card', now, { issue_date: '2026-08-30T10:00:00Z', close_date: null })).toEqual({ fromDay: '2026-08-30', toDay: '2026-11-30' });
    setAccountZone(null);
  });
});
