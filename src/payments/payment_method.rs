//! The payment card: checked (brand and length, Luhn, expiry, holder, CVV) before anything is
//! stored; the number, expiry and holder go to the OS keyring only, and the ledger (SQLite or
//! PostgreSQL) keeps the brand, the last four digits and the expiry for display. The CVV is
//! checked and dropped.

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Actor};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::secrets::SecretStore;
use crate::time::{fmt_ts, Timestamp};

/// The keyring entry of the stored card.
pub const SECRET_NAME: &str = "payment-card";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Diners,
    Jcb,
}

impl Brand {
    pub fn name(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
            Brand::Diners => "Diners Club",
            Brand::Jcb => "JCB",
        }
    }
    fn lengths(self) -> &'static [usize] {
        match self {
            Brand::Visa => &[13, 16, 19],
            Brand::Mastercard => &[16],
            Brand::Amex => &[15],
            Brand::Discover | Brand::Jcb => &[16, 17, 18, 19],
            Brand::Diners => &[14, 15, 16, 17, 18, 19],
        }
    }
    /// The brand from the number's first digits (IIN ranges).
    pub fn of(digits: &str) -> Option<Brand> {
        let p = |n: usize| digits.get(..n).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
        match () {
            _ if digits.starts_with('4') => Some(Brand::Visa),
            _ if (51..=55).contains(&p(2)) || (2221..=2720).contains(&p(4)) => Some(Brand::Mastercard),
            _ if p(2) == 34 || p(2) == 37 => Some(Brand::Amex),
            _ if p(4) == 6011 || (644..=649).contains(&p(3)) || p(2) == 65 => Some(Brand::Discover),
            _ if (3528..=3589).contains(&p(4)) => Some(Brand::Jcb),
            _ if p(2) == 36 || p(2) == 38 || p(2) == 39 || (300..=305).contains(&p(3)) => Some(Brand::Diners),
            _ => None,
        }
    }
}

/// The Luhn check digit test.
pub fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// What the manager types. The CVV is optional here because the CLI may omit it; the app
/// always asks for it.
#[derive(Debug, Clone, Deserialize)]
pub struct CardInput {
    pub number: String,
    /// `MM/YY` (also `MM/YYYY`).
    pub expiry: String,
    pub holder: String,
    pub cvv: Option<String>,
}

/// The card as kept in the keyring.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCard {
    pub number: String,
    pub exp_month: u32,
    pub exp_year: i32,
    pub holder: String,
}

impl std::fmt::Debug for StoredCard {
    // Never print the number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredCard(•••• {} {:02}/{})", self.last4(), self.exp_month, self.exp_year)
    }
}

impl StoredCard {
    pub fn last4(&self) -> &str {
        &self.number[self.number.len().saturating_sub(4)..]
    }
    pub fn brand(&self) -> Option<Brand> {
        Brand::of(&self.number)
    }
}

/// What the app and the CLI show of the stored card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardOnFile {
    pub brand: String,
    pub last4: String,
    /// `MM/YY`.
    pub expiry: String,
    pub expired: bool,
}

fn parse_expiry(s: &str) -> Result<(u32, i32)> {
    let bad = || Error::invalid("expiry", format!("{:?} is not a month and year (MM/YY)", s.trim()));
    let (m, y) = s.trim().split_once('/').ok_or_else(bad)?;
    let (m, y) = (m.trim(), y.trim());
    if m.is_empty()
        || m.len() > 2
        || !(y.len() == 2 || y.len() == 4)
        || !(m.bytes().chain(y.bytes()).all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let month: u32 = m.parse().map_err(|_| bad())?;
    let year: i32 = y.parse().map_err(|_| bad())?;
    let year = if y.len() == 2 { 2000 + year } else { year };
    if !(1..=12).contains(&month) || !(2000..=2199).contains(&year) {
        return Err(bad());
    }
    Ok((month, year))
}

fn expired(month: u32, year: i32, now: Timestamp) -> bool {
    // A card is good through the last day of its expiry month.
    (year, month) < (now.year(), now.month())
}

/// Checks every field; one clear error for the first mistake. Returns the card to store.
pub fn validate(input: &CardInput, now: Timestamp) -> Result<StoredCard> {
    let raw = input.number.trim();
    if raw.len() > 40 || !raw.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-') {
        return Err(Error::invalid("number", "a card number has only digits (spaces and dashes are fine)"));
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 12 {
        return Err(Error::invalid("number", "is too short for a card number"));
    }
    let brand = Brand::of(&digits).ok_or_else(|| {
        Error::invalid(
            "number",
            "is not from a card brand we accept (Visa, Mastercard, American Express, Discover, Diners Club, JCB)",
        )
    })?;
    if !brand.lengths().contains(&digits.len()) {
        let lengths: Vec<String> = brand.lengths().iter().map(ToString::to_string).collect();
        return Err(Error::invalid(
            "number",
            format!("has {} digits; a {} number has {}", digits.len(), brand.name(), lengths.join(" or ")),
        ));
    }
    if !luhn_ok(&digits) {
        return Err(Error::invalid(
            "number",
            "is not a valid card number (check digit wrong): please check it for a typo",
        ));
    }
    let (exp_month, exp_year) = parse_expiry(&input.expiry)?;
    if expired(exp_month, exp_year, now) {
        return Err(Error::invalid(
            "expiry",
            format!("the card expired at the end of {exp_month:02}/{}", exp_year % 100),
        ));
    }
    let holder = crate::text::validate_text("holder", &input.holder, 100)?;
    if let Some(cvv) = &input.cvv {
        let want = if brand == Brand::Amex { 4 } else { 3 };
        let c = cvv.trim();
        if c.len() != want || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("cvv", format!("a {} security code has {want} digits", brand.name())));
        }
    }
    Ok(StoredCard { number: digits, exp_month, exp_year, holder })
}

/// Stores (or replaces) the card: the secret in the keyring first, then the display row. With
/// no keyring, nothing is stored anywhere.
pub fn set(
    db: &mut Db,
    secrets: &dyn SecretStore,
    input: &CardInput,
    by: &Actor,
    now: Timestamp,
) -> Result<CardOnFile> {
    let card = validate(input, now)?;
    crate::account::require_prepaid(db.conn(), "a payment card")?;
    let json = serde_json::to_string(&card).map_err(|e| Error::Invariant(e.to_string()))?;
    secrets.set(SECRET_NAME, &json)?;
    let brand = card.brand().map(Brand::name).unwrap_or("Card");
    let now_s = fmt_ts(&now);
    let expiry = format!("{:02}/{:02}", card.exp_month, card.exp_year % 100);
    db.write(|tx| {
        tx.execute(
            "INSERT INTO payment_card (id, brand, last4, exp_month, exp_year, updated_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET brand = excluded.brand, last4 = excluded.last4,
               exp_month = excluded.exp_month, exp_year = excluded.exp_year, updated_at = excluded.updated_at",
            &[&brand, &card.last4(), &card.exp_month, &card.exp_year, &now_s],
        )?;
        // A declined automatic purchase is tried with the new card at once, not at its next
        // retry: faxes may be refused meanwhile.
        tx.execute(
            "UPDATE orders SET next_retry_at = ?1
             WHERE kind = 'automatic' AND status = 'declined' AND next_retry_at > ?1",
            &[&now_s],
        )?;
        let detail = format!("{brand} •••• {}, expires {expiry}", card.last4());
        audit::record(tx, by, Action::PaymentCardSaved, &detail, now)
    })?;
    Ok(CardOnFile {
        brand: brand.into(),
        last4: card.last4().into(),
        expiry: format!("{:02}/{:02}", card.exp_month, card.exp_year % 100),
        expired: false,
    })
}

/// What is on file, for display (no keyring needed).
pub fn on_file(db: &Db, now: Timestamp) -> Result<Option<CardOnFile>> {
    let row =
        db.conn().query_opt("SELECT brand, last4, exp_month, exp_year FROM payment_card WHERE id = 1", &[], |r| {
            let month =
                u32::try_from(r.get::<i64>(2)?).map_err(|_| Error::Invariant("stored card expiry month".into()))?;
            let year =
                i32::try_from(r.get::<i64>(3)?).map_err(|_| Error::Invariant("stored card expiry year".into()))?;
            Ok((r.get::<String>(0)?, r.get::<String>(1)?, month, year))
        })?;
    Ok(row.map(|(brand, last4, m, y)| CardOnFile {
        brand,
        last4,
        expiry: format!("{m:02}/{:02}", y % 100),
        expired: expired(m, y, now),
    }))
}

/// Removes the card from the keyring and the display row.
pub fn remove(db: &mut Db, secrets: &dyn SecretStore, by: &Actor, now: Timestamp) -> Result<bool> {
    secrets.delete(SECRET_NAME)?;
    db.write(|tx| {
        let removed: Option<String> =
            tx.query_opt("DELETE FROM payment_card RETURNING brand || ' •••• ' || last4", &[], |r| r.get(0))?;
        if let Some(card) = &removed {
            audit::record(tx, by, Action::PaymentCardRemoved, card, now)?;
        }
        Ok(removed.is_some())
    })
}

/// The stored card, read from the keyring to charge it.
pub fn load(secrets: &dyn SecretStore) -> Result<StoredCard> {
    let json = secrets.get(SECRET_NAME)?.ok_or(Error::NoPaymentCard)?;
    serde_json::from_str(&json)
        .map_err(|_| Error::Invariant("the keyring's payment card entry is damaged; enter the card again".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_ts;

    fn now() -> Timestamp {
        parse_ts("2026-11-24T10:00:00Z", "t").unwrap()
    }
    fn input(number: &str, expiry: &str) -> CardInput {
        CardInput {
            number: number.into(),
            expiry: expiry.into(),
            holder: "Alice Smith".into(),
            cvv: Some("123".into()),
        }
    }
    fn field_of(r: Result<StoredCard>) -> String {
        match r {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn accepts_the_test_numbers_of_every_brand_with_spaces_and_dashes() {
        for (n, b) in [
            ("4242 4242 4242 4242", Brand::Visa),
            ("5555-5555-5555-4444", Brand::Mastercard),
            ("2223003122003222", Brand::Mastercard),
            ("3782 822463 10005", Brand::Amex),
            ("6011111111111117", Brand::Discover),
            ("3056930009020004", Brand::Diners),
            ("3566002020360505", Brand::Jcb),
            ("4000000000009995", Brand::Visa),
        ] {
            let mut i = input(n, "12/27");
            if b == Brand::Amex {
                i.cvv = Some("1234".into());
            }
            let c = validate(&i, now()).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(c.brand(), Some(b), "{n}");
            assert!(!c.number.contains([' ', '-']));
        }
    }

    #[test]
    fn refuses_each_mistake_with_its_field() {
        assert_eq!(field_of(validate(&input("4242 4242 4242 4241", "12/27"), now())), "number"); // Luhn
        assert_eq!(field_of(validate(&input("4242abcd42424242", "12/27"), now())), "number");
        assert_eq!(field_of(validate(&input("424242424242424", "12/27"), now())), "number"); // length
        assert_eq!(field_of(validate(&input("9999999999999995", "12/27"), now())), "number"); // brand
        assert_eq!(field_of(validate(&input("", "12/27"), now())), "number");
        assert_eq!(field_of(validate(&input("4242424242424242", "13/27"), now())), "expiry");
        assert_eq!(field_of(validate(&input("4242424242424242", "1227"), now())), "expiry");
        assert_eq!(field_of(validate(&input("4242424242424242", "10/26"), now())), "expiry"); // past
        let mut i = input("4242424242424242", "12/27");
        i.holder = "  ".into();
        assert_eq!(field_of(validate(&i, now())), "holder");
        i.holder = "A".into();
        i.cvv = Some("12".into());
        assert_eq!(field_of(validate(&i, now())), "cvv");
        let mut amex = input("378282246310005", "12/27");
        assert_eq!(field_of(validate(&amex, now())), "cvv", "Amex has 4 digits");
        amex.cvv = Some("1234".into());
        assert!(validate(&amex, now()).is_ok());
    }

    #[test]
    fn a_card_is_good_through_its_expiry_month() {
        assert!(validate(&input("4242424242424242", "11/26"), now()).is_ok());
        assert!(validate(&input("4242424242424242", "11/2026"), now()).is_ok());
        assert!(validate(&input("4242424242424242", "10/2026"), now()).is_err());
    }

    #[test]
    fn never_prints_the_number() {
        let c = validate(&input("4242424242424242", "12/27"), now()).unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("42424242"), "{s}");
        assert!(s.contains("4242"));
    }
}
