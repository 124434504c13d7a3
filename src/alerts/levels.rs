//! The account's alert levels: reading them as typed (`50.00`, `80%`), storing them, and the
//! figures the Alerts page and `faxcredit alerts` show beside them.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::crossing::{days_left, reached, Level, PERCENT_SCALE};
use crate::audit::{self, Action, Actor};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::money::{self, from_units, to_units};
use crate::sql::Conn;
use crate::time::Timestamp;

/// At most this many levels: enough for any warning plan, few enough to read at a glance.
pub const MAX_LEVELS: usize = 10;

/// The level every account starts with (schema 8): the card in use at 80% used, a fifth of it
/// left, before the repeat order's 95%.
pub const DEFAULT_LEVEL: Level = Level::Percent(80 * PERCENT_SCALE);

/// How long back the average daily spend looks.
pub const SPEND_WINDOW_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelKind {
    /// On the credit remaining across the open cards.
    Amount,
    /// On the share of the card in use that is used.
    Percent,
}

/// A level as front ends show and send it: an amount with 4 places (`"50.0000"`) or a percent
/// (`"80"`, `"87.5"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelView {
    pub kind: LevelKind,
    pub value: String,
}

impl From<Level> for LevelView {
    fn from(l: Level) -> Self {
        match l {
            Level::Amount(a) => LevelView { kind: LevelKind::Amount, value: money::fmt_units(a) },
            Level::Percent(p) => LevelView { kind: LevelKind::Percent, value: percent_text(p) },
        }
    }
}

impl LevelView {
    /// As typed on the command line: `50.0000` or `80%`.
    pub fn typed(&self) -> String {
        match self.kind {
            LevelKind::Amount => self.value.clone(),
            LevelKind::Percent => format!("{}%", self.value),
        }
    }
}

/// Hundredths of a percent as `80` or `87.5`.
pub fn percent_text(p: i64) -> String {
    Decimal::new(p, 2).normalize().to_string()
}

/// A level for people: `50.00 USD left` or `80% of the card used`.
pub fn describe(level: Level, currency: &str) -> String {
    match level {
        Level::Amount(a) => format!("{} left", money::fmt_for_people(a, currency)),
        Level::Percent(p) => format!("{}% of the card used", percent_text(p)),
    }
}

/// Reads one level as a person types it: a positive amount (`50.00`, at most 4 decimals) or a
/// percent strictly between 0 and 100 (`80%`, at most 2 decimals). `field` names it in errors.
pub fn parse_level(s: &str, field: &str) -> Result<Level> {
    let t = s.trim();
    let bad = || {
        Error::invalid(
            field,
            format!("{s:?} is not a positive amount (such as 50.00) or a percent between 0 and 100 (such as 80%)"),
        )
    };
    if let Some(p) = t.strip_suffix('%') {
        let d = money::parse_amount(p.trim(), field).map_err(|_| bad())?;
        if d <= Decimal::ZERO || d >= Decimal::from(100) {
            return Err(Error::invalid(field, format!("{s:?}: a percent must be more than 0% and less than 100%")));
        }
        if d.normalize().scale() > 2 {
            return Err(Error::invalid(field, format!("{s:?}: a percent has at most 2 decimal places")));
        }
        let hundredths = to_units(d, field)? / (money::ONE / PERCENT_SCALE);
        return Ok(Level::Percent(hundredths));
    }
    let d = money::parse_amount(t, field).map_err(|e| match e {
        Error::Invalid { message, .. } if message.contains("decimal places") => {
            Error::invalid(field, format!("{s:?} has more than 4 decimal places"))
        }
        _ => bad(),
    })?;
    if d <= Decimal::ZERO {
        return Err(Error::invalid(field, format!("{s:?}: an amount must be more than 0")));
    }
    Ok(Level::Amount(to_units(d, field)?))
}

/// Reads every level given (`level 1`, `level 2`… in errors); refuses one given twice. Sorted:
/// amounts highest first, then percents lowest first.
pub fn parse_levels<S: AsRef<str>>(words: &[S]) -> Result<Vec<Level>> {
    if words.len() > MAX_LEVELS {
        return Err(Error::invalid("levels", format!("at most {MAX_LEVELS} levels, {} given", words.len())));
    }
    let mut out: Vec<Level> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let field = format!("level {}", i + 1);
        let level = parse_level(w.as_ref(), &field)?;
        if out.contains(&level) {
            return Err(Error::invalid(field, format!("{:?} is given twice", w.as_ref().trim())));
        }
        out.push(level);
    }
    sort(&mut out);
    Ok(out)
}

fn sort(levels: &mut [Level]) {
    levels.sort_by_key(|l| match *l {
        Level::Amount(a) => (0, -a),
        Level::Percent(p) => (1, p),
    });
}

/// The account's levels (amounts highest first, then percents), inside any transaction.
/// The account's levels, as `levels_in` reads them.
pub const LEVELS: &str = "SELECT kind, value FROM alert_levels";

pub fn levels_in(conn: Conn<'_>) -> Result<Vec<Level>> {
    let mut out = conn.query(LEVELS, &[], |r| {
        let (kind, value) = (r.get::<String>(0)?, r.get::<i64>(1)?);
        Ok(if kind == "amount" { Level::Amount(value) } else { Level::Percent(value) })
    })?;
    sort(&mut out);
    Ok(out)
}

pub fn levels(db: &Db) -> Result<Vec<Level>> {
    levels_in(db.conn())
}

/// The levels for people (the audit log): `50.00 USD, 80%`.
fn list(levels: &[Level], currency: &str) -> String {
    if levels.is_empty() {
        return "none".into();
    }
    let one = |l: &Level| match *l {
        Level::Amount(a) => money::fmt_for_people(a, currency),
        Level::Percent(p) => format!("{}%", percent_text(p)),
    };
    levels.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// Replaces the levels (none: no alert is sent). Already sorted and unique: see
/// [`parse_levels`]. Recorded in the audit log with the levels before and after.
pub fn set_levels(db: &mut Db, levels: &[Level], by: &Actor, now: Timestamp) -> Result<Vec<Level>> {
    let mut levels = levels.to_vec();
    sort(&mut levels);
    levels.dedup();
    if levels.len() > MAX_LEVELS {
        return Err(Error::invalid("levels", format!("at most {MAX_LEVELS} levels, {} given", levels.len())));
    }
    db.write(|tx| {
        let currency: String = tx.query_row("SELECT currency FROM account WHERE id = 1", &[], |r| r.get(0))?;
        let before = levels_in(tx)?;
        tx.execute("DELETE FROM alert_levels", &[])?;
        for l in &levels {
            let (kind, value) = match *l {
                Level::Amount(a) => ("amount", a),
                Level::Percent(p) => ("percent", p),
            };
            if value <= 0 || (kind == "percent" && value >= 100 * PERCENT_SCALE) {
                return Err(Error::invalid("levels", format!("{} is not a level", LevelView::from(*l).typed())));
            }
            tx.execute("INSERT INTO alert_levels (kind, value) VALUES (?1, ?2)", &[&kind, &value])?;
        }
        let (action, detail) = if levels.is_empty() {
            (Action::AlertsCleared, format!("was {}", list(&before, &currency)))
        } else {
            (Action::AlertsSet, format!("{} (was {})", list(&levels, &currency), list(&before, &currency)))
        };
        audit::record(tx, by, action, &detail, now)?;
        Ok(levels.clone())
    })
}

/// No low-credit alerts any more.
pub fn clear_levels(db: &mut Db, by: &Actor, now: Timestamp) -> Result<()> {
    set_levels(db, &[], by, now).map(|_| ())
}

/// The spend of the last [`SPEND_WINDOW_DAYS`] days (today included, days of the account's
/// zone, as the spend chart's) and the number of days it covers: fewer for an account younger
/// than that, so a new account's pace is not spread over days it did not exist.
pub fn recent_spend(conn: Conn<'_>, now: Timestamp) -> Result<(i64, i64)> {
    let zone = crate::account::time_zone(conn)?;
    let today: NaiveDate = zone.day(&now);
    let created: String = conn.query_row("SELECT created_at FROM account WHERE id = 1", &[], |r| r.get(0))?;
    let created_day = crate::time::parse_ts(&created, "created_at").map(|t| zone.day(&t)).unwrap_or(today);
    let days = ((today - created_day).num_days() + 1).clamp(1, SPEND_WINDOW_DAYS);
    let first = today - Duration::days(days - 1);
    let end = today.succ_opt().unwrap_or(today);
    let spent: i64 = conn.query_row(
        "SELECT coalesce(sum(amount), 0) FROM spend_by_quarter WHERE start >= ?1 AND start < ?2",
        &[&crate::time::fmt_ts(&zone.start_of_day(first)), &crate::time::fmt_ts(&zone.start_of_day(end))],
        |r| r.get(0),
    )?;
    Ok((spent, days))
}

/// The days the average spend is taken over, in words: "the last 30 days".
pub fn window_words(days: i64) -> String {
    match days {
        d if d >= SPEND_WINDOW_DAYS => format!("the last {d} days"),
        1 => "the account's first day".into(),
        d => format!("the {d} days since the account was opened"),
    }
}

/// How long the credit lasts, in words: "about 12 days (until about 2026-12-02)".
pub fn lasts_words(days_left: i64, now: Timestamp) -> String {
    match days_left {
        ..=0 => "less than a day".into(),
        1 => "about 1 day".into(),
        d => format!("about {d} days (until about {})", (now + Duration::days(d)).format("%Y-%m-%d")),
    }
}

/// The card faxes are billed to now: (id, used, original balance); the oldest open card, else
/// the newest (all used up); `None` before the first.
pub fn card_in_use(conn: Conn<'_>) -> Result<Option<(i64, i64, i64)>> {
    let row = |r: &crate::sql::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
    let open = conn.query_opt(
        "SELECT id, used, original_balance FROM cards WHERE close_date IS NULL ORDER BY id LIMIT 1",
        &[],
        row,
    )?;
    if open.is_some() {
        return Ok(open);
    }
    conn.query_opt("SELECT id, used, original_balance FROM cards ORDER BY id DESC LIMIT 1", &[], row)
}

/// The credit across the open cards.
pub fn remaining_in(conn: Conn<'_>) -> Result<i64> {
    conn.query_row("SELECT coalesce(sum(original_balance - used), 0) FROM cards WHERE close_date IS NULL", &[], |r| {
        r.get(0)
    })
}

/// A level with whether the credit is past it now: a passed level fires again only after the
/// credit has risen above it (a new card).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelState {
    #[serde(flatten)]
    pub level: LevelView,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardInUse {
    pub id: i64,
    pub balance: Decimal,
    pub percent_used: Decimal,
}

/// The levels and the figures they are about, as the Alerts page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertStatus {
    pub levels: Vec<LevelState>,
    /// The credit across the open cards.
    pub remaining: Decimal,
    pub card_in_use: Option<CardInUse>,
    /// Billed over the last `days_counted` days (30, fewer for a younger account).
    pub recent_spend: Decimal,
    pub days_counted: i64,
    /// `recent_spend / days_counted`, to 4 places.
    pub average_daily_spend: Decimal,
    /// Whole days the remaining credit lasts at that pace; `None` when nothing was spent.
    pub days_left: Option<i64>,
    /// The level a new account starts with.
    pub default_level: LevelView,
}

pub fn status(db: &mut Db, now: Timestamp) -> Result<AlertStatus> {
    let (levels, remaining, card, (spent, days)) =
        db.read(|tx| Ok((levels_in(tx)?, remaining_in(tx)?, card_in_use(tx)?, recent_spend(tx, now)?)))?;
    let states = levels
        .iter()
        .map(|&l| LevelState {
            level: l.into(),
            passed: match l {
                Level::Amount(a) => remaining <= a,
                Level::Percent(p) => card.is_some_and(|(_, used, original)| reached(used, original, p)),
            },
        })
        .collect();
    let average = money::round_cost(Decimal::from(spent) / Decimal::from(days) / Decimal::from(money::ONE));
    Ok(AlertStatus {
        levels: states,
        remaining: from_units(remaining),
        card_in_use: card.map(|(id, used, original)| CardInUse {
            id,
            balance: from_units(original - used),
            percent_used: money::percent(used, original),
        }),
        recent_spend: from_units(spent),
        days_counted: days,
        average_daily_spend: average.round_dp(4),
        days_left: days_left(remaining, spent, days),
        default_level: DEFAULT_LEVEL.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_amounts_and_percents_as_typed() {
        assert_eq!(parse_level("50.00", "l").unwrap(), Level::Amount(500_000));
        assert_eq!(parse_level(" 20 ", "l").unwrap(), Level::Amount(200_000));
        assert_eq!(parse_level("0.0001", "l").unwrap(), Level::Amount(1));
        assert_eq!(parse_level("80%", "l").unwrap(), Level::Percent(8000));
        assert_eq!(parse_level("87.5 %", "l").unwrap(), Level::Percent(8750));
        assert_eq!(parse_level("0.01%", "l").unwrap(), Level::Percent(1));
        assert_eq!(
            parse_levels(&["80%", "20.00", "50.00"]).unwrap(),
            vec![Level::Amount(500_000), Level::Amount(200_000), Level::Percent(8000)]
        );
        assert_eq!(LevelView::from(Level::Percent(8750)).typed(), "87.5%");
        assert_eq!(LevelView::from(Level::Amount(500_000)).typed(), "50.0000");
    }

    #[test]
    fn refuses_what_is_not_a_positive_amount_or_a_percent_between_0_and_100_naming_the_level() {
        for bad in
            ["0", "0.00", "-5", "abc", "", "50.00001", "1e3", "0%", "100%", "150%", "-10%", "80.001%", "%", "1,000"]
        {
            let e = parse_levels(&["50.00", bad]).unwrap_err();
            assert!(matches!(&e, Error::Invalid { field, .. } if field == "level 2"), "{bad:?}: {e}");
            assert_eq!(e.exit_code(), 2);
        }
        let twice = parse_levels(&["50", "50.00"]).unwrap_err();
        assert!(twice.to_string().contains("twice"), "{twice}");
        assert!(parse_levels(&["1"; MAX_LEVELS + 1]).is_err());
    }
}
