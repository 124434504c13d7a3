// Amounts typed by a person, checked and compared on their digits (never through a float).
import { toUnits } from './format';

/** "1,250.5" or "1250.50" → "1250.50"; null when it is not an amount of at most 4 decimals. */
export function parseTypedAmount(typed: string): string | null {
  const t = typed.trim().replace(/[\s\u00a0\u202f]/g, '');
  // Grouping commas are accepted only in their usual place ("1,250.50").
  const plain = /^\d{1,3}(,\d{3})+(\.\d+)?$/.test(t) ? t.replace(/,/g, '') : t;
  const m = /^(\d+)(?:\.(\d{1,4}))?$/.exec(plain);
  if (!m) return null;
  return `${m[1].replace(/^0+(?=\d)/, '')}${m[2] ? '.' + m[2] : ''}`;
}

/** -1, 0 or 1 as `a` is less than, equal to or more than `b`. */
export function compareAmounts(a: string, b: string): -1 | 0 | 1 {
  const x = toUnits(a);
  const y = toUnits(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `part` as a share of `whole` (0..1, four places), for sizes on screen; exact digits in, a float out. */
export function shareOf(part: string, whole: string): number {
  const w = toUnits(whole);
  if (w <= 0n) return 0;
  const p = toUnits(part);
  const clamped = p < 0n ? 0n : p > w ? w : p;
  return Number((clamped * 10000n) / w) / 10000;
}

/** `value` divided by `by`, rounded down to 4 places, as a decimal string ("12.5000" / 2 → "6.2500"). */
export function divideAmount(value: string, by: number): string {
  const u = toUnits(value) / BigInt(by);
  const neg = u < 0n;
  const a = neg ? -u : u;
  return `${neg ? '-' : ''}${a / 10000n}.${String(a % 10000n).padStart(4, '0')}`;
}
