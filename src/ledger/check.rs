//! `faxcredit check`: verifies every ledger invariant of DESIGN.md §2 on a database and says
//! exactly what is wrong. Tests run it after every step; operators run it on any database.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::Result;
use crate::money::{self, fmt_units};
use crate::sql::{Backend, Conn};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub cards: i64,
    pub faxes: i64,
    pub lines: i64,
    pub total_billed: Decimal,
    /// One sentence per broken invariant; empty when the ledger is sound.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

const MAX_LISTED: usize = 50;

/// The problems found, listed up to [`MAX_LISTED`].
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, p: String) {
        if self.0.len() < MAX_LISTED {
            self.0.push(p);
        } else if self.0.len() == MAX_LISTED {
            self.0.push("… more problems not listed".into());
        }
    }
}

/// Every invariant, one function each, in one read transaction (one consistent snapshot).
pub fn check(db: &mut Db) -> Result<CheckReport> {
    db.read(check_in)
}

pub(crate) fn check_in(tx: Conn<'_>) -> Result<CheckReport> {
    crate::account::account_in(tx)?;
    let mut p = Problems::default();
    storage_is_intact(tx, &mut p)?;
    lines_and_faxes_cannot_change(tx, &mut p)?;
    each_card_adds_up(tx, &mut p)?;
    each_fax_adds_up(tx, &mut p)?;
    every_line_has_its_fax_and_card(tx, &mut p)?;
    each_line_is_dated_with_its_fax(tx, &mut p)?;
    let total_lines = the_totals_agree(tx, &mut p)?;
    the_spend_is_the_faxes_by_quarter_hour(tx, &mut p)?;
    line_numbers_run_from_one(tx, &mut p)?;
    no_fax_refused_after_it_was_billed(tx, &mut p)?;

    let cards: i64 = tx.query_row("SELECT count(*) FROM cards", &[], |r| r.get(0))?;
    let faxes: i64 = tx.query_row("SELECT count(*) FROM faxes", &[], |r| r.get(0))?;
    let lines: i64 = tx.query_row("SELECT count(*) FROM activity", &[], |r| r.get(0))?;
    Ok(CheckReport { cards, faxes, lines, total_billed: money::from_units(total_lines), problems: p.0 })
}

/// SQLite's own check of its file. A PostgreSQL server keeps its files itself.
fn storage_is_intact(tx: Conn<'_>, p: &mut Problems) -> Result<()> {
    if tx.backend() == Backend::Sqlite {
        let quick: String = tx.query_row("PRAGMA quick_check", &[], |r| r.get(0))?;
        if quick != "ok" {
            p.push(format!("SQLite quick_check: {quick}"));
        }
    }
    Ok(())
}

/// No line or fax is ever updated or deleted: the triggers that refuse it are in place.
fn lines_and_faxes_cannot_change(tx: Conn<'_>, p: &mut Problems) -> Result<()> {
    for trigger in ["activity_no_update", "activity_no_delete", "faxes_no_update", "faxes_no_delete"] {
        let sql = match tx.backend() {
            Backend::Sqlite => "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND name = ?1)",
            Backend::Postgres => {
                "SELECT EXISTS (SELECT 1 FROM information_schema.triggers
                 WHERE trigger_schema = current_schema() AND trigger_name = ?1)"
            }
        };
        let present: bool = tx.query_row(sql, &[&trigger], |r| r.get(0))?;
        if !present {
            p.push(format!("trigger {trigger} is missing: activity lines could be changed"));
        }
    }
    Ok(())
}

/// Per card: used = sum of its lines, 0 <= used <= original balance = face + bonus, closed iff
/// used up (a monthly card also closes at the end of its month).
fn each_card_adds_up(tx: Conn<'_>, p: &mut Problems) -> Result<()> {
    let cards = tx.query(
        "SELECT c.id, c.face_value, c.bonus, c.original_balance, c.used, c.lines, c.close_date, c.source,
                COALESCE(s.total, 0), COALESCE(s.n, 0)
         FROM cards c LEFT JOIN (SELECT card_id, sum(amount) AS total, count(*) AS n FROM activity GROUP BY card_id) s
           ON s.card_id = c.id ORDER BY c.id",
        &[],
        |r| {
            let numbers: [i64; 6] = [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?];
            Ok((numbers, r.get::<Option<String>>(6)?, r.get::<String>(7)?, r.get::<i64>(8)?, r.get::<i64>(9)?))
        },
    )?;
    for ([id, face, bonus, orig, used, lines], closed, source, sum, n) in cards {
        if used != sum {
            p.push(format!("card {id}: used {} but its lines sum to {}", fmt_units(used), fmt_units(sum)));
        }
        if lines != n {
            p.push(format!("card {id}: counts {lines} lines but has {n}"));
        }
        if used < 0 || used > orig {
            p.push(format!("card {id}: used {} is outside 0..={}", fmt_units(used), fmt_units(orig)));
        }
        if orig != face + bonus {
            p.push(format!(
                "card {id}: original balance {} is not face {} + bonus {}",
                fmt_units(orig),
                fmt_units(face),
                fmt_units(bonus)
            ));
        }
        if used == orig && closed.is_none() {
            p.push(format!("card {id}: used up but not closed"));
        }
        if used < orig && closed.is_some() && source != "monthly" {
            p.push(format!("card {id}: closed with {} left", fmt_units(orig - used)));
        }
    }
    Ok(())
}

/// Per fax: its lines sum to its cost, and the cost follows from units × cost per unit with the
/// one rounding rule.
fn each_fax_adds_up(tx: Conn<'_>, p: &mut Problems) -> Result<()> {
    // Every fax, one at a time: a ledger may hold millions.
    tx.for_each(
        "SELECT f.id, f.units, f.cost_per_unit, f.cost, COALESCE(a.total, 0), COALESCE(a.lines, 0)
         FROM faxes f LEFT JOIN (SELECT fax_seq, sum(amount) AS total, count(*) AS lines
                                 FROM activity GROUP BY fax_seq) a ON a.fax_seq = f.seq",
        &[],
        |r| {
            let id: String = r.get(0)?;
            let (units, cpu, cost, sum, n): (i64, i64, i64, i64, i64) =
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
            if sum != cost {
                p.push(format!("fax {id}: costs {} but its lines sum to {}", fmt_units(cost), fmt_units(sum)));
            }
            if cost > 0 && n == 0 {
                p.push(format!("fax {id}: costs {} but has no activity line", fmt_units(cost)));
            }
            let expect = money::round_cost(money::from_units(units) * money::from_units(cpu));
            if money::to_units(expect, "cost").ok() != Some(cost) {
                p.push(format!("fax {id}: cost {} is not units × cost per unit ({expect})", fmt_units(cost)));
            }
            Ok(())
        },
    )
}

fn every_line_has_its_fax_and_card(tx: Conn<'_>, p: &mut Problems) -> Result<()> {
    let orphans: i64 = tx.query_row(
        "SELECT count(*) FROM activity a WHERE NOT EXISTS (SELECT 1 FROM faxes f WHERE f.seq = a.fax_seq)
            OR NOT EXISTS (SELECT 1 FROM cards c WHERE c.id = a.card_id)",
        &[],
        |r| r.get(0),
    )?;
    if orphans > 0 {
        p.push(format!("{orphans} activity lines point at no fax or no card"));
    }
    Ok(())
}

/// A line's copy of its fax's submit time orders the card by time: it must be the fax's.
fn each_line_is_dated_with_its_fax(tx: Conn<'_>, p: &mut Problems) -> Result<()> {
    let misdated: Option<(i64, i64)> = tx.query_opt(
        "SELECT a.card_id, a.n FROM activity a JOIN faxes f ON f.seq = a.fax_seq
         WHERE a.submit_time != f.submit_time LIMIT 1",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if let Some((card, n)) = misdated {
        p.push(format!("card {card}: line {n} is not dated with its fax's submit time"));
    }
    Ok(())
}

/// All lines = all fax costs = the spend per quarter hour = the cards' use. Returns the lines'
/// total.
fn the_totals_agree(tx: Conn<'_>, p: &mut Problems) -> Result<i64> {
    let total_lines: i64 = tx.query_row("SELECT COALESCE(sum(amount), 0) FROM activity", &[], |r| r.get(0))?;
    let total_costs: i64 = tx.query_row("SELECT COALESCE(sum(cost), 0) FROM faxes", &[], |r| r.get(0))?;
    if total_lines != total_costs {
        p.push(format!("all lines sum to {} but all fax costs to {}", fmt_units(total_lines), fmt_units(total_costs)));
    }
    let spend: i64 = tx.query_row("SELECT COALESCE(sum(amount), 0) FROM spend_by_quarter", &[], |r| r.get(0))?;
    if spend != total_costs {
        p.push(format!("the spend sums to {} but all fax costs to {}", fmt_units(spend), fmt_units(total_costs)));
    }
    let total_used: i64 = tx.query_row("SELECT COALESCE(sum(used), 0) FROM cards", &[], |r| r.get(0))?;
    if total_used != total_lines {
        p.push(format!("cards have used {} but all lines sum to {}", fmt_units(total_used), fmt_units(total_lines)));
    }
    Ok(total_lines)
}

/// The spend of each quarter hour (the chart's days and this month's spend add them up) is
/// exactly the cost and the count of the faxes submitted in it: a fax counted on another day
/// than the one View Activity files it under shows here.
fn the_spend_is_the_faxes_by_quarter_hour(tx: Conn<'_>, p: &mut Problems) -> Result<()> {
    // The quarter hour of a stored time (`…T09:37:12Z` → `…T09:30:00Z`), as in schema_v8.sql.
    const QUARTERS: &str = "SELECT substr(submit_time, 1, 14)
               || CASE WHEN substr(submit_time, 15, 2) < '15' THEN '00'
                       WHEN substr(submit_time, 15, 2) < '30' THEN '15'
                       WHEN substr(submit_time, 15, 2) < '45' THEN '30'
                       ELSE '45' END || ':00Z' AS start, sum(cost) AS amount, count(*) AS faxes
        FROM faxes GROUP BY 1";
    let wrong: Option<(String, i64, i64)> = tx.query_opt(
        &format!(
            "SELECT start, amount, faxes FROM ({QUARTERS} EXCEPT SELECT start, amount, faxes FROM spend_by_quarter) m
             UNION ALL
             SELECT start, -amount, -faxes FROM (SELECT start, amount, faxes FROM spend_by_quarter EXCEPT {QUARTERS}) x
             LIMIT 1"
        ),
        &[],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if let Some((start, amount, faxes)) = wrong {
        let (side, amount, faxes) =
            if amount < 0 || faxes < 0 { ("keeps", -amount, -faxes) } else { ("should keep", amount, faxes) };
        p.push(format!(
            "the spend of the quarter hour from {start} {side} {} for {faxes} faxes, which is not what the faxes submitted then cost",
            fmt_units(amount)
        ));
    }
    Ok(())
}

fn line_numbers_run_from_one(tx: Conn<'_>, p: &mut Problems) -> Result<()> {
    let gaps: Option<i64> = tx.query_opt(
        "SELECT card_id FROM activity GROUP BY card_id HAVING min(n) != 1 OR max(n) != count(*) LIMIT 1",
        &[],
        |r| r.get(0),
    )?;
    if let Some(card) = gaps {
        p.push(format!("card {card}: its line numbers are not 1..=lines"));
    }
    Ok(())
}

/// A refused fax pins nothing, but a fax is never refused once it is billed.
fn no_fax_refused_after_it_was_billed(tx: Conn<'_>, p: &mut Problems) -> Result<()> {
    let dup: Option<String> = tx.query_opt(
        "SELECT fax_id FROM attempts a WHERE EXISTS (SELECT 1 FROM faxes f WHERE f.id = a.fax_id AND f.billed_at < a.at) LIMIT 1",
        &[],
        |r| r.get(0),
    )?;
    if let Some(id) = dup {
        p.push(format!("fax {id}: refused after it had already been billed"));
    }
    Ok(())
}
