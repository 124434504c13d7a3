// The month grid of the date fields' calendar, and where it opens: on the field's day, else on
// the card's own period (its first month for From, its last for To), never on a today that the
// card may be far from. Days are `YYYY-MM-DD` strings, as in dates.ts.

import { dayOf } from './zone';
import { appLocale } from './locale';

const pad = (n: number) => String(n).padStart(2, '0');

/** A calendar day from a year, a month (1–12, may overflow) and a day (may overflow), by the
 * calendar alone (UTC arithmetic, so no zone's clock change moves it). */
function calendarDay(y: number, m: number, d: number): string {
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

function parts(day: string): [number, number, number] {
  const [y, m, d] = day.split('-').map(Number);
  return [y, m, d];
}

/** The day `n` days after `day` (before, when negative). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = parts(day);
  return calendarDay(y, m, d + n);
}

/** The same day of the month `n` months later, kept inside that month (Jan 31 + 1 → Feb 28). */
export function addMonths(day: string, n: number): string {
  const [y, m, d] = parts(day);
  const last = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
  return calendarDay(y, m + n, Math.min(d, last));
}

/** The first day of the week in a locale: 0 Sunday … 6 Saturday. */
export function firstWeekday(locale = appLocale()): number {
  try {
    const l = new Intl.Locale(locale) as Intl.Locale & { getWeekInfo?: () => { firstDay: number }; weekInfo?: { firstDay: number } };
    const info = l.getWeekInfo?.() ?? l.weekInfo;
    if (info) return info.firstDay % 7;
    const region = l.maximize().region ?? '';
    return ['US', 'CA', 'JP', 'BR', 'MX', 'IL', 'PH', 'KR', 'TW', 'HK', 'IN', 'ZA', 'AU'].includes(region) ? 0 : 1;
  } catch {
    return 1;
  }
}

/** The weeks shown for the month of `day`: each a row of seven days, `inMonth` false for the days around it. */
export function monthGrid(day: string, weekStart: number): { day: string; inMonth: boolean }[][] {
  const [y, m] = parts(day);
  const first = `${y}-${pad(m)}-01`;
  const lead = (new Date(y, m - 1, 1).getDay() - weekStart + 7) % 7;
  const weeks: { day: string; inMonth: boolean }[][] = [];
  let d = addDays(first, -lead);
  do {
    const week = [];
    for (let i = 0; i < 7; i++) {
      week.push({ day: d, inMonth: parts(d)[1] === m });
      d = addDays(d, 1);
    }
    weeks.push(week);
  } while (parts(d)[1] === m);
  return weeks;
}

/** A card's life as the account's days: from its issue to its close, or to today while it is open. */
export function cardDays(card: { issue_date: string; close_date: string | null }, today: Date): { first: string; last: string } {
  const first = dayOf(card.issue_date);
  const last = card.close_date ? dayOf(card.close_date) : dayOf(today);
  return { first, last: last < first ? first : last };
}

/**
 * The day the calendar opens on: the field's own day when it has one; else, for From, the
 * other field's day or the card's first day; for To, the other field's day or the card's last.
 */
export function openingDay(which: 'from' | 'to', own: string, other: string, life: { first: string; last: string }): string {
  if (own) return own;
  if (other) return other;
  return which === 'from' ? life.first : life.last;
}
