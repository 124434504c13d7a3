//! `repeat-order set PACKAGE [--cap AMOUNT] | remove | resume | show`.

use clap::Subcommand;

use super::io::{actor, print_json};
use faxcredit::db::Db;
use faxcredit::error::Result;
use faxcredit::money;
use faxcredit::repeat;
use faxcredit::time::Timestamp;

#[derive(Debug, Subcommand)]
pub enum RepeatCommand {
    /// Buy PACKAGE (a name in any case, or an id) automatically when the card in use is 95% used.
    Set {
        package: String,
        /// At most this much bought automatically per calendar month.
        #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
        cap: Option<String>,
    },
    /// Stop buying automatically.
    Remove,
    /// Resume a repeat order paused after failed payments.
    Resume,
    /// Show the repeat order and what it did lately.
    Show {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(path: &faxcredit::db::Location, cmd: RepeatCommand, now: Timestamp) -> Result<i32> {
    let mut db = Db::open(path)?;
    match cmd {
        RepeatCommand::Set { package, cap } => {
            let cap = cap.map(|c| money::parse_amount(&c, "cap")).transpose()?;
            let r = repeat::set(&mut db, &package, cap, &actor(), now)?;
            outln!(
                "repeat order: {} ({}) when the card in use is {}% used",
                r.package.name,
                r.package.face_value,
                repeat::TRIGGER_PERCENT
            );
            // The card in use may already be past 95%: the order placed for it is bought now.
            super::secrets::reconcile(&mut db);
        }
        RepeatCommand::Remove => {
            let removed = repeat::remove(&mut db, &actor(), now)?;
            outln!("{}", if removed { "repeat order removed" } else { "there was no repeat order" });
        }
        RepeatCommand::Resume => {
            let r = repeat::resume(&mut db, &actor(), now)?;
            outln!("repeat order resumed: {}", r.package.name);
            super::secrets::reconcile(&mut db);
        }
        RepeatCommand::Show { json } => {
            let r = repeat::show(&db)?;
            let log = repeat::log(&db, 20)?;
            if json {
                return print_json(&serde_json::json!({ "repeat_order": r, "log": log })).map(|()| 0);
            }
            match &r {
                None => outln!("no repeat order"),
                Some(r) => {
                    outln!("package   {} ({})", r.package.name, r.package.face_value);
                    outln!(
                        "cap       {}",
                        r.monthly_cap.map_or_else(|| "none".to_string(), |c| format!("{c} a month"))
                    );
                    match (&r.paused_at, &r.paused_reason) {
                        (Some(at), Some(why)) => outln!("state     paused since {at}: {why}"),
                        _ => outln!("state     active"),
                    }
                }
            }
            for e in &log {
                let card = e.card_id.map(|c| format!("card {c}: ")).unwrap_or_default();
                outln!("{}  {:<8}  {card}{}", e.at, e.event, e.detail);
            }
        }
    }
    Ok(0)
}
