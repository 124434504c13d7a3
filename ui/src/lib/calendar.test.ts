import { describe, expect, it } from 'vitest';
import { addDays, addMonths, cardDays, firstWeekday, monthGrid, openingDay } from './calendar';

describe('the date fields’ calendar', () => {
  it('opens on the field’s day, else the other field’s, else the card’s period — not today', () => {
    const life = { first: '2026-03-14', last: '2026-05-02' };
    expect(openingDay('from', '', '', life)).toBe('2026-03-14');
    expect(openingDay('to', '', '', life)).toBe('2026-05-02');
    expect(openingDay('to', '', '2026-04-01', life)).toBe('2026-04-01');
    expect(openingDay('from', '2026-04-09', '2026-04-20', life)).toBe('2026-04-09');
  });
  it('takes a card’s life from its issue to its close, or to today while it is open', () => {
    const today = new Date(2026, 10, 24, 15);
    expect(cardDays({ issue_date: '2026-03-14T12:00:00Z', close_date: '2026-05-02T12:00:00Z' }, today)).toEqual({ first: '2026-03-14', last: '2026-05-02' });
    expect(cardDays({ issue_date: '2026-03-14T12:00:00Z', close_date: null }, today)).toEqual({ first: '2026-03-14', last: '2026-11-24' });
  });
  it('moves by day across months and by month within a month’s length', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-03-15', -12)).toBe('2025-03-15');
  });
  it('lays out whole weeks from the locale’s first weekday', () => {
    expect(firstWeekday('en-US')).toBe(0);
    expect(firstWeekday('de-DE')).toBe(1);
    // November 2026 starts on a Sunday.
    const us = monthGrid('2026-11-24', 0);
    expect(us[0][0]).toEqual({ day: '2026-11-01', inMonth: true });
    expect(us.at(-1)!.at(-1)).toEqual({ day: '2026-12-05', inMonth: false });
    const de = monthGrid('2026-11-24', 1);
    expect(de[0][0]).toEqual({ day: '2026-10-26', inMonth: false });
    expect(de[0][6].day).toBe('2026-11-01');
    expect(de.every((w) => w.length === 7)).toBe(true);
    expect(de.flat().filter((c) => c.inMonth)).toHaveLength(30);
  });
});
