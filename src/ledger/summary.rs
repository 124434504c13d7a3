//! The figures above the card table: credit remaining, spend this month, and daily spend over
//! the last 90 days, each day and month the account's (its time zone). Read from
//! `spend_by_quarter`, kept by billing per quarter hour of UTC of the faxes' submit times: a
//! local day starts on a quarter hour in every zone, so the quarters add up into its days
//! exactly (`time::zone`), and this reads at most 96 rows a day.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::Result;
use crate::money;
use crate::sql::Conn;
use crate::time::{fmt_ts, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaySpend {
    /// `YYYY-MM-DD`, a day of the account's zone.
    pub day: String,
    pub amount: Decimal,
    pub faxes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Unused credit on the open cards.
    pub remaining: Decimal,
    /// Faxes submitted this month (the account's month).
    pub spend_this_month: Decimal,
    pub faxes_this_month: i64,
    /// One entry per day, oldest first, days without faxes included; the last is today.
    pub daily: Vec<DaySpend>,
    /// The account's zone (IANA name) the days are counted in; `None`: the computer's, unnamed.
    pub time_zone: Option<String>,
}

pub fn summary(db: &mut Db, now: Timestamp, days: i64) -> Result<Summary> {
    db.read(|tx| summary_in(tx, now, days))
}

fn summary_in(tx: Conn<'_>, now: Timestamp, days: i64) -> Result<Summary> {
    let zone = crate::account::time_zone(tx)?;
    let remaining: i64 = tx.query_row(
        "SELECT COALESCE(sum(original_balance - used), 0) FROM cards WHERE close_date IS NULL",
        &[],
        |r| r.get(0),
    )?;
    let (month_amount, month_faxes): (i64, i64) = tx.query_row(
        "SELECT COALESCE(sum(amount), 0), COALESCE(sum(faxes), 0) FROM spend_by_quarter WHERE start >= ?1 AND start < ?2",
        &[&fmt_ts(&zone.start_of_month(&now)), &fmt_ts(&zone.start_of_next_month(&now))],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let today: NaiveDate = zone.day(&now);
    let first = today - Duration::days(days.max(1) - 1);
    let day_list: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= today).collect();
    // Where each day starts, and where the day after the last starts: the quarters between
    // two starts are that day's (text order is time order).
    let starts: Vec<String> =
        day_list.iter().chain(today.succ_opt().as_ref()).map(|d| fmt_ts(&zone.start_of_day(*d))).collect();
    let mut totals = vec![(0i64, 0i64); day_list.len()];
    let quarters = tx.query(
        "SELECT start, amount, faxes FROM spend_by_quarter WHERE start >= ?1 AND start < ?2 ORDER BY start",
        &[&starts[0], &starts[starts.len() - 1]],
        |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?, r.get::<i64>(2)?)),
    )?;
    let mut i = 0;
    for (start, amount, faxes) in quarters {
        while i + 1 < day_list.len() && start >= starts[i + 1] {
            i += 1;
        }
        totals[i].0 += amount;
        totals[i].1 += faxes;
    }
    let daily = day_list
        .iter()
        .zip(totals)
        .map(|(d, (a, f))| DaySpend { day: d.to_string(), amount: money::from_units(a), faxes: f })
        .collect();
    Ok(Summary {
        remaining: money::from_units(remaining),
        spend_this_month: money::from_units(month_amount),
        faxes_this_month: month_faxes,
        daily,
        time_zone: zone.name().map(str::to_string),
    })
}
