// Paging a card's activity from the core, in submit-time order, with the number of lines known
// (the card's, or the count of what the filters show). Any position is reachable: a page that
// follows one already loaded continues from its last line by keyset (one index probe); a page
// reached by a jump starts `skip` lines in (one index step per line skipped). A bounded cache
// of pages is kept.

import type { ActivityLine, ActivityPage, TimeKey } from './api';

export const PAGE = 100;

export interface PageRequest {
  /** Continue after this line (keyset); null: start `skip` lines in. */
  after: TimeKey | null;
  skip: number;
}

export type Loader = (req: PageRequest, limit: number) => Promise<ActivityPage>;

export class PositionalSource {
  private pages = new Map<number, ActivityLine[]>();
  private loading = new Map<number, Promise<void>>();
  constructor(
    private readonly lines: number,
    private readonly load: Loader,
    private readonly maxPages = 60,
  ) {}

  total() {
    return this.lines;
  }

  row(index: number): ActivityLine | undefined {
    return this.pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  /** Loads what rows [first, first + count) need; resolves when they are there. */
  async ensure(first: number, count: number) {
    const last = Math.min(this.lines, first + count) - 1;
    // In order, so that each page after the first can continue from the one before it.
    for (let p = Math.max(0, Math.floor(first / PAGE)); p <= Math.floor(last / PAGE); p++) await this.loadPage(p);
    this.evict(Math.floor(first / PAGE));
  }

  /** How page `p` is asked for: after the last line of page p - 1 when it is here, else by skipping. */
  request(p: number): PageRequest {
    const before = this.pages.get(p - 1);
    const last = before && before.length === PAGE ? before[PAGE - 1] : undefined;
    if (p > 0 && last) return { after: { submit_time: last.submit_time, n: last.line_no }, skip: 0 };
    return { after: null, skip: p * PAGE };
  }

  private loadPage(p: number): Promise<void> {
    if (this.pages.has(p)) return Promise.resolve();
    const running = this.loading.get(p);
    if (running) return running;
    const job = this.load(this.request(p), PAGE)
      .then((page) => {
        this.pages.set(p, page.lines);
      })
      .finally(() => this.loading.delete(p));
    this.loading.set(p, job);
    return job;
  }

  private evict(around: number) {
    if (this.pages.size <= this.maxPages) return;
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - around) - Math.abs(a - around));
    for (const p of far.slice(0, this.pages.size - this.maxPages)) this.pages.delete(p);
  }
}
