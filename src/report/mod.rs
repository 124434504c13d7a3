//! The spend report: who spent the credit. The faxes billed in a range of days, across every
//! card, added up by user, by destination country (the number's calling code) or by day. Its
//! total is the ledger's billed amount for those days: each fax counts once, at its cost (the
//! sum of its activity lines), on its submit day in the account's zone ([`day::day_of`]).

pub mod day;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::money;
use crate::sql::Conn;
use crate::time::Zone;

/// What the rows of a report are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    User,
    Country,
    Day,
}

impl GroupBy {
    pub fn parse(s: &str) -> Result<GroupBy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "user" => Ok(GroupBy::User),
            "country" => Ok(GroupBy::Country),
            "day" => Ok(GroupBy::Day),
            _ => Err(Error::invalid("by", format!("{s:?} is not user, country or day"))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::User => "user",
            GroupBy::Country => "country",
            GroupBy::Day => "day",
        }
    }
}

/// The days of a report, first and last included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest range a report covers: ten years of days.
pub const MAX_DAYS: i64 = 3_660;

impl Range {
    /// Two days as typed (`2026-11-01`); a range that ends before it starts is refused on `to`.
    pub fn parse(from: &str, to: &str) -> Result<Range> {
        let day = |s: &str, field: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| Error::invalid(field, format!("{s:?} is not a day (expected e.g. 2026-11-01)")))
        };
        Range::new(day(from, "from")?, day(to, "to")?)
    }

    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Range> {
        if to < from {
            return Err(Error::invalid("to", format!("the range ends ({to}) before it starts ({from})")));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(Error::invalid("to", format!("the range is longer than {MAX_DAYS} days")));
        }
        Ok(Range { from, to })
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }
}

/// One row: a user, a country or a day, and what its faxes cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The user's name, the country's calling code (`44`; "" for a number of no known code) or
    /// the day (`2026-11-03`).
    pub key: String,
    /// What a person reads: the user, the country's name, the day.
    pub label: String,
    pub faxes: i64,
    pub pages: i64,
    pub amount: Decimal,
    #[serde(skip)]
    pub amount_units: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpendReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: GroupBy,
    pub currency: String,
    /// The account's zone (IANA name) whose days these are; `None`: the computer's, unnamed.
    pub time_zone: Option<String>,
    /// Users and countries by amount, largest first; days in order, every day of the range.
    pub rows: Vec<Row>,
    pub faxes: i64,
    pub pages: i64,
    pub total: Decimal,
    #[serde(skip)]
    pub total_units: i64,
}

#[derive(Default)]
struct Sum {
    label: String,
    faxes: i64,
    pages: i64,
    amount: i64,
}

/// The report of `range` by `by`, from one read transaction.
pub fn spend_report(db: &mut Db, range: Range, by: GroupBy) -> Result<SpendReport> {
    let (currency, zone, mut sums) = db.read(|tx| {
        let currency = crate::account::account_in(tx)?.currency;
        let zone = crate::account::time_zone(tx)?;
        let sums = sums_in(tx, range, by, &zone)?;
        Ok((currency, zone, sums))
    })?;
    if by == GroupBy::Day {
        for d in range.from.iter_days().take_while(|d| *d <= range.to) {
            let s = d.format("%Y-%m-%d").to_string();
            sums.entry(s.clone()).or_insert_with(|| Sum { label: s, ..Sum::default() });
        }
    }
    let mut out: Vec<Row> = sums
        .into_iter()
        .map(|(key, s)| Row {
            key,
            label: s.label,
            faxes: s.faxes,
            pages: s.pages,
            amount: money::from_units(s.amount),
            amount_units: s.amount,
        })
        .collect();
    if by != GroupBy::Day {
        out.sort_by(|a, b| b.amount_units.cmp(&a.amount_units).then_with(|| a.label.cmp(&b.label)));
    }
    let total_units: i64 = out.iter().map(|r| r.amount_units).sum();
    Ok(SpendReport {
        from: range.from,
        to: range.to,
        by,
        currency,
        time_zone: zone.name().map(str::to_string),
        faxes: out.iter().map(|r| r.faxes).sum(),
        pages: out.iter().map(|r| r.pages).sum(),
        total: money::from_units(total_units),
        total_units,
        rows: out,
    })
}

/// The faxes of `range` added up by `by`: one scan of the faxes submitted around the range,
/// streamed on both engines, each fax counted on its day in `zone`.
fn sums_in(tx: Conn<'_>, range: Range, by: GroupBy, zone: &Zone) -> Result<BTreeMap<String, Sum>> {
    let (lo, hi) = day::coarse_bounds(range.from, range.to);
    let mut sums: BTreeMap<String, Sum> = BTreeMap::new();
    // No index on the faxes' submit time: billing would pay for one on every fax. A report is
    // a scan.
    tx.for_each(
        "SELECT f.submit_time, u.name, f.destination, f.pages_sent, f.cost
         FROM faxes f JOIN users u ON u.id = f.user_id WHERE f.submit_time >= ?1 AND f.submit_time < ?2",
        &[&lo, &hi],
        |r| {
            let submitted: String = r.get(0)?;
            let d = day::day_of(&crate::time::parse_ts(&submitted, "submit_time")?, zone);
            if !range.contains(d) {
                return Ok(());
            }
            let (key, label) = match by {
                GroupBy::User => {
                    let name: String = r.get(1)?;
                    (name.clone(), name)
                }
                GroupBy::Country => {
                    let c = crate::countries::country_of(&r.get::<String>(2)?);
                    (c.code.to_string(), c.name.to_string())
                }
                GroupBy::Day => {
                    let s = d.format("%Y-%m-%d").to_string();
                    (s.clone(), s)
                }
            };
            let sum = sums.entry(key).or_insert_with(|| Sum { label, ..Sum::default() });
            sum.faxes += 1;
            sum.pages += r.get::<i64>(3)?;
            sum.amount += r.get::<i64>(4)?;
            Ok(())
        },
    )?;
    Ok(sums)
}

/// One fax of a user in a report's range: "View Activity of this user".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserFax {
    pub fax_id: String,
    pub billed_at: String,
    pub submit_time: String,
    pub destination: String,
    pub country: String,
    pub pages_sent: i64,
    pub cost: Decimal,
    /// The cards that paid it (two when it was split).
    pub cards: Vec<i64>,
}

/// The faxes `user` sent in `range`, newest submitted first, at most `limit`; and how many there are.
pub fn user_faxes(db: &mut Db, range: Range, user: &str, limit: usize) -> Result<(Vec<UserFax>, i64)> {
    db.read(|tx| {
        let user_id: i64 = tx
            .query_opt("SELECT id FROM users WHERE name = ?1", &[&user.trim()], |r| r.get(0))?
            .ok_or_else(|| Error::NotFound(format!("no user named {user:?}")))?;
        let zone = crate::account::time_zone(tx)?;
        let (lo, hi) = day::coarse_bounds(range.from, range.to);
        let mut out = Vec::new();
        let mut seqs = Vec::new();
        let mut count = 0;
        tx.for_each(
            "SELECT f.seq, f.id, f.billed_at, f.submit_time, f.destination, f.pages_sent, f.cost FROM faxes f
             WHERE f.user_id = ?1 AND f.submit_time >= ?2 AND f.submit_time < ?3
             ORDER BY f.submit_time DESC, f.seq DESC",
            &[&user_id, &lo, &hi],
            |r| {
                let submitted: String = r.get(3)?;
                if !range.contains(day::day_of(&crate::time::parse_ts(&submitted, "submit_time")?, &zone)) {
                    return Ok(());
                }
                count += 1;
                if out.len() >= limit {
                    return Ok(());
                }
                let destination: String = r.get(4)?;
                seqs.push(r.get::<i64>(0)?);
                out.push(UserFax {
                    fax_id: r.get(1)?,
                    billed_at: r.get(2)?,
                    submit_time: submitted,
                    country: crate::countries::country_of(&destination).name.to_string(),
                    destination,
                    pages_sent: r.get(5)?,
                    cost: money::from_units(r.get(6)?),
                    cards: Vec::new(),
                });
                Ok(())
            },
        )?;
        // The cards of the faxes shown, once the scan has ended (no SQL runs inside it).
        for (fax, seq) in out.iter_mut().zip(seqs) {
            fax.cards =
                tx.query("SELECT card_id FROM activity WHERE fax_seq = ?1 ORDER BY card_id", &[&seq], |l| l.get(0))?;
        }
        Ok((out, count))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_that_ends_before_it_starts_is_refused_on_to() {
        let e = Range::parse("2026-11-30", "2026-11-01").unwrap_err();
        assert_eq!(
            (e.code(), e.to_string()),
            ("invalid_input".into(), "to: the range ends (2026-11-01) before it starts (2026-11-30)".into())
        );
        assert!(Range::parse("2026-11-01", "2026-11-01").is_ok(), "one day");
        let e = Range::parse("11/01/2026", "2026-11-30").unwrap_err();
        assert!(e.to_string().starts_with("from: "), "{e}");
        assert!(GroupBy::parse("month").is_err());
    }
}
