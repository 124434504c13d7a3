// Calendar days typed by a person in the session's locale ("11/24/2026", "24.11.2026",
// "24/11/2026") or as ISO ("2026-11-24"), and the quick ranges of View Activity. Days are
// `YYYY-MM-DD` strings, days of the account's time zone (zone.ts), whatever the computer's.

import { appLocale } from './locale';
import { addDays, dayOf } from './zone';

type Part = 'day' | 'month' | 'year';

/** The locale's order of day, month and year, and its separator. */
export function dayPattern(locale = appLocale()): { order: Part[]; sep: string; hint: string } {
  const parts = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(2026, 10, 24));
  const order = parts.filter((p) => p.type === 'day' || p.type === 'month' || p.type === 'year').map((p) => p.type as Part);
  const sep = parts.find((p) => p.type === 'literal')?.value.trim() || '/';
  const word: Record<Part, string> = { day: 'DD', month: 'MM', year: 'YYYY' };
  return { order, sep, hint: order.map((p) => word[p]).join(sep) };
}

const pad = (n: number) => String(n).padStart(2, '0');

function valid(y: number, m: number, d: number): string | null {
  if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1) return null;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d > last ? null : `${y}-${pad(m)}-${pad(d)}`;
}

/** `YYYY-MM-DD` for what was typed, or null when it is not a day. Empty stays empty (''). */
export function parseDay(text: string, locale = appLocale()): string | null {
  const t = text.trim();
  if (!t) return '';
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (iso) return valid(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  let nums = t.split(/[\s./-]+/).filter(Boolean);
  // Digits only, as typed on a keypad: "11242026" or "112426" in the locale's order.
  if (/^\d{6}$|^\d{8}$/.test(t)) {
    const yearLen = t.length === 8 ? 4 : 2;
    let at = 0;
    nums = dayPattern(locale).order.map((p) => {
      const len = p === 'year' ? yearLen : 2;
      const part = t.slice(at, at + len);
      at += len;
      return part;
    });
  }
  if (nums.length !== 3 || nums.some((n) => !/^\d+$/.test(n))) return null;
  const { order } = dayPattern(locale);
  const v: Record<Part, number> = { day: 0, month: 0, year: 0 };
  order.forEach((p, i) => (v[p] = Number(nums[i])));
  const yearText = nums[order.indexOf('year')];
  if (yearText.length === 2) v.year += 2000;
  else if (yearText.length !== 4) return null;
  return valid(v.year, v.month, v.day);
}

/** A `YYYY-MM-DD` day written the locale's way, with two-digit day and month. */
export function formatDay(day: string, locale = appLocale()): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const { order, sep } = dayPattern(locale);
  const v: Record<Part, string> = { year: m[1], month: m[2], day: m[3] };
  return order.map((p) => v[p]).join(sep);
}

export type QuickRange = 'month' | 'last30' | 'card';

/** A quick range's first and last day of the account, with `now` in its day; `card`: from the
 * card's issue to its close (or today). */
export function quickRange(which: QuickRange, now: Date, card?: { issue_date: string; close_date: string | null }): { fromDay: string; toDay: string } {
  const to = dayOf(now);
  if (which === 'month') return { fromDay: to.slice(0, 8) + '01', toDay: to };
  if (which === 'last30') return { fromDay: addDays(to, -29), toDay: to };
  const from = card ? dayOf(card.issue_date) : to;
  const end = card?.close_date ? dayOf(card.close_date) : to;
  return { fromDay: from, toDay: end < from ? from : end };
}
