//! `rates`, `rates set | remove | quote`: the rate table that prices faxes without their own
//! `costPerUnit`.

use clap::Subcommand;

use super::io::print_json;
use super::output;
use faxcredit::db::Db;
use faxcredit::error::Result;
use faxcredit::rates::{self, RateChange, Unit};

#[derive(Debug, Subcommand)]
pub enum RatesCommand {
    /// Add or change the rate of a destination prefix (`default` is every other destination).
    Set {
        /// Digits of the international number, e.g. 44 or +353; `default` for other destinations.
        prefix: String,
        /// Cost per unit, e.g. 0.15 (at most 4 decimal places).
        #[arg(allow_hyphen_values = true)]
        price: String,
        /// What the price is for.
        #[arg(long, default_value = "page", value_name = "page|tenth-minute")]
        per: String,
        /// The destination's name (default: its country).
        #[arg(long)]
        label: Option<String>,
    },
    /// Remove the rate of a prefix: its numbers fall back to a shorter prefix or the default.
    Remove { prefix: String },
    /// What a fax to a number costs now, priced as billing prices it.
    Quote {
        number: String,
        #[arg(long, default_value_t = 1)]
        pages: i64,
        /// Seconds (for rates per tenth of a minute).
        #[arg(long, default_value_t = 0)]
        duration: i64,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(
    path: &faxcredit::db::Location,
    cmd: Option<RatesCommand>,
    json: bool,
    now: faxcredit::time::Timestamp,
) -> Result<i32> {
    let mut db = Db::open(path)?;
    match cmd {
        None => list(&db, json),
        Some(RatesCommand::Set { prefix, price, per, label }) => {
            let change = RateChange::Set { prefix, price, unit: Unit::parse(&per)?, label };
            if let Some(r) = rates::change_rates(&mut db, &change, &super::io::actor(), now)? {
                outln!("rate set: {} ({}) {} per {}", shown(&r.prefix), r.label, r.cost_per_unit, per_word(r.unit));
            }
            Ok(0)
        }
        Some(RatesCommand::Remove { prefix }) => {
            let shown_prefix = rates::parse_prefix(&prefix).map(|p| shown(&p))?;
            rates::change_rates(&mut db, &RateChange::Remove { prefix }, &super::io::actor(), now)?;
            outln!("rate removed: {shown_prefix}");
            Ok(0)
        }
        Some(RatesCommand::Quote { number, pages, duration, json }) => {
            let q = rates::quote(&db, &number, pages, duration)?;
            if json {
                return print_json(&q).map(|()| 0);
            }
            let currency = faxcredit::account::account(&db)?.currency;
            outln!(
                "{} ({}): {} {currency} = {} × {} per {} ({}, rate {})",
                q.destination,
                q.country.name,
                q.price.cost,
                q.price.units,
                q.price.cost_per_unit,
                per_word(q.rate.unit),
                q.rate.label,
                shown(&q.rate.prefix)
            );
            Ok(0)
        }
    }
}

fn shown(prefix: &str) -> String {
    if prefix.is_empty() {
        "default".into()
    } else {
        format!("+{prefix}")
    }
}

fn per_word(unit: Unit) -> &'static str {
    match unit {
        Unit::Page => "page",
        Unit::TenthMinute => "tenth of a minute",
    }
}

fn list(db: &Db, json: bool) -> Result<i32> {
    let mut all = rates::rates(db)?;
    // The default last, as people read a price list.
    all.sort_by_key(|r| (r.prefix.is_empty(), r.prefix.clone()));
    if json {
        let rows: Vec<_> = all
            .iter()
            .map(|r| {
                serde_json::json!({
                    "prefix": r.prefix, "label": r.label, "unit": r.unit.as_str(),
                    "cost_per_unit": r.cost_per_unit.to_string(), "default": r.prefix.is_empty(),
                })
            })
            .collect();
        return print_json(&rows).map(|()| 0);
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|r| vec![shown(&r.prefix), r.label.clone(), per_word(r.unit).into(), r.cost_per_unit.to_string()])
        .collect();
    out!("{}", output::table(&["PREFIX", "DESTINATION", "PER", "PRICE"], &[false, false, false, true], &rows));
    Ok(0)
}
