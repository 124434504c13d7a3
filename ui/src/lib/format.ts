// Formatting for people: amounts in the currency's usual decimals, and dates in the user's
// locale and the account's time zone (zone.ts). Amounts arrive as exact decimal strings and are rounded here on the
// digits, never through a float. Without a locale, the session's (locale.ts) is used.

import { appLocale } from './locale';
import { accountZone } from './zone';

/** Rounds a decimal string half away from zero to `places` digits, exactly. */
export function roundDecimal(value: string, places: number): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`not a decimal: ${value}`);
  const [, sign, whole, frac = ''] = m;
  const padded = (frac + '0'.repeat(places + 1)).slice(0, places + 1);
  let digits = (whole + padded.slice(0, places)).replace(/^0+(?=\d)/, '');
  if (Number(padded[places]) >= 5) {
    // Add one in the last place, carrying through the digit string.
    const arr = digits.split('').map(Number);
    let i = arr.length - 1;
    while (i >= 0) {
      if (arr[i] === 9) {
        arr[i] = 0;
        i--;
      } else {
        arr[i]++;
        break;
      }
    }
    if (i < 0) arr.unshift(1);
    digits = arr.join('');
  }
  digits = digits.padStart(places + 1, '0');
  const w = digits.slice(0, digits.length - places);
  const f = digits.slice(digits.length - places);
  const zero = /^0*$/.test(w + f);
  return `${sign && !zero ? '-' : ''}${w}${places > 0 ? '.' + f : ''}`;
}

/** The currency's usual number of decimals (USD 2, JPY 0, BHD 3). */
export function currencyDigits(currency: string, locale?: string): number {
  try {
    return new Intl.NumberFormat(locale ?? appLocale(), { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "52.5000" in USD → "$52.50" (en-US) or "52,50 $US" (fr-FR). */
export function formatMoney(value: string, currency: string, locale?: string, digits?: number): string {
  const d = digits ?? currencyDigits(currency, locale);
  const rounded = roundDecimal(value, d);
  const nf = new Intl.NumberFormat(locale ?? appLocale(), {
    style: 'currency',
    currency,
    minimumFractionDigits: d,
    maximumFractionDigits: d,
  });
  // Intl accepts decimal strings and keeps every digit (no float on the way).
  return nf.format(rounded as unknown as number);
}

/** An RFC 3339 UTC time as a date of the account's zone, e.g. "Nov 24, 2026". */
export function formatDate(iso: string | null, locale?: string, timeZone = accountZone()): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale ?? appLocale(), { dateStyle: 'medium', timeZone }).format(d);
}

/** An RFC 3339 UTC time as date and time in the account's zone. */
export function formatDateTime(iso: string | null, locale?: string, timeZone = accountZone()): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale ?? appLocale(), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

/** A calendar day (`YYYY-MM-DD`, already a day of the account) as "Nov 24, 2026": a day is not
 * an instant, so no zone moves it. */
export function formatCalendarDay(day: string, locale?: string, options: Intl.DateTimeFormatOptions = { dateStyle: 'medium' }): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const noon = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
  return new Intl.DateTimeFormat(locale ?? appLocale(), { ...options, timeZone: 'UTC' }).format(noon);
}

/** "95.00" → 95 for a bar's width; clamped to 0..100. Read on the digits, like amounts. */
export function percentWidth(p: string): number {
  let hundredths: bigint;
  try {
    hundredths = toUnits(roundDecimal(p, 2)) / 100n;
  } catch {
    return 0;
  }
  const clamped = hundredths < 0n ? 0n : hundredths > 10000n ? 10000n : hundredths;
  return Number(clamped) / 100;
}

/** A decimal string as exact ten-thousandths ("52.5" → 525000n): amounts compare as BigInt. */
export function toUnits(value: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(value.trim());
  if (!m) throw new Error(`not an amount with at most 4 decimals: ${value}`);
  const [, sign, whole, frac = ''] = m;
  const units = BigInt(whole) * 10000n + BigInt(frac.padEnd(4, '0'));
  return sign ? -units : units;
}

/** Whether an amount is more than zero, on its digits. */
export function isPositive(value: string): boolean {
  return toUnits(value) > 0n;
}

/** "30.0000" → "30", "12.5000" → "12.5": an amount as a person would type it. */
export function plainAmount(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

/** `part` as a percentage of `whole` (0..100, two places) for bar sizes; amounts stay exact. */
export function shareOf(part: string, whole: string): number {
  const w = toUnits(whole);
  if (w <= 0n) return 0;
  const hundredths = (toUnits(part) * 10000n) / w;
  return Number(hundredths < 0n ? 0n : hundredths) / 100;
}
