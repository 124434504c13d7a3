import { describe, expect, it } from 'vitest';
import { compareAmounts, parseTypedAmount } from './amounts';

describe('typed amounts', () => {
  it('takes what a person types and refuses what is not an amount', () => {
    expect(parseTypedAmount(' 200 ')).toBe('200');
    expect(parseTypedAmount('1,250.50')).toBe('1250.50');
    expect(parseTypedAmount('0049.5')).toBe('49.5');
    expect(parseTypedAmount('abc')).toBeNull();
    expect(parseTypedAmount('12,5')).toBeNull();
    expect(parseTypedAmount('1.23456')).toBeNull();
    expect(parseTypedAmount('-5')).toBeNull();
  });
  it('compares on the digits, beyond what a float holds', () => {
    expect(compareAmounts('49.99', '50.0000')).toBe(-1);
    expect(compareAmounts('50', '50.0000')).toBe(0);
    expect(compareAmounts('90071992547409.9993', '90071992547409.9992')).toBe(1);
  });
});

describe('amounts on screen', () => {
  it('sizes bars and halves a scale on the digits', async () => {
    const { shareOf, divideAmount } = await import('./amounts');
    expect(shareOf('2.5000', '10.0000')).toBe(0.25);
    expect(shareOf('12', '10')).toBe(1);
    expect(shareOf('1', '0')).toBe(0);
    expect(divideAmount('17.0000', 2)).toBe('8.5000');
    expect(divideAmount('0.0001', 2)).toBe('0.0000');
  });
});
