// The activity filters: a user, words, and a date range picked as local calendar days, turned
// into the UTC instants the core compares with (from: the first day's local midnight; to: the
// midnight after the last day, exclusive).

import type { ActivityFilter } from './api';

export interface Filters {
  user: string;
  fromDay: string;
  toDay: string;
  /** Words in the destination or the subject. */
  search: string;
}

export const noFilters = (): Filters => ({ user: '', fromDay: '', toDay: '', search: '' });

export function isFiltered(f: Filters): boolean {
  return f.user !== '' || f.fromDay !== '' || f.toDay !== '' || f.search.trim() !== '';
}

function localMidnight(day: string, plusDays = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The query fields for the core; a range whose end is before its start is reported. */
export function toQuery(f: Filters): ActivityFilter & { problem: string | null } {
  const from = f.fromDay ? localMidnight(f.fromDay) : null;
  const to = f.toDay ? localMidnight(f.toDay, 1) : null;
  const problem = from && to && to <= from ? 'The “To” day is before the “From” day.' : null;
  return { user: f.user || null, from, to, search: f.search.trim() || null, problem };
}

/** 65 seconds → "1:05". */
export function formatDuration(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}
