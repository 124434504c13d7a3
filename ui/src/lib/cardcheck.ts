// The payment card form's own checks, in its words, before anything leaves the page. They
// mirror the backend's rules (src/payments/card.rs), which check again and stay the authority.

export type CardField = 'number' | 'expiry' | 'cvv' | 'holder';

interface Brand {
  name: string;
  lengths: number[];
  cvv: number;
}

function brandOf(d: string): Brand | null {
  const p = (n: number) => Number(d.slice(0, n)) || 0;
  if (d.startsWith('4')) return { name: 'Visa', lengths: [13, 16, 19], cvv: 3 };
  if ((p(2) >= 51 && p(2) <= 55) || (p(4) >= 2221 && p(4) <= 2720)) return { name: 'Mastercard', lengths: [16], cvv: 3 };
  if (p(2) === 34 || p(2) === 37) return { name: 'American Express', lengths: [15], cvv: 4 };
  if (p(4) === 6011 || (p(3) >= 644 && p(3) <= 649) || p(2) === 65) return { name: 'Discover', lengths: [16, 17, 18, 19], cvv: 3 };
  if (p(4) >= 3528 && p(4) <= 3589) return { name: 'JCB', lengths: [16, 17, 18, 19], cvv: 3 };
  if (p(2) === 36 || p(2) === 38 || p(2) === 39 || (p(3) >= 300 && p(3) <= 305))
    return { name: 'Diners Club', lengths: [14, 15, 16, 17, 18, 19], cvv: 3 };
  return null;
}

function luhn(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let x = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2 === 1) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
  }
  return sum % 10 === 0;
}

function list(ns: number[]): string {
  return ns.length === 1 ? String(ns[0]) : `${ns.slice(0, -1).join(', ')} or ${ns[ns.length - 1]}`;
}

/** Every field's mistake, in the form's words; an empty object when the card can be sent. */
export function checkCard(
  input: { number: string; expiry: string; cvv: string; holder: string },
  today: Date,
): Partial<Record<CardField, string>> {
  const out: Partial<Record<CardField, string>> = {};
  const raw = input.number.trim();
  const digits = raw.replace(/[\s-]/g, '');
  let brand: Brand | null = null;
  if (!raw) out.number = 'Enter the card number.';
  else if (!/^\d+$/.test(digits)) out.number = 'A card number has only digits.';
  else if (digits.length < 12) out.number = 'This card number is too short: check that every digit is there.';
  else if (!(brand = brandOf(digits)))
    out.number = 'Fax Credit accepts Visa, Mastercard, American Express, Discover, Diners Club and JCB cards; this number is none of them.';
  else if (!brand.lengths.includes(digits.length))
    out.number = `A ${brand.name} number has ${list(brand.lengths)} digits; this one has ${digits.length}.`;
  else if (!luhn(digits)) out.number = 'This card number has a typo: its digits do not add up. Check it against the card.';

  const m = /^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/.exec(input.expiry.trim());
  if (!input.expiry.trim()) out.expiry = 'Enter the expiry as MM/YY.';
  else if (!m || Number(m[1]) < 1 || Number(m[1]) > 12) out.expiry = 'Enter the expiry as MM/YY, such as 08/29.';
  else {
    const month = Number(m[1]);
    const year = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
    const now = today.getUTCFullYear() * 12 + today.getUTCMonth();
    if (year * 12 + month - 1 < now) out.expiry = `This card expired at the end of ${String(month).padStart(2, '0')}/${String(year % 100).padStart(2, '0')}.`;
  }

  const cvv = input.cvv.trim();
  const want = brand?.cvv;
  if (!cvv) out.cvv = 'Enter the security code: 3 digits on the back of the card (4 on the front of an American Express card).';
  else if (!/^\d+$/.test(cvv) || (want !== undefined ? cvv.length !== want : cvv.length < 3 || cvv.length > 4))
    out.cvv = want ? `A ${brand!.name} security code has ${want} digits.` : 'A security code has 3 or 4 digits.';

  if (!input.holder.trim()) out.holder = 'Enter the name as printed on the card.';
  else if (input.holder.trim().length > 100) out.holder = 'Enter at most 100 characters.';
  return out;
}
