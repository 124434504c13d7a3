// The activity filters: a user, words, and a range of days. The days are sent as days
// (`from_day`, `to_day`, both included): the backend bounds them in the account's time zone,
// the zone of the spend chart's days, so a bar and its day's filter show the same faxes.

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

/** The query fields for the core; a range whose end is before its start is reported. */
export function toQuery(f: Filters): ActivityFilter & { problem: string | null } {
  const from_day = f.fromDay || null;
  const to_day = f.toDay || null;
  const problem = from_day && to_day && to_day < from_day ? 'The “To” day is before the “From” day.' : null;
  return { user: f.user || null, from_day, to_day, search: f.search.trim() || null, problem };
}

/** 65 seconds → "1:05". */
export function formatDuration(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}
