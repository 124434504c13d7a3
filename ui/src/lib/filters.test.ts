import { describe, expect, it } from 'vitest';
import { formatDuration, isFiltered, noFilters, toQuery } from './filters';

describe('filters', () => {
  it('sends days as days, for the backend to bound in the account’s zone', () => {
    // Whatever the computer's zone (the tests run in UTC, St. John's and Kolkata): the days go
    // as they are, so the filter's day is the spend chart's day.
    const q = toQuery({ user: 'bob', fromDay: '2026-11-01', toDay: '2026-11-03', search: ' 212 ' });
    expect(q).toEqual({ user: 'bob', from_day: '2026-11-01', to_day: '2026-11-03', search: '212', problem: null });
    expect(toQuery({ ...noFilters(), fromDay: '2026-11-03', toDay: '2026-11-03' }).problem).toBeNull();
  });
  it('reports a range that ends before it starts', () => {
    expect(toQuery({ ...noFilters(), fromDay: '2026-11-05', toDay: '2026-11-01' }).problem).not.toBeNull();
  });
  it('knows an empty filter', () => {
    expect(isFiltered(noFilters())).toBe(false);
    expect(isFiltered({ ...noFilters(), user: 'amy' })).toBe(true);
    expect(isFiltered({ ...noFilters(), search: '  ' })).toBe(false);
    expect(toQuery(noFilters())).toEqual({ user: null, from_day: null, to_day: null, search: null, problem: null });
  });
  it('formats durations', () => {
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(0)).toBe('0:00');
  });
});
