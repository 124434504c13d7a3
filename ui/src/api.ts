// The one module that talks to the backend: every command name and argument shape lives here.
// Components import these functions and never call `invoke` themselves.
import { invoke } from '@tauri-apps/api/core';

/** Every backend error carries a stable code; the UI branches on `code`, never on `message`. */
export interface ApiError {
  code: string;
  message: string;
}

export type AccountKind = 'prepaid' | 'credit';
export type CardStatus = 'active' | 'queued' | 'depleted' | 'closed';

/** Amounts are decimal strings with 4 places ("52.5000"): never floats. */
export interface Card {
  id: number;
  issue_date: string;
  close_date: string | null;
  package: string | null;
  face_value: string;
  bonus: string;
  original_balance: string;
  used: string;
  balance: string;
  percent_used: string;
  status: CardStatus;
  previous_card: number | null;
  lines: number;
  source: string;
}

export interface Account {
  name: string;
  kind: AccountKind;
  email: string;
  currency: string;
  credit_limit: string | null;
  created_at: string;
}

export interface Overview {
  account: Account;
  cards: Card[];
  db_path: string;
  demo: boolean;
}

/** Turns whatever a failed `invoke` throws into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const o = e as Record<string, unknown>;
    return { code: String(o.code), message: String(o.message) };
  }
  if (typeof e === 'string') {
    try {
      return toApiError(JSON.parse(e));
    } catch {
      return { code: 'internal', message: e };
    }
  }
  if (e instanceof Error) return { code: 'internal', message: e.message };
  return { code: 'internal', message: 'unexpected error' };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toApiError(e);
  }
}

export const api = {
  overview: () => call<Overview>('overview'),
};
