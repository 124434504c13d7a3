// The virtual window of a long list: which rows to render for a scroll position. Browsers cap
// element heights (WebKit near 2^25 px), so past MAX_SPACER_PX the scrollbar is scaled: the
// spacer stays short and a scroll position maps proportionally onto the rows.

export const MAX_SPACER_PX = 8_000_000;

export interface Window {
  /** Height of the scrollable spacer. */
  spacer: number;
  /** Index of the first row to render. */
  first: number;
  /** How many rows to render (overscan included). */
  count: number;
  /** Where, in spacer coordinates, the first rendered row starts. */
  top: number;
}

export function virtualWindow(
  total: number,
  rowHeight: number,
  viewport: number,
  scrollTop: number,
  overscan = 5,
): Window {
  const content = total * rowHeight;
  const spacer = Math.min(content, MAX_SPACER_PX);
  if (total === 0 || viewport <= 0) return { spacer, first: 0, count: 0, top: 0 };
  const maxScroll = Math.max(0, spacer - viewport);
  const st = Math.min(Math.max(0, scrollTop), maxScroll);
  // Position in full-content pixels of the viewport's top edge.
  const virtualTop = maxScroll === 0 ? st : (st / maxScroll) * Math.max(0, content - viewport);
  // The epsilon absorbs float error of the scaling, so scrollTopFor(i) shows row i first.
  const exactFirst = Math.floor(virtualTop / rowHeight + 1e-6);
  const first = Math.max(0, exactFirst - overscan);
  const visible = Math.ceil(viewport / rowHeight) + 1;
  const count = Math.min(total - first, visible + overscan * 2);
  const top = st - (virtualTop - first * rowHeight);
  return { spacer, first, count, top };
}

/** The scrollTop that brings row `index` to the top of the viewport. */
export function scrollTopFor(index: number, total: number, rowHeight: number, viewport: number): number {
  const content = total * rowHeight;
  const spacer = Math.min(content, MAX_SPACER_PX);
  const maxScroll = Math.max(0, spacer - viewport);
  const maxVirtual = Math.max(0, content - viewport);
  const v = Math.min(index * rowHeight, maxVirtual);
  return maxVirtual === 0 ? 0 : (v / maxVirtual) * maxScroll;
}
