// Results of actions, shown one way everywhere: a toast in the corner that never pushes the
// page. Success and information fade after a while (not while hovered or focused); an error
// stays until it is dismissed. Cancel is information, not success.

export type ToastKind = 'success' | 'info' | 'error';
export interface ToastAction {
  label: string;
  id?: string;
  run: () => unknown;
}
export interface Toast {
  key: number;
  kind: ToastKind;
  text: string;
  /** A stable element id, for tests and for replacing an earlier toast of the same id. */
  id?: string;
  actions: ToastAction[];
  /** Milliseconds before it goes; 0: until dismissed. */
  timeout: number;
}

let next = 1;
export const toasts = $state<Toast[]>([]);

export function dismiss(key: number) {
  const i = toasts.findIndex((t) => t.key === key);
  if (i >= 0) toasts.splice(i, 1);
}

function show(kind: ToastKind, text: string, opts: { id?: string; actions?: ToastAction[]; timeout?: number } = {}): number {
  if (opts.id) {
    const old = toasts.findIndex((t) => t.id === opts.id);
    if (old >= 0) toasts.splice(old, 1);
  }
  const actions = opts.actions ?? [];
  const timeout = opts.timeout ?? (kind === 'error' ? 0 : actions.length ? 15000 : 6000);
  const key = next++;
  toasts.push({ key, kind, text, id: opts.id, actions, timeout });
  // Four at most: the oldest go first.
  while (toasts.length > 4) toasts.shift();
  return key;
}

export const toast = {
  success: (text: string, opts?: { id?: string; actions?: ToastAction[]; timeout?: number }) => show('success', text, opts),
  info: (text: string, opts?: { id?: string; actions?: ToastAction[]; timeout?: number }) => show('info', text, opts),
  error: (text: string, opts?: { id?: string; actions?: ToastAction[]; timeout?: number }) => show('error', text, opts),
  clear: () => toasts.splice(0, toasts.length),
};
