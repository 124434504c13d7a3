import { describe, expect, it } from 'vitest';
import { AMOUNT_WORDS, PERCENT_WORDS, levelKey, levelProblem, rowOfField, typedLevel } from './alertlevels';

describe('alert levels as typed', () => {
  it('takes a positive amount with at most 4 decimals, and a percent between 0 and 100 with at most 2', () => {
    for (const ok of ['50', '50.00', ' 0.0001 ', '1000000']) expect(levelProblem('amount', ok)).toBeNull();
    for (const bad of ['0', '0.00', '-5', '12.34567', 'abc', '', '1e3', '1,000', '12.345.6'])
      expect(levelProblem('amount', bad)).toBe(AMOUNT_WORDS);
    for (const ok of ['80', '80%', '87.5', '0.01', '99.99']) expect(levelProblem('percent', ok)).toBeNull();
    for (const bad of ['0', '100', '150', '80.001', '-10', 'x', ''])
      expect(levelProblem('percent', bad)).toBe(PERCENT_WORDS);
  });

  it('sends what the backend reads, knows one level in two spellings, and finds the row an error names', () => {
    expect(typedLevel('percent', ' 80 ')).toBe('80%');
    expect(typedLevel('percent', '80%')).toBe('80%');
    expect(typedLevel('amount', ' 50.00')).toBe('50.00');
    expect(levelKey('amount', '50')).toBe(levelKey('amount', '50.0000'));
    expect(levelKey('amount', '50')).not.toBe(levelKey('percent', '50'));
    expect(levelKey('amount', 'x')).toBeNull();
    expect(rowOfField('level 2')).toBe(1);
    expect(rowOfField('email')).toBeNull();
    expect(rowOfField(undefined)).toBeNull();
  });
});
