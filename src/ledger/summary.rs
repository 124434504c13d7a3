//! The figures above the card table: credit remaining, spend this month, and daily spend over
//! the last 90 days (from `daily_spend`, kept by billing, so this reads ~90 rows).

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::Result;
use crate::money;
use crate::time::{start_of_month, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaySpend {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub amount: Decimal,
    pub faxes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Unused credit on the open cards.
    pub remaining: Decimal,
    pub spend_this_month: Decimal,
    pub faxes_this_month: i64,
    /// One entry per day, oldest first, days without faxes included.
    pub daily: Vec<DaySpend>,
}

pub fn summary(db: &mut Db, now: Timestamp, days: i64) -> Result<Summary> {
    let tx = db.read()?;
    let remaining: i64 = tx.query_row(
        "SELECT COALESCE(sum(original_balance - used), 0) FROM cards WHERE close_date IS NULL",
        [],
        |r| r.get(0),
    )?;
    let month_start = start_of_month(&now).format("%Y-%m-%d").to_string();
    let (month_amount, month_faxes): (i64, i64) = tx.query_row(
        "SELECT COALESCE(sum(amount), 0), COALESCE(sum(faxes), 0) FROM daily_spend WHERE day >= ?1",
        [&month_start],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let today: NaiveDate = now.date_naive();
    let first = today - Duration::days(days.max(1) - 1);
    let mut by_day = std::collections::HashMap::new();
    {
        let mut st = tx.prepare("SELECT day, amount, faxes FROM daily_spend WHERE day >= ?1 AND day <= ?2")?;
        let rows = st.query_map([first.to_string(), today.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        })?;
        for row in rows {
            let (d, a, f) = row?;
            by_day.insert(d, (a, f));
        }
    }
    let daily = first
        .iter_days()
        .take_while(|d| *d <= today)
        .map(|d| {
            let key = d.to_string();
            let (a, f) = by_day.get(&key).copied().unwrap_or((0, 0));
            DaySpend { day: key, amount: money::from_units(a), faxes: f }
        })
        .collect();
    Ok(Summary {
        remaining: money::from_units(remaining),
        spend_this_month: money::from_units(month_amount),
        faxes_this_month: month_faxes,
        daily,
    })
}
