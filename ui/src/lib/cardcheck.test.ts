import { describe, expect, it } from 'vitest';
import { checkCard } from './cardcheck';

const today = new Date('2026-11-24T12:00:00Z');
const good = { number: '4242 4242 4242 4242', expiry: '12/30', cvv: '123', holder: 'Alice Martin' };

describe('the payment card form’s checks', () => {
  it('accepts a good card', () => {
    expect(checkCard(good, today)).toEqual({});
    expect(checkCard({ ...good, number: '3782 822463 10005', cvv: '1234' }, today)).toEqual({});
  });
  it('says what is wrong, field by field, in the form’s words', () => {
    expect(checkCard({ ...good, number: '4242 4242 4242 4241' }, today).number).toMatch(/typo/);
    expect(checkCard({ ...good, number: '4242 4242' }, today).number).toMatch(/too short/);
    expect(checkCard({ ...good, number: '4242 4242 4242 424' }, today).number).toMatch(/Visa number has 13, 16 or 19 digits; this one has 15/);
    expect(checkCard({ ...good, number: '9999 9999 9999 9999' }, today).number).toMatch(/accepts Visa/);
    expect(checkCard({ ...good, expiry: '10/26' }, today).expiry).toBe('This card expired at the end of 10/26.');
    expect(checkCard({ ...good, expiry: '11/26' }, today).expiry).toBeUndefined();
    expect(checkCard({ ...good, expiry: '13/27' }, today).expiry).toMatch(/MM\/YY/);
    expect(checkCard({ ...good, cvv: '12' }, today).cvv).toBe('A Visa security code has 3 digits.');
    expect(checkCard({ ...good, holder: ' ' }, today).holder).toMatch(/name/);
    expect(Object.keys(checkCard({ number: '', expiry: '', cvv: '', holder: '' }, today)).sort()).toEqual(['cvv', 'expiry', 'holder', 'number']);
  });
});
