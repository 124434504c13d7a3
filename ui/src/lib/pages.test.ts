import { describe, expect, it } from 'vitest';
import type { ActivityLine, ActivityPage, Card } from './api';
import { IndexedSource, PAGE, SequentialSource } from './pages';
import { MAX_SPACER_PX, scrollTopFor, virtualWindow } from './virtual';

// A fake core: a card of `n` lines numbered 1..n, served newest first by keyset.
function fakeCore(n: number, keep: (no: number) => boolean = () => true) {
  const calls: (number | null)[] = [];
  const line = (no: number) => ({ line_no: no, fax_id: `F${no}` }) as ActivityLine;
  const load = async (before: number | null, limit: number): Promise<ActivityPage> => {
    calls.push(before);
    const lines: ActivityLine[] = [];
    let no = (before ?? n + 1) - 1;
    while (no >= 1 && lines.length <= limit) {
      if (keep(no)) lines.push(line(no));
      no--;
    }
    const more = lines.length > limit;
    if (more) lines.pop();
    return { card: {} as Card, lines, next_before: more ? lines[lines.length - 1].line_no : null };
  };
  return { load, calls };
}

describe('IndexedSource', () => {
  it('reaches any position of a million-line card with one page load', async () => {
    const core = fakeCore(1_000_000);
    const src = new IndexedSource(1_000_000, core.load);
    await src.ensure(654_321, 30);
    expect(core.calls).toEqual([IndexedSource.beforeFor(1_000_000, 6543)]);
    expect(src.row(654_321)?.line_no).toBe(1_000_000 - 654_321);
    expect(src.row(0)).toBeUndefined();
  });
  it('loads a page once even when asked twice at the same time', async () => {
    const core = fakeCore(500);
    const src = new IndexedSource(500, core.load);
    await Promise.all([src.ensure(0, 10), src.ensure(5, 10)]);
    expect(core.calls.length).toBe(1);
    expect(src.row(0)?.line_no).toBe(500);
    expect(src.row(499)).toBeUndefined();
    await src.ensure(480, 40);
    expect(src.row(499)?.line_no).toBe(1);
  });
  it('keeps a bounded number of pages', async () => {
    const core = fakeCore(100_000);
    const src = new IndexedSource(100_000, core.load, 3);
    for (let p = 0; p < 10; p++) await src.ensure(p * PAGE, 10);
    expect(src.row(0)).toBeUndefined();
    expect(src.row(9 * PAGE)?.line_no).toBe(100_000 - 9 * PAGE);
  });
});

describe('SequentialSource', () => {
  it('follows next_before until the end of a filtered view', async () => {
    const core = fakeCore(1_000, (no) => no % 3 === 0);
    const src = new SequentialSource(core.load);
    await src.ensure(0, 250);
    expect(src.row(0)?.line_no).toBe(999);
    expect(src.row(249)?.line_no).toBe(999 - 249 * 3);
    await src.ensure(0, 10_000);
    expect(src.finished()).toBe(true);
    expect(src.total()).toBe(333);
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
