import { describe, expect, it } from 'vitest';
import { formatDuration, isFiltered, noFilters, toQuery } from './filters';

describe('filters', () => {
  it('turns local days into an exclusive UTC range', () => {
    const q = toQuery({ user: 'bob', fromDay: '2026-11-01', toDay: '2026-11-03', search: ' 212 ' });
    expect(q).toEqual({ user: 'bob', from: '2026-11-01T00:00:00Z', to: '2026-11-04T00:00:00Z', search: '212', problem: null });
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
