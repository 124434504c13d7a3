// Which locale writes the numbers and dates: the session's (its POSIX environment, read by the
// app, or else the webview's language). A bare C/POSIX session has no conventions of its own
// ("$ 7341524.18", ICU's root): then amounts and counts are written as the account's currency
// is usually written.

/** Where each currency is usually written; anything else is written the en-US way. */
const CURRENCY_LOCALE: Record<string, string> = {
  USD: 'en-US',
  CAD: 'en-CA',
  GBP: 'en-GB',
  EUR: 'en-IE',
  AUD: 'en-AU',
  NZD: 'en-NZ',
  CHF: 'de-CH',
  JPY: 'ja-JP',
  INR: 'en-IN',
  SGD: 'en-SG',
  HKD: 'en-HK',
  ZAR: 'en-ZA',
  SEK: 'sv-SE',
  NOK: 'nb-NO',
  DKK: 'da-DK',
  PLN: 'pl-PL',
  BRL: 'pt-BR',
  MXN: 'es-MX',
  ILS: 'he-IL',
};

export function currencyLocale(currency: string): string {
  return CURRENCY_LOCALE[currency.toUpperCase()] ?? 'en-US';
}

/** A tag that names real conventions: not C or POSIX, and one Intl knows. */
function usable(tag: string | null | undefined): string | null {
  if (!tag) return null;
  const t = tag.trim();
  if (!t || /^(c|posix)([._@-].*)?$/i.test(t)) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(t);
    // A private-use or POSIX variant ("en-US-u-va-posix") is the C locale in disguise.
    if (!canonical || /-u-.*va-posix/i.test(canonical)) return null;
    return Intl.NumberFormat.supportedLocalesOf([canonical]).length ? canonical : null;
  } catch {
    return null;
  }
}

/**
 * The locale to write numbers in: the environment's (`envLocale`, from the app: "de-DE", or "C"
 * for a C/POSIX session, or null when it says nothing), else the webview's language, else the
 * currency's usual locale.
 */
export function pickLocale(envLocale: string | null | undefined, webview: string | null | undefined, currency: string): string {
  if (envLocale !== null && envLocale !== undefined && envLocale !== '') {
    return usable(envLocale) ?? currencyLocale(currency);
  }
  return usable(webview) ?? currencyLocale(currency);
}

let current: string | undefined;
let envTag: string | null = null;

/** Remembers what the app said of the environment; the locale follows once the currency is known. */
export function setEnvironment(envLocale: string | null | undefined) {
  envTag = envLocale ?? null;
  current = undefined;
}

/** Fixes the locale for an account's currency (at login). */
export function useCurrency(currency: string) {
  current = pickLocale(envTag, typeof navigator === 'undefined' ? null : navigator.language, currency);
  if (typeof document !== 'undefined') document.documentElement.lang = current;
}

/** The locale every formatter uses unless told otherwise. */
export function appLocale(): string {
  return current ?? pickLocale(envTag, typeof navigator === 'undefined' ? null : navigator.language, 'USD');
}

/** A count, grouped as the locale groups: 300000 → "300,000" / "300.000" / "300 000". */
export function formatCount(n: number, locale?: string): string {
  return new Intl.NumberFormat(locale ?? appLocale(), { maximumFractionDigits: 0 }).format(n);
}
