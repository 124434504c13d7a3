//! `alerts [--json]`, `alerts set LEVEL…` (`50.00`, `80%`), `alerts clear`.

use clap::Subcommand;

use super::io::{actor, print_json};
use faxcredit::alerts::{self, LevelKind};
use faxcredit::db::Db;
use faxcredit::error::Result;
use faxcredit::time::Timestamp;

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Replace the levels: amounts of credit remaining across the open cards (50.00) and
    /// percents of the card in use (80%).
    Set {
        #[arg(required = true, allow_hyphen_values = true, value_name = "LEVEL")]
        levels: Vec<String>,
    },
    /// No low-credit alerts.
    Clear,
}

pub fn run(path: &faxcredit::db::Location, cmd: Option<AlertsCommand>, json: bool, now: Timestamp) -> Result<i32> {
    let mut db = Db::open(path)?;
    let acct = faxcredit::account::account(&db)?;
    match cmd {
        Some(AlertsCommand::Set { levels }) => {
            let levels = alerts::parse_levels(&levels)?;
            alerts::set_levels(&mut db, &levels, &actor(), now)?;
        }
        Some(AlertsCommand::Clear) => alerts::clear_levels(&mut db, &actor(), now)?,
        None => {}
    }
    let s = alerts::status(&mut db, now)?;
    if json {
        return print_json(&s).map(|()| 0);
    }
    let money = |d: &rust_decimal::Decimal| format!("{:.2} {}", d, acct.currency);
    if s.levels.is_empty() {
        println!("no low-credit alerts (`faxcredit alerts set 50.00 80%` sets some)");
    } else {
        println!("low-credit alerts, each sent once when the credit crosses it:");
    }
    for l in &s.levels {
        let (level, what) = match l.level.kind {
            LevelKind::Amount => {
                let amount = money(&l.level.value.parse().unwrap_or_default());
                (amount, "credit remaining on the open cards falls to it")
            }
            LevelKind::Percent => (l.level.typed(), "the card in use reaches it"),
        };
        let passed = if l.passed { "  (passed: sent again once credit rises above it)" } else { "" };
        println!("  {level:<14} {what}{passed}");
    }
    let card = s
        .card_in_use
        .as_ref()
        .map(|c| format!("; card {} is {}% used ({} left on it)", c.id, c.percent_used, money(&c.balance)))
        .unwrap_or_default();
    println!("now: {} on the open cards{card}", money(&s.remaining));
    let window = alerts::levels::window_words(s.days_counted);
    match s.days_left {
        Some(d) => println!(
            "at the average spend of {window} ({} a day), that lasts {}",
            money(&s.average_daily_spend),
            alerts::levels::lasts_words(d, now)
        ),
        None => println!("no faxes billed in {window}: no pace to say how long it lasts"),
    }
    Ok(0)
}
