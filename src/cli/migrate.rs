//! `migrate-to URL`: the SQLite ledger of `--db` copied into an empty PostgreSQL schema, then
//! both sides' totals side by side and the time it took.

use std::io::IsTerminal;
use std::time::Instant;

use super::io::print_json;
use faxcredit::db::{Db, Location};
use faxcredit::error::{Error, Result};
use faxcredit::migrate::{self, Side, Summary};

pub fn migrate_to(path: &Location, url: &str, json: bool) -> Result<i32> {
    if path.file().is_none() {
        return Err(Error::invalid("db", "the ledger to copy is already on PostgreSQL: give a SQLite file with --db"));
    }
    let mut src = Db::open(path)?;
    let started = Instant::now();
    // A person at a terminal sees the copy move; a script's stderr stays for errors.
    let show = std::io::stderr().is_terminal();
    let mut shown = 0;
    let mut progress = |done: u64, all: u64| {
        let percent = (done * 100).checked_div(all).unwrap_or(100);
        if show && percent >= shown + 10 {
            shown = percent;
            eprintln!("copied {done} of {all} rows ({percent}%)");
        }
    };
    let s = migrate::to_postgres(&mut src, url, &mut progress)?;
    let seconds = started.elapsed().as_secs_f64();
    if json {
        print_json(&serde_json::json!({ "summary": &s, "seconds": seconds, "ok": s.ok() }))?;
    } else {
        print_table(&s, url, seconds);
    }
    for (side, name) in [(&s.sqlite, "SQLite"), (&s.postgres, "PostgreSQL")] {
        for p in &side.problems {
            eprintln!("faxcredit: migrate-to: check on {name}: {p}");
        }
    }
    if !s.ok() && s.sqlite.problems.is_empty() && s.postgres.problems.is_empty() {
        eprintln!("faxcredit: migrate-to: the totals differ between the two sides");
    }
    Ok(if s.ok() { 0 } else { 1 })
}

fn print_table(s: &Summary, url: &str, seconds: f64) {
    let shown = Location::parse(std::ffi::OsStr::new(url)).map_or_else(|_| url.to_string(), |l| l.to_string());
    outln!("copied {} tables, {} rows into {shown} in {seconds:.1} s", s.tables, s.rows);
    let row = |name: &str, f: &dyn Fn(&Side) -> String| {
        outln!("{name:<16}{:>20}{:>20}", f(&s.sqlite), f(&s.postgres));
    };
    outln!("{:<16}{:>20}{:>20}", "", "SQLite", "PostgreSQL");
    row("cards", &|side| side.totals.cards.to_string());
    row("faxes", &|side| side.totals.faxes.to_string());
    row("activity lines", &|side| side.totals.lines.to_string());
    row("billed", &|side| format!("{:.4}", side.totals.billed));
    row("credit left", &|side| format!("{:.4}", side.totals.credit_left));
    row("check", &|side| {
        if side.problems.is_empty() {
            "ok".into()
        } else {
            format!("{} problems", side.problems.len())
        }
    });
    if s.ok() {
        outln!(
            "point every program at the URL now: faxes billed into the SQLite file from here on are not in PostgreSQL"
        );
    }
}
