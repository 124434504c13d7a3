//! `check` the ledger's invariants, and seed a `demo` account.

use super::io::print_json;
use faxcredit::account::{AccountKind, Role};
use faxcredit::db::Db;
use faxcredit::error::{Error, Result};
use faxcredit::ledger;
use faxcredit::time::Timestamp;

pub fn check(path: &faxcredit::db::Location, json: bool) -> Result<i32> {
    let mut db = Db::open(path)?;
    let r = ledger::check(&mut db)?;
    if json {
        print_json(&r)?;
    } else if r.ok() {
        outln!("ok: {} cards, {} faxes, {} activity lines, {} billed", r.cards, r.faxes, r.lines, r.total_billed);
    } else {
        for p in &r.problems {
            eprintln!("faxcredit: check: {p}");
        }
    }
    Ok(if r.ok() { 0 } else { 1 })
}

pub fn demo(
    path: &faxcredit::db::Location,
    faxes: u64,
    kind: String,
    single_card: bool,
    now: Timestamp,
) -> Result<i32> {
    let kind = AccountKind::parse(&kind)?;
    if faxes == 0 || faxes > 10_000_000 {
        return Err(Error::invalid("faxes", "must be 1..=10000000"));
    }
    if single_card && kind == AccountKind::Credit {
        return Err(Error::invalid("single-card", "only a prepaid demo has one large card"));
    }
    let opts = faxcredit::demo::DemoOptions { faxes, kind, single_card, ..Default::default() };
    let (_db, s) = faxcredit::demo::create(path, &opts, now)?;
    outln!(
        "seeded {:?} in {}: {} cards, {} faxes ({} refused then retried); users {} (password {:?}; {} are managers)",
        s.account,
        path,
        s.cards,
        s.faxes,
        s.refused,
        s.users.join(", "),
        s.password,
        faxcredit::demo::DEMO_USERS
            .iter()
            .filter(|(_, r)| *r == Role::Manager)
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(" and "),
    );
    Ok(0)
}
