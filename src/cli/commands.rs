//! One function per CLI command: parse the arguments into core types, call the core, print.

use std::io::{BufRead, IsTerminal, Write};
use std::ops::ControlFlow;

use super::output::{self, CardJson};
use super::{BillArgs, CardCommand, Cli, Command, UserCommand};
use crate::account::{self, Kind, NewAccount, Role};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::import::RecordStatus;
use crate::ledger::{self, ActivityQuery, Outcome, RawFax};
use crate::money;
use crate::time::{parse_ts, Clock, SystemClock, Timestamp};

/// The time at the CLI boundary. `FAXCREDIT_NOW` (RFC 3339) pins it, for tests and replays.
fn now() -> Result<Timestamp> {
    match std::env::var("FAXCREDIT_NOW") {
        Ok(s) if !s.is_empty() => parse_ts(&s, "FAXCREDIT_NOW"),
        _ => Ok(SystemClock.now()),
    }
}

fn card_id(s: &str) -> Result<i64> {
    let t = s.trim().trim_start_matches('#');
    t.strip_prefix("card-")
        .unwrap_or(t)
        .parse::<i64>()
        .map_err(|_| Error::invalid("card", format!("{s:?} is not a card id")))
}

pub(super) fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let s = serde_json::to_string_pretty(v).map_err(|e| Error::Invariant(e.to_string()))?;
    println!("{s}");
    Ok(())
}

/// Reads one secret line: without echo on a terminal, else the first line of stdin.
pub(super) fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password: ").map_err(Error::Io);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub fn run(cli: Cli) -> Result<i32> {
    let path = cli.db.clone().unwrap_or_else(crate::paths::default_db);
    let now = now()?;
    // Every front end that starts first finishes the orders a crash left pending. `bill`, the
    // gateways' hot path, does it on its own connection once the fax is billed.
    let skip =
        matches!(cli.command, Command::Init { .. } | Command::Demo { .. } | Command::Check { .. } | Command::Bill(_));
    if !skip && path.exists() {
        if let Ok(mut db) = Db::open(&path) {
            if crate::account::account(&db).is_ok() {
                super::secrets::reconcile(&mut db);
            }
        }
    }
    match cli.command {
        Command::Init { name, kind, email, currency, credit_limit } => {
            let kind = Kind::parse(&kind)?;
            let credit_limit = credit_limit.map(|c| money::parse_amount(&c, "credit-limit")).transpose()?;
            let new = NewAccount { name, kind, email, currency, credit_limit };
            // Validate before creating any file, so bad input leaves nothing behind.
            let mut probe = Db::in_memory()?;
            account::create_account(&mut probe, &new, now)?;
            let existed = path.exists();
            let mut db = Db::create(&path)?;
            match account::create_account(&mut db, &new, now) {
                Ok(a) => {
                    println!("created {} account {:?} ({}) in {}", a.kind.as_str(), a.name, a.currency, path.display())
                }
                Err(e) => {
                    drop(db);
                    if !existed {
                        remove_db_files(&path);
                    }
                    return Err(e);
                }
            }
        }
        Command::User(UserCommand::Add { name, role }) => {
            let role = Role::parse(&role)?;
            let mut db = Db::open(&path)?;
            account::account(&db)?;
            let password = read_password()?;
            let u = account::add_user(&mut db, &name, role, &password, now)?;
            println!("added {} {}", u.role.as_str(), u.name);
        }
        Command::User(UserCommand::List) => {
            let db = Db::open(&path)?;
            let rows: Vec<Vec<String>> = account::users(&db)?
                .into_iter()
                .map(|u| {
                    let role = if u.login { u.role.as_str() } else { "fax sender (no login)" };
                    vec![u.name, role.into()]
                })
                .collect();
            print!("{}", output::table(&["USER", "ROLE"], &[false, false], &rows));
        }
        Command::Card(CardCommand::Apply { value, bonus }) => {
            let value = money::parse_amount(&value, "value")?;
            let bonus = money::parse_amount(&bonus, "bonus")?;
            let mut db = Db::open(&path)?;
            let c = ledger::apply_card(&mut db, value, bonus, now)?;
            println!("applied card {}: {} ({} + {} bonus)", c.id, c.original_balance, c.face_value, c.bonus);
        }
        Command::Cards { json } => {
            let mut db = Db::open(&path)?;
            ledger::cards::roll_credit_month(&mut db, now)?;
            let cards = ledger::cards(&mut db)?;
            if json {
                print_json(&cards.iter().map(CardJson::from).collect::<Vec<_>>())?;
            } else if cards.is_empty() {
                println!("no cards yet");
            } else {
                print!("{}", output::cards_table(&cards));
            }
        }
        Command::Bill(args) => return bill(&path, args, now),
        Command::PaymentCard(cmd) => return super::purchase::payment_card(&path, cmd, now),
        Command::Packages { json } => return super::purchase::packages(&path, json),
        Command::Purchase { package, key } => return super::purchase::purchase(&path, &package, key),
        Command::Orders { command, json } => return super::purchase::orders(&path, command, json),
        Command::RepeatOrder(cmd) => return super::repeat::run(&path, cmd, now),
        Command::Email(cmd) => return super::email::email(&path, cmd, now),
        Command::Outbox { deliver, json } => return super::email::outbox(&path, deliver, json),
        Command::Import { file, json } => return import(&path, &file, json, now),
        Command::Activity { card, json, limit, user, from, to } => {
            let mut db = Db::open(&path)?;
            let filtered = user.is_some() || from.is_some() || to.is_some();
            let mut q = ActivityQuery {
                card_id: card_id(&card)?,
                before: None,
                limit: 1_000,
                user,
                from: from.map(|s| parse_ts(&s, "from")).transpose()?,
                to: to.map(|s| parse_ts(&s, "to")).transpose()?,
                ..ActivityQuery::default()
            };
            let mut left = limit.unwrap_or(u64::MAX);
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut first = true;
            loop {
                q.limit = left.min(1_000) as i64;
                if q.limit == 0 {
                    break;
                }
                let page = ledger::activity_page(&mut db, &q)?;
                if first {
                    if !json {
                        let c = &page.card;
                        writeln!(
                            out,
                            "card {}: {} lines, used {} of {} ({}%), balance {}",
                            c.id, c.lines, c.used, c.original_balance, c.percent_used, c.balance
                        )?;
                        if page.lines.is_empty() {
                            if filtered && c.lines > 0 {
                                writeln!(out, "no fax on this card matches the filter")?;
                            } else {
                                writeln!(out, "no faxes have been billed to this card")?;
                            }
                        }
                    }
                    first = false;
                }
                if json {
                    for l in &page.lines {
                        serde_json::to_writer(&mut out, l).map_err(|e| Error::Invariant(e.to_string()))?;
                        writeln!(out)?;
                    }
                } else if !page.lines.is_empty() {
                    write!(
                        out,
                        "{}",
                        output::table(
                            &output::ACTIVITY_HEADERS,
                            &output::ACTIVITY_RIGHT,
                            &output::activity_rows(&page.lines)
                        )
                    )?;
                }
                left -= page.lines.len() as u64;
                match page.next_before {
                    Some(b) => q.before = Some(b),
                    None => break,
                }
            }
            out.flush()?;
        }
        Command::Export { card, out } => {
            let mut db = Db::open(&path)?;
            let id = card_id(&card)?;
            let s = crate::export::export_card(&mut db, id, &out, &mut |_| ControlFlow::Continue(()))?;
            println!("exported {} lines of card {} to {}", s.rows, s.card_id, s.path.display());
        }
        Command::Attempts { json } => {
            let db = Db::open(&path)?;
            let a = ledger::bill::attempts(&db, 1_000)?;
            if json {
                print_json(&a)?;
            } else {
                let rows: Vec<Vec<String>> = a
                    .iter()
                    .map(|a| {
                        vec![
                            a.at.clone(),
                            a.fax_id.clone(),
                            a.user.clone(),
                            a.destination.clone(),
                            a.cost.to_string(),
                            a.available.to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    output::table(
                        &["AT", "FAX", "USER", "DESTINATION", "COST", "AVAILABLE"],
                        &[false, false, false, false, true, true],
                        &rows
                    )
                );
            }
        }
        Command::Check { json } => {
            let mut db = Db::open(&path)?;
            let r = ledger::check(&mut db)?;
            if json {
                print_json(&r)?;
            } else if r.ok() {
                println!(
                    "ok: {} cards, {} faxes, {} activity lines, {} billed",
                    r.cards, r.faxes, r.lines, r.total_billed
                );
            } else {
                for p in &r.problems {
                    eprintln!("faxcredit: check: {p}");
                }
            }
            return Ok(if r.ok() { 0 } else { 1 });
        }
        Command::Demo { faxes, kind, single_card } => {
            let kind = Kind::parse(&kind)?;
            if faxes == 0 || faxes > 10_000_000 {
                return Err(Error::invalid("faxes", "must be 1..=10000000"));
            }
            if path.exists() {
                let db = Db::open(&path)?;
                if let Ok(a) = account::account(&db) {
                    return Err(Error::AlreadyInitialized(a.name));
                }
            }
            let mut db = Db::create(&path)?;
            if single_card && kind == Kind::Credit {
                return Err(Error::invalid("single-card", "only a prepaid demo has one large card"));
            }
            let opts = crate::demo::DemoOptions { faxes, kind, single_card, ..Default::default() };
            let s = crate::demo::seed(&mut db, &opts, now)?;
            println!(
                "seeded {:?} in {}: {} cards, {} faxes ({} refused then retried); users {} (password {:?}; {} are managers)",
                s.account,
                path.display(),
                s.cards,
                s.faxes,
                s.refused,
                s.users.join(", "),
                s.password,
                crate::demo::DEMO_USERS.iter().filter(|(_, r)| *r == Role::Manager).map(|(n, _)| *n).collect::<Vec<_>>().join(" and "),
            );
        }
    }
    Ok(0)
}

fn remove_db_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn bill(path: &std::path::Path, args: BillArgs, now: Timestamp) -> Result<i32> {
    let record = match args.json {
        Some(j) => RawFax::from_json(&j)?.read()?,
        // Without --at the fax is stamped with the time it is billed, and the stamp is not
        // compared with a fax billed before: a gateway's retry of the same command is `exists`.
        None => RawFax {
            id: args.id,
            user_id: args.user,
            destination_fax: args.to,
            submit_time: args.at,
            pages_sent: args.pages.clone(),
            pages_submitted: args.pages,
            duration: args.duration,
            subject: args.subject,
            ..RawFax::default()
        }
        .read_stamped(now)?,
    };
    let mut db = Db::open(path)?;
    let outcome = ledger::bill_record(&mut db, &record, now);
    // A fax that took a card to 95% may have placed a repeat order, and a crash may have left
    // one pending: charge them now, whether this fax was billed or refused.
    super::secrets::reconcile(&mut db);
    match outcome? {
        Outcome::Billed { fax_id, cost, lines, closed_cards, .. } => {
            let parts: Vec<String> = lines.iter().map(|l| format!("{} on card {}", l.amount, l.card_id)).collect();
            println!("billed fax {fax_id}: {cost} ({})", parts.join(", "));
            for c in closed_cards {
                println!("card {c} is used up and closed");
            }
        }
        Outcome::Exists { fax_id } => {
            println!("exists: fax {fax_id} was already billed with these fields; nothing changed")
        }
        Outcome::Pending { fax_id, status } => {
            println!(
                "pending: fax {fax_id} is still in process (status {status}); nothing billed until it has completed"
            )
        }
        Outcome::Refused { .. } => unreachable_refusal()?,
    }
    Ok(0)
}

fn unreachable_refusal() -> Result<()> {
    Err(Error::Invariant("a refusal was returned as success".into()))
}

fn import(path: &std::path::Path, file: &std::path::Path, json: bool, now: Timestamp) -> Result<i32> {
    let mut db = Db::open(path)?;
    let mut err = std::io::stderr().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let summary = crate::import::import_file_with(
        &mut db,
        file,
        now,
        &mut |r| {
            if json {
                let _ = serde_json::to_writer(&mut out, r);
                let _ = writeln!(out);
            } else if !matches!(r.status, RecordStatus::Billed | RecordStatus::Exists) {
                let _ = writeln!(
                    err,
                    "faxcredit: line {}{}: {} [{}]",
                    r.line,
                    r.fax_id.as_ref().map(|i| format!(" (fax {i})")).unwrap_or_default(),
                    r.message.as_deref().unwrap_or(""),
                    // Pending, the one outcome named here that is not an error, has no code.
                    r.code.as_deref().unwrap_or("pending")
                );
            }
        },
        &mut |db| {
            super::secrets::reconcile(db);
        },
    )?;
    if !json {
        let currency = account::account(&db)?.currency;
        writeln!(
            out,
            "{} records: {} billed ({} {currency}), {} exists (billed before), {} pending (in process), \
             {} refused (205000 - Quota Exceeded), {} exists with different fields, {} invalid",
            summary.records,
            summary.billed,
            summary.amount_billed,
            summary.exists,
            summary.pending,
            summary.refused,
            summary.different,
            summary.invalid
        )?;
    }
    out.flush()?;
    // The worst problem decides the exit code: bad input, then conflicts, then quota; billed,
    // exists and pending records are all done (0).
    Ok(if summary.invalid > 0 {
        2
    } else if summary.different > 0 {
        4
    } else if summary.refused > 0 {
        3
    } else {
        0
    })
}
