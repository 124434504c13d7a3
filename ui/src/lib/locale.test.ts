import { afterEach, describe, expect, it } from 'vitest';
import { formatDate, formatMoney } from './format';
import { appLocale, currencyLocale, formatCount, pickLocale, setEnvironment, useCurrency } from './locale';

// The same figures as the desk shows them, under the four sessions the issue names. Intl may
// write a narrow or a plain no-break space; the tests name which.
const NBSP = '\u00a0';
const NNBSP = '\u202f';

describe('the locale numbers are written in', () => {
  afterEach(() => setEnvironment(null));

  it('is the environment’s, then the webview’s, and the currency’s usual one under C/POSIX', () => {
    expect(pickLocale('de-DE', 'en-US', 'USD')).toBe('de-DE');
    expect(pickLocale(null, 'fr-FR', 'USD')).toBe('fr-FR');
    // A bare session: LANG=C.UTF-8 reaches the webview as "C", which ICU reads as POSIX.
    expect(pickLocale('C', 'C', 'USD')).toBe('en-US');
    expect(pickLocale(null, 'C', 'GBP')).toBe('en-GB');
    expect(pickLocale(null, 'en-US-u-va-posix', 'USD')).toBe('en-US');
    expect(pickLocale(null, 'POSIX', 'EUR')).toBe(currencyLocale('EUR'));
    expect(pickLocale(null, '', 'XYZ')).toBe('en-US');
  });

  it('writes amounts and counts grouped under C, en-US, de-DE and fr-FR', () => {
    const cases: [string | null, string, string, string][] = [
      ['C', '$7,341,524.18', '41,565', '300,000'],
      ['en-US', '$7,341,524.18', '41,565', '300,000'],
      ['de-DE', `7.341.524,18${NBSP}$`, '41.565', '300.000'],
      ['fr-FR', `7${NNBSP}341${NNBSP}524,18${NBSP}$US`, `41${NNBSP}565`, `300${NNBSP}000`],
    ];
    for (const [env, money, faxes, lines] of cases) {
      setEnvironment(env);
      useCurrency('USD');
      expect(formatMoney('7341524.1800', 'USD'), `${env}`).toBe(money);
      expect(formatCount(41565), `${env}`).toBe(faxes);
      expect(formatCount(300000), `${env}`).toBe(lines);
    }
  });

  it('keeps every digit of an amount, in any locale', () => {
    setEnvironment('de-DE');
    useCurrency('EUR');
    expect(appLocale()).toBe('de-DE');
    expect(formatMoney('123456789012345.6750', 'EUR')).toBe(`123.456.789.012.345,68${NBSP}€`);
    expect(formatMoney('-0.0049', 'EUR')).toBe(`0,00${NBSP}€`);
  });

  it('writes dates the session’s way', () => {
    setEnvironment('de-DE');
    useCurrency('USD');
    expect(formatDate('2026-11-24T12:00:00Z', undefined, 'UTC')).toBe('24.11.2026');
    setEnvironment('C');
    useCurrency('USD');
    expect(formatDate('2026-11-24T12:00:00Z', undefined, 'UTC')).toBe('Nov 24, 2026');
  });
});
