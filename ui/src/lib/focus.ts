// Keyboard focus for modal layers: what can take focus inside a node, and making everything
// else on the page inert (no Tab, no click, hidden from assistive technology) while it is open.

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type=hidden])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

/** The controls Tab visits inside `root`, in order. A radio group counts once (its checked radio, or its first). */
export function focusables(root: HTMLElement): HTMLElement[] {
  const seen = new Set<string>();
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => {
    if (el.closest('[inert]') || el.getClientRects().length === 0) return false;
    if (el instanceof HTMLInputElement && el.type === 'radio' && el.name) {
      const checked = root.querySelector<HTMLInputElement>(`input[type=radio][name="${el.name}"]:checked`);
      if (checked ? checked !== el : seen.has(el.name)) return false;
      seen.add(el.name);
    }
    return true;
  });
}

/**
 * Makes every element outside `keep` inert: the siblings of `keep` and of each of its
 * ancestors up to the body. Returns the function that gives them back their own state.
 */
export function makeOthersInert(keep: HTMLElement): () => void {
  const changed: HTMLElement[] = [];
  for (let node: HTMLElement | null = keep; node && node !== document.body; node = node.parentElement) {
    const parent: HTMLElement | null = node.parentElement;
    if (!parent) break;
    for (const sib of parent.children) {
      if (sib !== node && sib instanceof HTMLElement && !sib.inert && sib.tagName !== 'SCRIPT') {
        sib.inert = true;
        changed.push(sib);
      }
    }
  }
  return () => changed.forEach((el) => (el.inert = false));
}
