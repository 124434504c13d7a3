// Paging a card's activity from the core, by keyset. Unfiltered, any position is reachable
// directly (the lines from position k are those numbered below `lines - k + 1`); filtered,
// pages follow one another through `next_before`. Both keep a bounded cache of pages.

import type { ActivityLine, ActivityPage } from './api';

export const PAGE = 100;

export type Loader = (before: number | null, limit: number) => Promise<ActivityPage>;

export interface Source {
  /** Rows known to exist (for a filtered view: loaded so far, plus one page while more remain). */
  total(): number;
  row(index: number): ActivityLine | undefined;
  /** Loads what rows [first, first + count) need; resolves when they are there. */
  ensure(first: number, count: number): Promise<void>;
}

/** The whole card, newest first, random access by position. */
export class IndexedSource implements Source {
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

  row(index: number) {
    const p = this.pages.get(Math.floor(index / PAGE));
    return p?.[index % PAGE];
  }

  async ensure(first: number, count: number) {
    const last = Math.min(this.lines, first + count) - 1;
    const wanted: Promise<void>[] = [];
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) {
      if (p < 0) continue;
      wanted.push(this.loadPage(p));
    }
    await Promise.all(wanted);
    this.evict(Math.floor(first / PAGE));
  }

  /** The keyset of page p: lines numbered below this. */
  static beforeFor(lines: number, page: number): number {
    return lines - page * PAGE + 1;
  }

  private loadPage(p: number): Promise<void> {
    if (this.pages.has(p)) return Promise.resolve();
    const running = this.loading.get(p);
    if (running) return running;
    const job = this.load(IndexedSource.beforeFor(this.lines, p), PAGE)
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

/** A filtered view: pages in order, total unknown until the end. */
export class SequentialSource implements Source {
  private rows: ActivityLine[] = [];
  private next: number | null = null;
  private done = false;
  private loading: Promise<void> | null = null;
  constructor(private readonly load: Loader) {}

  total() {
    return this.rows.length + (this.done ? 0 : PAGE);
  }

  row(index: number) {
    return this.rows[index];
  }

  finished() {
    return this.done;
  }

  async ensure(first: number, count: number) {
    while (!this.done && this.rows.length < first + count) {
      await this.more();
    }
  }

  private more(): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = this.load(this.rows.length === 0 ? null : this.next, PAGE)
      .then((page) => {
        this.rows.push(...page.lines);
        this.next = page.next_before;
        this.done = page.next_before === null;
      })
      .finally(() => (this.loading = null));
    return this.loading;
  }
}
