import { describe, expect, it } from 'vitest';
import type { ActivityLine, ActivityPage, Card } from './api';
import { PAGE, PositionalSource, type PageRequest } from './pages';
import { MAX_SPACER_PX, scrollTopFor, virtualWindow } from './virtual';

// A fake core: `n` lines, line k submitted at second k of a day, served newest first by
// keyset (after) or by skipping, like the core's time order.
function fakeCore(n: number) {
  const calls: PageRequest[] = [];
  const time = (k: number) => `2026-11-24T${String(Math.floor(k / 3600) % 24).padStart(2, '0')}:${String(Math.floor(k / 60) % 60).padStart(2, '0')}:${String(k % 60).padStart(2, '0')}Z`;
  const line = (k: number) => ({ line_no: k, fax_id: `F${k}`, submit_time: time(k) }) as ActivityLine;
  const load = async (req: PageRequest, limit: number): Promise<ActivityPage> => {
    calls.push(req);
    const start = req.after ? req.after.n - 1 : n - req.skip;
    const lines: ActivityLine[] = [];
    for (let k = start; k >= 1 && lines.length < limit; k--) lines.push(line(k));
    const last = lines[lines.length - 1];
    const more = last !== undefined && last.line_no > 1;
    return { card: {} as Card, lines, next_before: null, next_after: more ? { submit_time: last.submit_time, n: last.line_no } : null };
  };
  return { load, calls };
}

describe('PositionalSource', () => {
  it('reaches any position of a million-line card with one page load', async () => {
    const core = fakeCore(1_000_000);
    const src = new PositionalSource(1_000_000, core.load);
    await src.ensure(654_321, 30);
    expect(core.calls).toEqual([{ after: null, skip: 6543 * PAGE }]);
    expect(src.row(654_321)?.line_no).toBe(1_000_000 - 654_321);
    expect(src.row(0)).toBeUndefined();
  });
  it('continues by keyset from the page before, and skips only on a jump', async () => {
    const core = fakeCore(1_000);
    const src = new PositionalSource(1_000, core.load);
    await src.ensure(0, 250);
    expect(core.calls.map((c) => (c.after ? `after ${c.after.n}` : `skip ${c.skip}`))).toEqual(['skip 0', 'after 901', 'after 801']);
    expect(src.row(249)?.line_no).toBe(751);
    await src.ensure(700, 10);
    expect(core.calls.at(-1)).toEqual({ after: null, skip: 700 });
  });
  it('loads a page once even when asked twice at the same time', async () => {
    const core = fakeCore(500);
    const src = new PositionalSource(500, core.load);
    await Promise.all([src.ensure(0, 10), src.ensure(5, 10)]);
    expect(core.calls.length).toBe(1);
    await src.ensure(480, 40);
    expect(src.row(499)?.line_no).toBe(1);
  });
  it('keeps a bounded number of pages', async () => {
    const core = fakeCore(100_000);
    const src = new PositionalSource(100_000, core.load, 3);
    for (let p = 0; p < 10; p++) await src.ensure(p * PAGE, 10);
    expect(src.row(0)).toBeUndefined();
    expect(src.row(9 * PAGE)?.line_no).toBe(100_000 - 9 * PAGE);
  });
});

describe('virtualWindow', () => {
  it('renders only the rows in view', () => {
    const w = virtualWindow(1_000, 30, 300, 3_000, 0);
    expect(w.first).toBe(100);
    expect(w.count).toBe(11);
    expect(w.top).toBe(3_000);
    expect(w.spacer).toBe(30_000);
  });
  it('scales the scrollbar for a million rows and still reaches the last row', () => {
    const total = 1_000_000;
    const w0 = virtualWindow(total, 30, 600, 0, 0);
    expect(w0.spacer).toBe(MAX_SPACER_PX);
    expect(w0.first).toBe(0);
    const end = virtualWindow(total, 30, 600, MAX_SPACER_PX, 0);
    expect(end.first + end.count).toBe(total);
    const mid = virtualWindow(total, 30, 600, scrollTopFor(500_000, total, 30, 600), 0);
    expect(mid.first).toBe(500_000);
  });
  it('handles an empty list', () => {
    expect(virtualWindow(0, 30, 600, 0)).toEqual({ spacer: 0, first: 0, count: 0, top: 0 });
  });
});
