import { describe, expect, it } from 'vitest';
import { formatMoney, formatDate, percentWidth, roundDecimal, currencyDigits } from './format';
import { toApiError } from './api';

describe('roundDecimal', () => {
  it('rounds half away from zero on the digits', () => {
    expect(roundDecimal('52.5000', 2)).toBe('52.50');
    expect(roundDecimal('0.0050', 2)).toBe('0.01');
    expect(roundDecimal('0.0049', 2)).toBe('0.00');
    expect(roundDecimal('9.9950', 2)).toBe('10.00');
    expect(roundDecimal('999.9999', 0)).toBe('1000');
    expect(roundDecimal('-1.2350', 2)).toBe('-1.24');
    expect(roundDecimal('-0.0010', 2)).toBe('0.00');
  });
  it('keeps digits a float would lose', () => {
    expect(roundDecimal('123456789012345.6750', 2)).toBe('123456789012345.68');
  });
  it('refuses what is not a decimal', () => {
    expect(() => roundDecimal('1e3', 2)).toThrow();
    expect(() => roundDecimal('', 2)).toThrow();
  });
});

describe('formatMoney', () => {
  it('uses the currency and the locale', () => {
    expect(formatMoney('52.5000', 'USD', 'en-US')).toBe('$52.50');
    expect(formatMoney('1234.5670', 'EUR', 'de-DE')).toBe('1.234,57\u00a0€');
    expect(currencyDigits('JPY', 'en-US')).toBe(0);
    expect(formatMoney('1500.5000', 'JPY', 'en-US')).toBe('¥1,501');
  });
});

describe('formatDate', () => {
  it('shows UTC times in the given time zone', () => {
    expect(formatDate('2026-11-24T02:00:00Z', 'en-US', 'America/New_York')).toBe('Nov 23, 2026');
    expect(formatDate(null, 'en-US')).toBe('');
  });
});

describe('percentWidth', () => {
  it('clamps to the bar', () => {
    expect(percentWidth('95.50')).toBe(95.5);
    expect(percentWidth('120')).toBe(100);
    expect(percentWidth('x')).toBe(0);
  });
});

describe('toApiError', () => {
  it('keeps the code of a backend error', () => {
    expect(toApiError({ code: 'forbidden', message: 'no' })).toEqual({ code: 'forbidden', message: 'no' });
    expect(toApiError('{"code":"quota_exceeded","message":"205000"}').code).toBe('quota_exceeded');
    expect(toApiError('plain').code).toBe('internal');
    expect(toApiError(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' });
  });
});
