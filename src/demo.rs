//! The demo account: a realistic seeded law firm with several users, cards of several packages
//! (depleted, active, queued) and months of faxes to many destinations. Deterministic for a
//! given seed and `now`, so screenshots and tests are repeatable.

use std::path::Path;

use chrono::Duration;
use serde::Serialize;

use crate::account::{self, AccountKind, NewAccount, Role};
use crate::db::{Db, Location};
use crate::error::{Error, Result};
use crate::ledger::bill::Outcome;
use crate::ledger::biller::Biller;
use crate::ledger::cards::{ensure_month_card, insert_card};
use crate::ledger::record::RawFax;
use crate::sql::Conn;
use crate::time::{fmt_ts, Timestamp};

/// Every demo user's password (shown on the login screen of the demo).
pub const DEMO_PASSWORD: &str = "demo-pass";

/// (name, role): the managers first.
pub const DEMO_USERS: &[(&str, Role)] = &[
    ("alice", Role::Manager),
    ("bruno", Role::Manager),
    ("carmen", Role::User),
    ("dmitri", Role::User),
    ("erin", Role::User),
    ("farid", Role::User),
    ("grace", Role::User),
];

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub faxes: u64,
    pub kind: AccountKind,
    pub seed: u64,
    /// How far back the history starts.
    pub days: i64,
    /// Put every fax on one large card (for measuring a card of a million lines).
    pub single_card: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { faxes: 6_000, kind: AccountKind::Prepaid, seed: 0x05ee_dfa7, days: 180, single_card: false }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub account: String,
    pub users: Vec<String>,
    pub password: String,
    pub cards: i64,
    pub faxes: u64,
    pub refused: u64,
}

/// splitmix64: a few lines of our own are enough for repeatable demo data.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

/// (country code + area, subscriber digits, weight).
const PLACES: &[(&str, usize, u64)] = &[
    ("1212", 7, 14),
    ("1415", 7, 9),
    ("1312", 7, 8),
    ("1617", 7, 7),
    ("1202", 7, 8),
    ("1305", 7, 4),
    ("1713", 7, 4),
    ("1206", 7, 3),
    ("1416", 7, 4),
    ("1604", 7, 2),
    ("4420", 8, 6),
    ("44161", 7, 2),
    ("4930", 8, 3),
    ("4989", 8, 2),
    ("331", 8, 3),
    ("3531", 7, 2),
    ("3120", 7, 2),
    ("612", 8, 3),
    ("813", 8, 2),
    ("5511", 8, 1),
    ("9122", 8, 1),
    ("5255", 8, 1),
    ("656", 7, 1),
];

const SUBJECTS: &[&str] = &[
    "Signed engagement letter",
    "Invoice",
    "Court filing - motion to dismiss",
    "Purchase order",
    "Medical records request",
    "NDA (countersigned)",
    "Deposition notice",
    "Lease amendment",
    "Wire instructions",
    "Settlement agreement",
    "Subpoena response",
    "Closing documents",
    "Power of attorney",
    "Notice of appeal",
    "Expert report",
    "Re: your fax of Monday",
];

const PACKAGES: &[&str] = &["Business", "Standard", "Pro", "Business", "Enterprise", "Pro", "Standard", "Business"];

/// Opens the demo database at `path`, creating and seeding it on first use.
pub fn open_or_create(path: &Path, now: Timestamp) -> Result<Db> {
    let mut db = Db::create(path)?;
    match account::account(&db) {
        Ok(_) => Ok(db),
        Err(Error::NotInitialized) => {
            seed(&mut db, &DemoOptions::default(), now)?;
            Ok(db)
        }
        Err(e) => Err(e),
    }
}

/// Creates the demo ledger at `at` and seeds it (`faxcredit demo`). A ledger that holds an
/// account is refused (`already_initialized`), and so, on PostgreSQL, is a schema that holds
/// anything at all: the demo writes only into a new or empty place.
pub fn create(at: &Location, opts: &DemoOptions, now: Timestamp) -> Result<(Db, DemoSummary)> {
    let existing = match at {
        Location::File(path) if !path.exists() => None,
        _ => match Db::open(at) {
            Ok(db) => Some(db),
            // A PostgreSQL schema that holds no ledger (it may not exist yet).
            Err(Error::NoDatabase(_)) if at.file().is_none() => None,
            Err(e) => return Err(e),
        },
    };
    if let Some(db) = &existing {
        if let Ok(a) = account::account(db) {
            return Err(Error::AlreadyInitialized(a.name));
        }
    }
    drop(existing);
    let mut db = match at {
        Location::File(path) => Db::create(path)?,
        Location::Postgres(_) => Db::create_in_empty_schema(at)?,
    };
    let summary = seed(&mut db, opts, now)?;
    Ok((db, summary))
}

/// Where the seeding is between two transactions: what each batch of faxes reads and leaves
/// for the next. A batch's transaction starts from a copy, so that on PostgreSQL a batch that
/// runs again (a serialization failure) draws the same faxes.
#[derive(Clone)]
struct Progress {
    rng: Rng,
    /// Faxes seeded so far.
    done: u64,
    next_package: usize,
    refused: u64,
    queued_extra: bool,
}

/// What every batch shares: the options, the time span and the pools to draw from.
struct Plan<'a> {
    opts: &'a DemoOptions,
    start: Timestamp,
    span: i64,
    total: u64,
    pool: Vec<String>,
    senders: Vec<&'static str>,
}

/// Faxes per write transaction while seeding.
const SEED_BATCH: u64 = 5_000;

/// Seeds a fresh database with the demo account: the account, its users, then the faxes in
/// batches of one write transaction each (the cards are applied as they run out).
pub fn seed(db: &mut Db, opts: &DemoOptions, now: Timestamp) -> Result<DemoSummary> {
    use chrono::SubsecRound;
    let now = now.trunc_subsecs(0);
    let start = now - Duration::days(opts.days.max(1));
    let (name, email) = match opts.kind {
        AccountKind::Prepaid => ("Northwind Legal LLP", "billing@northwind-legal.example"),
        AccountKind::Credit => ("Harbor Medical Group", "accounts@harbor-medical.example"),
    };
    crate::setup::create_account(
        db,
        &NewAccount {
            name: name.into(),
            kind: opts.kind,
            email: email.into(),
            currency: "USD".into(),
            credit_limit: (opts.kind == AccountKind::Credit).then(|| rust_decimal::Decimal::new(400, 0)),
        },
        start,
    )?;
    let hash = account::hash_for_seed(DEMO_PASSWORD)?;
    db.write(|tx| {
        for (name, role) in DEMO_USERS {
            account::insert_user(tx, name, *role, &hash, start)?;
        }
        Ok(())
    })?;

    let mut rng = Rng(opts.seed);
    let pool = destinations(&mut rng);
    let senders: Vec<&'static str> = DEMO_USERS
        .iter()
        .flat_map(|(n, r)| {
            let w = if *r == Role::Manager { 1 } else { 3 };
            std::iter::repeat_n(*n, w)
        })
        .collect();
    let plan =
        Plan { opts, start, span: (now - start).num_seconds().max(1) - 3_600, total: opts.faxes.max(1), pool, senders };
    let mut at = Progress { rng, done: 0, next_package: 0, refused: 0, queued_extra: false };
    while at.done < plan.total {
        at = db.write(|tx| seed_batch(tx, &plan, at.clone()))?;
    }
    let cards: i64 = db.conn().query_row("SELECT count(*) FROM cards", &[], |r| r.get(0))?;
    Ok(DemoSummary {
        account: name.into(),
        users: DEMO_USERS.iter().map(|(n, _)| n.to_string()).collect(),
        password: DEMO_PASSWORD.into(),
        cards,
        faxes: plan.total,
        refused: at.refused,
    })
}

/// A pool of recurring destinations, as real offices fax the same places again and again.
fn destinations(rng: &mut Rng) -> Vec<String> {
    let weights: u64 = PLACES.iter().map(|p| p.2).sum();
    (0..400)
        .map(|_| {
            let mut w = rng.below(weights);
            let place = PLACES.iter().find(|p| {
                if w < p.2 {
                    true
                } else {
                    w -= p.2;
                    false
                }
            });
            let (prefix, n, _) = place.unwrap_or(&PLACES[0]);
            let mut s = format!("+{prefix}");
            s.push(char::from(b'2' + rng.below(7) as u8));
            for _ in 1..*n {
                s.push(char::from(b'0' + rng.below(10) as u8));
            }
            s
        })
        .collect()
}

/// One write transaction of the seeding: up to [`SEED_BATCH`] faxes from where `at` left off.
/// Long because it is the demo's story, read top to bottom: the first card, a month's card on
/// a credit account, the card bought ahead near the end, and the card bought when one ran dry.
fn seed_batch(tx: Conn<'_>, plan: &Plan<'_>, mut at: Progress) -> Result<Progress> {
    let opts = plan.opts;
    let mut reactions = crate::billing::reactions();
    let zone = crate::account::time_zone(tx)?;
    let mut biller = Biller::new(tx, &mut reactions)?;
    if opts.kind == AccountKind::Prepaid && at.done == 0 {
        if opts.single_card {
            // Room for every fax: the largest demo fax costs well under 25.00.
            let face = i64::try_from(plan.total).unwrap_or(i64::MAX / 1_000_000).saturating_mul(25 * crate::money::ONE);
            insert_card(tx, face, 0, None, "applied", None, plan.start)?;
        } else {
            apply_next(tx, &mut at.next_package, plan.start)?;
        }
        biller.cards_changed();
    }
    let end = (at.done + SEED_BATCH).min(plan.total);
    while at.done < end {
        let i = at.done;
        let offset = (plan.span as i128 * i as i128 / plan.total as i128) as i64 + at.rng.below(600) as i64;
        let submit = plan.start + Duration::seconds(offset);
        let fax = demo_fax(&mut at.rng, i, submit, &plan.pool, &plan.senders).validate()?;
        let billed_at = fax.completion_time.unwrap_or(fax.submit_time);
        if opts.kind == AccountKind::Credit {
            ensure_month_card(tx, &zone, billed_at)?;
            biller.cards_changed();
        }
        if opts.kind == AccountKind::Prepaid && !opts.single_card && !at.queued_extra && i * 1000 >= plan.total * 995 {
            // Near the end the manager bought one card ahead: it waits, queued.
            apply_next(tx, &mut at.next_package, billed_at)?;
            biller.cards_changed();
            at.queued_extra = true;
        }
        match biller.bill(&fax, billed_at)? {
            Outcome::Refused { .. } if opts.kind == AccountKind::Prepaid => {
                // The card ran dry: the fax was refused (205000), the manager bought the
                // next card, and the gateway sent the fax again.
                at.refused += 1;
                apply_next(tx, &mut at.next_package, billed_at)?;
                biller.cards_changed();
                let retry = biller.bill(&fax, billed_at + Duration::minutes(20))?;
                if !matches!(retry, Outcome::Billed { .. }) {
                    return Err(Error::Invariant(format!("demo fax {} could not be billed", fax.id)));
                }
            }
            Outcome::Refused { .. } => at.refused += 1,
            _ => {}
        }
        at.done += 1;
    }
    biller.finish()?;
    // The history's notifications were delivered back then; the demo sends none of them now.
    tx.execute(
        "UPDATE outbox SET state = 'sent', sent_at = created_at, server_reply = '250 OK (demo history: delivered when it happened)'",
        &[],
    )?;
    Ok(at)
}

fn apply_next(tx: Conn<'_>, next: &mut usize, at: Timestamp) -> Result<()> {
    let name = PACKAGES[*next % PACKAGES.len()];
    *next += 1;
    let p = crate::catalog::find_package(tx, name)?;
    let face = crate::money::to_units(p.face_value, "face")?;
    let bonus = crate::money::to_units(p.bonus, "bonus")?;
    insert_card(tx, face, bonus, Some(&p.name), "applied", None, at)?;
    Ok(())
}

fn demo_fax(rng: &mut Rng, i: u64, submit: Timestamp, pool: &[String], senders: &[&str]) -> RawFax {
    let pages_submitted = match rng.below(100) {
        0..=44 => 1 + rng.below(2),
        45..=84 => 2 + rng.below(5),
        85..=97 => 6 + rng.below(15),
        _ => 20 + rng.below(40),
    } as i64;
    let failed = rng.below(100) < 3;
    let (status, pages_sent) = if failed {
        // Failure codes whose meaning InterFAX publishes (busy, telephony errors, internal
        // error), so the demo shows what a manager would read about them.
        (*rng.pick(&[263i64, 2, 12, 1]), rng.below(pages_submitted as u64) as i64)
    } else {
        (0, pages_submitted)
    };
    let duration = pages_sent * (22 + rng.below(25) as i64) + 8;
    let completion = submit + Duration::seconds(duration + 5 + rng.below(90) as i64);
    // One record in ten comes from a gateway log that carries its own price.
    let (units, cpu) =
        if rng.below(10) == 0 { (Some(pages_sent.to_string()), Some("0.0900".to_string())) } else { (None, None) };
    RawFax {
        id: Some(format!("{}", 1_480_000_000 + i)),
        user_id: Some(rng.pick(senders).to_string()),
        destination_fax: Some(rng.pick(pool).clone()),
        submit_time: Some(fmt_ts(&submit)),
        completion_time: Some(fmt_ts(&completion)),
        pages_submitted: Some(pages_submitted.to_string()),
        pages_sent: Some(pages_sent.to_string()),
        duration: Some(duration.to_string()),
        units,
        cost_per_unit: cpu,
        status: Some(status.to_string()),
        subject: if rng.below(5) == 0 { None } else { Some(rng.pick(SUBJECTS).to_string()) },
        attempts_made: Some((1 + u64::from(rng.below(10) == 0) + u64::from(failed)).to_string()),
    }
}
