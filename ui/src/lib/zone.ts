// The account's time zone: its days and months (the spend chart, this month's spend, View
// Activity's days) and the zone every time is shown in. The backend decides the days; the page
// only names them the same way. Unset (the computer's zone without an IANA name): the page's own.

let zone: string | undefined;

/** Follows the account's zone (from the session, the overview, or the settings page). */
export function setAccountZone(name: string | null | undefined): void {
  zone = name || undefined;
}

/** The account's zone for Intl's `timeZone`, or undefined for the page's own. */
export function accountZone(): string | undefined {
  return zone;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The account's day (`YYYY-MM-DD`) of an instant: an RFC 3339 time or a Date. */
export function dayOf(t: string | Date, timeZone = accountZone()): string {
  const d = typeof t === 'string' ? new Date(t) : t;
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return `${get('year')}-${pad(get('month'))}-${pad(get('day'))}`;
}

/** A calendar day `days` after (or before) `day`, by the calendar alone. */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}
