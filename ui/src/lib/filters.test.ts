import { describe, expect, it } from 'vitest';
import { formatDuration, isFiltered, noFilters, toQuery } from './filters';

describe('filters', () => {
  // The local midnights of 2026-11-01 and 2026-11-04 in each zone the tests run in, worked out
  // by hand: St. John's leaves daylight time (-2:30 → -3:30) in between, Kolkata is +5:30.
  const midnights: Record<string, [string, string]> = {
    UTC: ['2026-11-01T00:00:00Z', '2026-11-04T00:00:00Z'],
    'America/St_Johns': ['2026-11-01T02:30:00Z', '2026-11-04T03:30:00Z'],
    'Asia/Kolkata': ['2026-10-31T18:30:00Z', '2026-11-03T18:30:00Z'],
  };
  it('turns local days into an exclusive UTC range', () => {
    // ICU may name a zone by its older alias.
    const aliases: Record<string, string> = { 'Etc/UTC': 'UTC', 'Asia/Calcutta': 'Asia/Kolkata' };
    const resolved = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const zone = aliases[resolved] ?? resolved;
    const [from, to] = midnights[zone] ?? [];
    expect(from, `no expected midnights for the time zone ${zone}`).toBeDefined();
    const q = toQuery({ user: 'bob', fromDay: '2026-11-01', toDay: '2026-11-03', search: ' 212 ' });
    expect(q).toEqual({ user: 'bob', from, to, search: '212', problem: null });
  });
  it('reports a range that ends before it starts', () => {
    expect(toQuery({ ...noFilters(), fromDay: '2026-11-05', toDay: '2026-11-01' }).problem).not.toBeNull();
  });
  it('knows an empty filter', () => {
    expect(isFiltered(noFilters())).toBe(false);
    expect(isFiltered({ ...noFilters(), user: 'amy' })).toBe(true);
    expect(isFiltered({ ...noFilters(), search: '  ' })).toBe(false);
    expect(toQuery(noFilters())).toEqual({ user: null, from: null, to: null, search: null, problem: null });
  });
  it('formats durations', () => {
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(0)).toBe('0:00');
  });
});
