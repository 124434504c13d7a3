/// <reference types="vite/client" />
// Issue 13, item 12: no amount crosses a JS number anywhere in the UI. Amounts arrive as exact
// decimal strings; they are compared and scaled with BigInt (format.ts) and formatted on their
// digits. This test reads every source file and fails on a float conversion of anything that
// names an amount.
import { describe, expect, it } from 'vitest';
import { isPositive, percentWidth, plainAmount, shareOf, toUnits } from './format';

const AMOUNT = /amount|cap\b|balance|used|value|bonus|price|cost|spend|remaining|credit|face|original|money/i;

/** Every source file of the UI (tests aside), as text, by path. */
const SOURCES: Record<string, string> = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>(['../**/*.ts', '../**/*.svelte', '!../**/*.test.ts'], {
      query: '?raw',
      import: 'default',
      eager: true,
    }),
  ),
);

describe('money in the UI', () => {
  it('never goes through parseFloat, or Number()/parseInt()/unary plus on an amount', () => {
    const offences: string[] = [];
    expect(Object.keys(SOURCES).length).toBeGreaterThan(10);
    for (const [file, text] of Object.entries(SOURCES)) {
      text
        .split('\n')
        .forEach((line: string, i: number) => {
          const where = `${file}:${i + 1}: ${line.trim()}`;
          if (/parseFloat|valueAsNumber/.test(line)) offences.push(where);
          for (const m of line.matchAll(/\b(?:Number|parseInt)\s*\(([^)]*)\)/g)) {
            if (AMOUNT.test(m[1])) offences.push(where);
          }
          for (const m of line.matchAll(/(?:^|[=(,:?]\s*)\+\s*([\w.]+)/g)) {
            if (AMOUNT.test(m[1])) offences.push(where);
          }
          if (/type="number"[^>]*bind:value=\{(\w+)\}/.test(line) && AMOUNT.test(RegExp.$1)) offences.push(where);
        });
    }
    expect(offences).toEqual([]);
  });

  it('compares, trims and scales amounts on their digits', () => {
    expect(toUnits('52.5')).toBe(525000n);
    expect(toUnits('-0.0001')).toBe(-1n);
    expect(toUnits('90071992547409.9993')).toBe(900719925474099993n);
    expect(() => toUnits('1e3')).toThrow();
    expect(isPositive('0.0000')).toBe(false);
    expect(isPositive('0.0001')).toBe(true);
    expect(plainAmount('30.0000')).toBe('30');
    expect(plainAmount('12.5000')).toBe('12.5');
    expect(plainAmount('90071992547409.9993')).toBe('90071992547409.9993');
    expect(shareOf('2.5000', '10.0000')).toBe(25);
    expect(shareOf('1', '0')).toBe(0);
    expect(percentWidth('95.00')).toBe(95);
    expect(percentWidth('150.00')).toBe(100);
    expect(percentWidth('junk')).toBe(0);
  });
});
