// The one module that talks to the backend: every command name, argument shape and event
// lives here. Components import these functions and never call `invoke` or `listen` themselves.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

/** The events the app sends, by name (src-tauri/src/events.rs; a test ties the two lists). */
export const EVENTS = {
  ledgerChanged: 'ledger-changed',
  cardMenu: 'card-menu',
  exportProgress: 'export-progress',
  moveProgress: 'move-progress',
  orderMenu: 'order-menu',
  reportMenu: 'report-menu',
};
import { onDestroy } from 'svelte';

/** Every backend error carries a stable code; the UI branches on `code`, never on `message`. */
export interface ApiError {
  code: string;
  message: string;
  /** The input the error is about (`invalid_input`): `number`, `expiry`, `from`, `cap`… */
  field?: string;
  /** Seconds until it may be tried again (`too_many_attempts`). */
  retry_after?: number;
}

export type AccountKind = 'prepaid' | 'credit';
export type Role = 'manager' | 'user';
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
  /** The IANA zone of the account's days and months (null: the computer's, unnamed). */
  time_zone: string | null;
  /** False: no zone of its own, the computer's. */
  time_zone_set: boolean;
}

export interface AccountSettings {
  account: Account;
  /** Every zone name it can be set to. */
  time_zones: string[];
  /** This computer's zone (null: it has no IANA name). */
  computer_time_zone: string | null;
}

export interface DaySpend {
  day: string;
  amount: string;
  faxes: number;
}

export interface Summary {
  remaining: string;
  spend_this_month: string;
  faxes_this_month: number;
  /** Days of the account's zone, oldest first; the last is today. */
  daily: DaySpend[];
  time_zone: string | null;
}

/** Whether faxes are being refused now, and until when. */
export interface Refusing {
  /** The open cards hold nothing (or too little for the last fax sent). */
  refusing: boolean;
  /** Refused faxes since the card in use (or the month) began. */
  recent: number;
  last_at: string | null;
  /** Credit accounts: when the next month's credit opens. */
  until: string | null;
}

export interface Overview {
  account: Account;
  cards: Card[];
  summary: Summary;
  refusing: Refusing;
}

export interface Session {
  user: string;
  role: Role;
  account: string;
  kind: AccountKind;
  currency: string;
  /** The account's managers: whom a user asks. */
  managers: string[];
  /** The account's zone: its days, and the zone times are shown in. */
  time_zone: string | null;
}

/** A shared ledger on PostgreSQL as the form gives it; never its password (the keyring has it). */
export interface PgSettings {
  /** postgres://host:5432/database?schema=name */
  url: string;
  user: string;
  tls: TlsMode;
  /** The PEM file of the authority that signed the server's certificate (verify-ca, verify-full). */
  root_cert: string | null;
}

export type TlsMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** Where the ledger lives. */
export interface LedgerInfo {
  /** On PostgreSQL; else a file on this computer. */
  shared: boolean;
  /** The file, or the URL without its password. */
  place: string;
  /** Chosen on the command line (--db, --demo): not remembered for later starts. */
  pinned: boolean;
  settings: PgSettings | null;
  /** The shared ledger cannot be opened now: why (connect again, or choose a file). */
  open_error: ApiError | null;
  /** No account yet and nothing chosen on the command line: a shared ledger may be chosen. */
  can_choose: boolean;
  /** The system keyring holds the shared ledger's password. */
  password_kept: boolean;
}

/** What a shared ledger's server answered "Test connection". */
export interface ServerAnswer {
  server: string;
  ledger: string;
  /** The account its schema holds; null: none yet (the first run creates it there). */
  account: string | null;
  kind: AccountKind | null;
}

export interface LedgerTotals {
  cards: number;
  faxes: number;
  lines: number;
  billed: string;
  credit_left: string;
}

/** A file moved up to PostgreSQL: both sides' totals and checks; `ok`: the app uses it now. */
export interface Moved {
  summary: {
    tables: number;
    rows: number;
    sqlite: { totals: LedgerTotals; problems: string[] };
    postgres: { totals: LedgerTotals; problems: string[] };
  };
  ok: boolean;
  seconds: number;
  place: string;
  pinned: boolean;
}

export interface MoveProgress {
  done: number;
  total: number;
}

export interface AppStatus {
  initialized: boolean;
  db_path: string;
  ledger: LedgerInfo;
  demo: boolean;
  demo_users: { name: string; role: Role }[];
  demo_password: string | null;
  session: Session | null;
  /** The session's locale for numbers ("de-DE"; "C" for a bare C/POSIX session), or null. */
  env_locale: string | null;
}

export interface About {
  name: string;
  version: string;
  license: string;
  database: string;
  data_dir: string;
  keyring_service: string;
}

export interface SetupInput {
  name: string;
  kind: AccountKind;
  email: string;
  currency: string;
  credit_limit: string | null;
  manager: string;
  password: string;
}

export interface ActivityLine {
  line_no: number;
  card_id: number;
  fax_id: string;
  submit_time: string;
  completion_time: string | null;
  user: string;
  destination: string;
  pages_submitted: number;
  pages_sent: number;
  duration: number;
  units: string;
  cost_per_unit: string;
  amount: string;
  fax_cost: string;
  split: boolean;
  status: number;
  subject: string | null;
}

/** A line's place in submit-time order: the keyset of the time sorts. */
export interface TimeKey {
  submit_time: string;
  n: number;
}

export interface ActivityPage {
  card: Card;
  lines: ActivityLine[];
  /** Billing order: the next page's `before`. */
  next_before: number | null;
  /** Time order: the next page's `after`. */
  next_after: TimeKey | null;
}

/** `billing`: the order lines were billed in; `newest`/`oldest`: by the faxes' submit time. */
export type Sort = 'billing' | 'newest' | 'oldest';

/** View Activity's filters; empty strings are no filter. */
/** Days are the account's (`YYYY-MM-DD`, both included): the backend bounds them in its zone. */
export interface ActivityFilter {
  user: string | null;
  from_day: string | null;
  to_day: string | null;
  search: string | null;
}

export interface PageQuery extends ActivityFilter {
  card_id: number;
  before: number | null;
  limit: number;
  sort?: Sort;
  after?: TimeKey | null;
  /** Time order without `after`: start this many lines in. */
  skip?: number;
}

export interface ActivityTotals {
  lines: number;
  amount: string;
}

/** A fax refused with 205000 - Quota Exceeded (not billed; the gateway may send it again). */
export interface RefusedFax {
  fax_id: string;
  user: string;
  destination: string;
  cost: string;
  available: string;
  code: string;
  at: string;
}

export interface User {
  id: number;
  name: string;
  role: Role;
  /** False for a fax sender registered from a fax record: it has no password yet. */
  login: boolean;
}

export interface ExportProgress {
  done: number;
  total: number;
}
export interface CardMenuChoice {
  action: 'view' | 'export';
  card_id: number;
}

export type Security = 'none' | 'starttls' | 'tls';
export interface EmailSettings {
  host: string;
  port: number;
  security: Security;
  username: string | null;
  from: string;
}
export interface EmailSetup {
  settings: EmailSettings | null;
  /** An SMTP password is kept in the OS keyring. */
  password_saved: boolean;
  /** Where notifications go: the account email. */
  account_email: string;
}
export type MessageState = 'pending' | 'retrying' | 'sent' | 'failed' | 'not_configured';
export interface Notification {
  id: number;
  kind: 'repeat_order_success' | 'repeat_order_failure' | 'quota_exceeded' | 'low_credit';
  /** One message to several recipients is one row each; `event` is the first row's id. */
  event: number;
  to: string;
  subject: string;
  body: string;
  message_id: string;
  created_at: string;
  state: MessageState;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  server_reply: string | null;
  sent_at: string | null;
}

export interface Package {
  id: number;
  name: string;
  face_value: string;
  bonus: string;
  original_balance: string;
  active: boolean;
}
export interface RepeatOrder {
  package: Package;
  monthly_cap: string | null;
  paused_at: string | null;
  paused_reason: string | null;
  updated_at: string;
}
export interface RepeatLogEntry {
  at: string;
  card_id: number | null;
  event: string;
  detail: string;
}
export interface RepeatView {
  repeat_order: RepeatOrder | null;
  packages: Package[];
  log: RepeatLogEntry[];
}

export interface CardOnFile {
  brand: string;
  last4: string;
  /** MM/YY */
  expiry: string;
  expired: boolean;
}
export interface CardInput {
  number: string;
  expiry: string;
  holder: string;
  cvv: string | null;
}
export interface PackageOffer {
  id: number;
  name: string;
  price: string;
  bonus: string;
  credit: string;
  price_per_page: string | null;
}
export interface Shop {
  packages: PackageOffer[];
  card: CardOnFile | null;
  main_rate: string;
  main_rate_label: string;
}
export type OrderStatus = 'pending' | 'paid' | 'declined' | 'failed' | 'cancelled';
/** One charge attempt of an order, with the card it charged. */
export interface OrderAttempt {
  n: number;
  charge_key: string;
  card_brand: string;
  card_last4: string;
  started_at: string;
  outcome: 'pending' | 'paid' | 'declined' | 'cancelled';
  decline_code: string | null;
  reason: string | null;
  charge_id: string | null;
  finished_at: string | null;
}
export interface Order {
  id: number;
  key: string;
  kind: 'manual' | 'automatic';
  package: string;
  amount: string;
  bonus: string;
  currency: string;
  card_brand: string;
  card_last4: string;
  status: OrderStatus;
  attempts: number;
  next_retry_at: string | null;
  charge_id: string | null;
  decline_code: string | null;
  reason: string | null;
  new_card: number | null;
  trigger_card: number | null;
  created_at: string;
  updated_at: string;
  attempt_history: OrderAttempt[];
  /** The manager who placed it, `automatic` (the repeat order), or "" (the command line). */
  placed_by: string;
}
export type RateUnit = 'page' | 'tenth_minute';
export interface Rate {
  /** Digits of the international number; "" is the default (every other destination). */
  prefix: string;
  label: string;
  unit: RateUnit;
  cost_per_unit: string;
}
export interface RateTableView {
  rates: Rate[];
  currency: string;
}
export type RateChange =
  | { action: 'set'; prefix: string; price: string; unit: RateUnit; label: string | null }
  | { action: 'remove'; prefix: string };
export interface Country {
  code: string;
  name: string;
}
/** What a fax to a number costs now, priced as billing prices it. */
export interface Quote {
  destination: string;
  country: Country;
  rate: Rate;
  pages: number;
  duration: number;
  units: string;
  cost_per_unit: string;
  cost: string;
}
export type GroupBy = 'user' | 'country' | 'day';
export interface ReportRow {
  /** User name, calling code ("44"; "" unknown) or day ("2026-11-03"). */
  key: string;
  label: string;
  faxes: number;
  pages: number;
  amount: string;
}
export interface SpendReport {
  from: string;
  to: string;
  by: GroupBy;
  currency: string;
  /** The account's zone whose days these are; null: the computer's, unnamed. */
  time_zone: string | null;
  rows: ReportRow[];
  faxes: number;
  pages: number;
  total: string;
}
export interface UserFax {
  fax_id: string;
  billed_at: string;
  submit_time: string;
  destination: string;
  country: string;
  pages_sent: number;
  cost: string;
  cards: number[];
}
export interface UserFaxes {
  user: string;
  faxes: UserFax[];
  total: number;
  currency: string;
}
export interface BillingDetails {
  billing_address: string;
  tax_id: string;
  email_receipts: boolean;
}
export interface OrderMenuChoice {
  action: 'receipt';
  order_id: number;
}
export interface ReportMenuChoice {
  action: 'user_activity';
  user: string;
}
/** A low-credit alert level: an amount of credit remaining across the open cards ("50.0000"), or
 *  a percent of the card in use ("80", "87.5"). */
export type AlertLevelKind = 'amount' | 'percent';
export interface AlertLevel {
  kind: AlertLevelKind;
  value: string;
}
export interface AlertLevelState extends AlertLevel {
  /** The credit is past it now: it fires again only after credit rises above it. */
  passed: boolean;
}
export interface AlertStatus {
  levels: AlertLevelState[];
  remaining: string;
  card_in_use: { id: number; balance: string; percent_used: string } | null;
  recent_spend: string;
  days_counted: number;
  average_daily_spend: string;
  days_left: number | null;
  default_level: AlertLevel;
}
export type RecipientOnly = 'purchases' | 'alerts' | 'refusals';
export interface Recipient {
  address: string;
  /** null: every message. */
  only: RecipientOnly | null;
  /** The account email: every message, cannot be removed. */
  account_email: boolean;
  added_at: string | null;
}
export type AuditVia = 'app' | 'cli' | 'system';
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  via: AuditVia;
  action: string;
  detail: string;
}
export type SaveResult = { status: 'saved'; path: string; rows: number } | { status: 'cancelled' };

/** Turns whatever a failed `invoke` throws into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const o = e as Record<string, unknown>;
    const out: ApiError = { code: String(o.code), message: String(o.message) };
    if (typeof o.field === 'string') out.field = o.field;
    if (typeof o.retry_after === 'number') out.retry_after = o.retry_after;
    return out;
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
  appStatus: () => call<AppStatus>('app_status'),
  about: () => call<About>('about'),
  setupAccount: (input: SetupInput) => call<Session>('setup_account', { input }),
  login: (name: string, password: string) => call<Session>('login', { name, password }),
  logout: () => call<void>('logout'),
  currentSession: () => call<Session | null>('current_session'),
  overview: () => call<Overview>('overview'),
  listUsers: () => call<User[]>('list_users'),
  accountSettings: () => call<AccountSettings>('account_settings'),
  /** null: the computer's zone. */
  setTimeZone: (timeZone: string | null) => call<Account>('set_time_zone', { timeZone }),
  activityPage: (input: PageQuery) => call<ActivityPage>('activity_page', { input }),
  /** The count and amount of the lines `filter` shows. */
  activityTotals: (cardId: number, filter: ActivityFilter) => call<ActivityTotals>('activity_totals', { cardId, filter }),
  refusedFaxes: () => call<RefusedFax[]>('refused_faxes'),
  /** Pops the native row menu at (x, y) in the window, or at the pointer. */
  showCardMenu: (cardId: number, x?: number, y?: number) => call<void>('show_card_menu', { cardId, x, y }),
  /** With a filter: only the lines it shows. */
  exportActivity: (cardId: number, filter?: ActivityFilter) => call<SaveResult>('export_activity', { cardId, filter: filter ?? null }),
  cancelExport: () => call<boolean>('cancel_export'),
  /** Opens a file this run exported with its usual application (a program of the OS). */
  openExport: (path: string) => call<void>('open_export', { path }),
  /** Shows a file this run exported in the file manager. */
  showExport: (path: string) => call<void>('show_export', { path }),
  emailSetup: () => call<EmailSetup>('email_setup'),
  /** `password`: null keeps the stored one, "" removes it. */
  saveEmailSettings: (settings: EmailSettings, password: string | null) =>
    call<EmailSetup>('save_email_settings', { settings, password }),
  /** Sends a test message at once with these settings (saved or not); `password` null: the stored one. */
  sendTestEmail: (settings: EmailSettings, password: string | null) =>
    call<string>('send_test_email', { settings, password }),
  notifications: () => call<Notification[]>('notifications'),
  paymentCard: () => call<CardOnFile | null>('payment_card'),
  setPaymentCard: (input: CardInput) => call<CardOnFile>('set_payment_card', { input }),
  removePaymentCard: () => call<void>('remove_payment_card'),
  shop: () => call<Shop>('shop'),
  /** `key` ("manual:…") makes the purchase idempotent: the same key never buys twice; `po`: the manager's PO reference. */
  purchase: (pkg: string, key: string, po: string | null = null) => call<Order>('purchase', { package: pkg, key, po }),
  orders: () => call<Order[]>('orders'),
  exportOrders: () => call<SaveResult>('export_orders'),
  repeatOrder: () => call<RepeatView>('repeat_order'),
  /** `pkg` null removes the repeat order; `cap` an amount ("200.00") or null. */
  saveRepeatOrder: (pkg: string | null, cap: string | null) =>
    call<RepeatView>('save_repeat_order', { package: pkg, cap }),
  resumeRepeatOrder: () => call<RepeatView>('resume_repeat_order'),
  retryNotification: (id: number) => call<void>('retry_notification', { id }),
  rateTable: () => call<RateTableView>('rate_table'),
  changeRate: (change: RateChange) => call<RateTableView>('change_rate', { change }),
  quoteRate: (number: string, pages: number, duration: number) => call<Quote>('quote_rate', { number, pages, duration }),
  spendReport: (from: string, to: string, by: GroupBy) => call<SpendReport>('spend_report', { from, to, by }),
  exportReport: (from: string, to: string, by: GroupBy) => call<SaveResult>('export_report', { from, to, by }),
  showReportMenu: (user: string, x?: number, y?: number) => call<void>('show_report_menu', { user, x, y }),
  userFaxes: (from: string, to: string, user: string) => call<UserFaxes>('user_faxes', { from, to, user }),
  billingDetails: () => call<BillingDetails>('billing_details'),
  /** A field left out (undefined) keeps its value. */
  saveBillingDetails: (input: Partial<BillingDetails>) => call<BillingDetails>('save_billing_details', { input }),
  /** Pops the native order row menu (Save Receipt…, enabled for a paid order). */
  showOrderMenu: (orderId: number, paid: boolean, x?: number, y?: number) => call<void>('show_order_menu', { orderId, paid, x, y }),
  saveReceipt: (orderId: number) => call<SaveResult>('save_receipt', { orderId }),
  alerts: () => call<AlertStatus>('alerts'),
  /** Levels as typed: "50.00" (credit remaining) or "80%" (of the card in use); [] turns alerts off. */
  saveAlerts: (levels: string[]) => call<AlertStatus>('save_alerts', { levels }),
  recipients: () => call<Recipient[]>('recipients'),
  addRecipient: (address: string, only: RecipientOnly | null) => call<Recipient[]>('add_recipient', { address, only }),
  removeRecipient: (address: string) => call<Recipient[]>('remove_recipient', { address }),
  /** The newest `limit` lines older than line `before` (the newest when null). */
  auditLog: (limit: number, before: number | null) => call<AuditEntry[]>('audit_log', { limit, before }),
  exportAudit: () => call<SaveResult>('export_audit'),
  /** `password` null: the one the keyring keeps for this URL and user. Nothing is saved. */
  testConnection: (settings: PgSettings, password: string | null) =>
    call<ServerAnswer>('test_connection', { settings, password }),
  /** First run (or a shared ledger that cannot be opened): use this one from now on. */
  useSharedLedger: (settings: PgSettings, password: string | null) =>
    call<AppStatus>('use_shared_ledger', { settings, password }),
  /** Keep the ledger on this computer instead. */
  useLocalLedger: () => call<AppStatus>('use_local_ledger'),
  /** Copies this computer's ledger into an empty PostgreSQL schema, then uses it. */
  moveToPostgres: (settings: PgSettings, password: string | null) =>
    call<Moved>('move_to_postgres', { settings, password }),
};

/**
 * Runs `load` now, and again whenever the ledger changes behind the page's back (a repeat order,
 * a delivery, another program), for as long as the calling component lives. Call it while the
 * component initialises.
 */
export function followLedger(load: () => Promise<void>) {
  void load();
  const unlisten = listen(EVENTS.ledgerChanged, () => void load());
  onDestroy(() => void unlisten.then((f) => f()));
}

export const events = {
  onCardMenu: (f: (c: CardMenuChoice) => void): Promise<UnlistenFn> =>
    listen<CardMenuChoice>(EVENTS.cardMenu, (e) => f(e.payload)),
  onOrderMenu: (f: (c: OrderMenuChoice) => void): Promise<UnlistenFn> =>
    listen<OrderMenuChoice>(EVENTS.orderMenu, (e) => f(e.payload)),
  onReportMenu: (f: (c: ReportMenuChoice) => void): Promise<UnlistenFn> =>
    listen<ReportMenuChoice>(EVENTS.reportMenu, (e) => f(e.payload)),
  onMoveProgress: (f: (p: MoveProgress) => void): Promise<UnlistenFn> =>
    listen<MoveProgress>(EVENTS.moveProgress, (e) => f(e.payload)),
  onExportProgress: (f: (cardId: number, p: ExportProgress) => void): Promise<UnlistenFn> =>
    listen<[number, ExportProgress]>(EVENTS.exportProgress, (e) => f(e.payload[0], e.payload[1])),
};
