// The Alerts page's reading of a level as typed, before the backend reads it again: an amount of
// credit more than 0 with at most 4 decimals, or a percent strictly between 0 and 100 with at
// most 2. On the digits (BigInt), never through a float.

import type { AlertLevelKind } from './api';
import { toUnits } from './format';

export const AMOUNT_WORDS = 'Enter an amount of credit more than 0, such as 50.00 (at most 4 decimals).';
export const PERCENT_WORDS = 'Enter a percent more than 0 and less than 100, such as 80 (at most 2 decimals).';

/** The digits typed, without spaces or a trailing `%`. */
function digits(value: string): string {
  return value.trim().replace(/%$/, '').trim();
}

/** What is wrong with a level as typed, in the page's words; null when it is a level. */
export function levelProblem(kind: AlertLevelKind, value: string): string | null {
  const v = digits(value);
  if (kind === 'amount') return /^\d+(\.\d{1,4})?$/.test(v) && toUnits(v) > 0n ? null : AMOUNT_WORDS;
  if (!/^\d+(\.\d{1,2})?$/.test(v)) return PERCENT_WORDS;
  const hundredths = toUnits(v) / 100n;
  return hundredths > 0n && hundredths < 10000n ? null : PERCENT_WORDS;
}

/** The level as the backend reads it: `50.00` or `80%`. */
export function typedLevel(kind: AlertLevelKind, value: string): string {
  return kind === 'percent' ? `${digits(value)}%` : digits(value);
}

/** The same level whatever its spelling (`50` and `50.00`), or null when it is not one. */
export function levelKey(kind: AlertLevelKind, value: string): string | null {
  try {
    return `${kind}:${toUnits(digits(value))}`;
  } catch {
    return null;
  }
}

/** The row (from 0) a backend error names (`level 2`), or null. */
export function rowOfField(field: string | undefined): number | null {
  const m = /^level (\d+)$/.exec(field ?? '');
  return m ? Number(m[1]) - 1 : null;
}
