//! The demo account: a realistic seeded law firm with several users, cards of several packages
//! (depleted, active, queued) and months of faxes to many destinations. Deterministic for a
//! given seed and `now`, so screenshots and tests are repeatable.

use std::path::Path;

use chrono::Duration;
use serde::Serialize;

use crate::account::{self, AccountKind, NewAccount, Role};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ledger::bill::Outcome;
use crate::ledger::biller::Biller;
use crate::ledger::cards::{ensure_month_card, insert_card};
use crate::ledger::record::RawFax;
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

/// Seeds a fresh database with the demo account. One long function on purpose: it is the demo
/// account's script, read top to bottom (account, users, cards, faxes, orders, outbox).
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
    {
        let hash = account::hash_for_seed(DEMO_PASSWORD)?;
        let tx = db.sqlite_write()?;
        for (name, role) in DEMO_USERS {
            account::insert_user(crate::sql::Conn::from(&tx), name, *role, &hash, start)?;
        }
        tx.commit()?;
    }

    let mut rng = Rng(opts.seed);
    // A pool of recurring destinations, as real offices fax the same places again and again.
    let weights: u64 = PLACES.iter().map(|p| p.2).sum();
    let pool: Vec<String> = (0..400)
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
        .collect();
    let senders: Vec<&str> = DEMO_USERS
        .iter()
        .flat_map(|(n, r)| {
            let w = if *r == Role::Manager { 1 } else { 3 };
            std::iter::repeat_n(*n, w)
        })
        .collect();

    let mut next_package = 0usize;
    let mut refused = 0u64;
    let span = (now - start).num_seconds().max(1) - 3_600;
    let total = opts.faxes.max(1);
    let mut i: u64 = 0;
    let mut queued_extra = false;
    while i < total {
        let tx = db.sqlite_write()?;
        {
            let mut reactions = crate::billing::reactions();
            let zone = crate::account::time_zone(crate::sql::Conn::from(&tx))?;
            let mut biller = Biller::new(crate::sql::Conn::from(&tx), &mut reactions)?;
            if opts.kind == AccountKind::Prepaid && i == 0 {
                if opts.single_card {
                    // Room for every fax: the largest demo fax costs well under 25.00.
                    let face =
                        i64::try_from(total).unwrap_or(i64::MAX / 1_000_000).saturating_mul(25 * crate::money::ONE);
                    insert_card(crate::sql::Conn::from(&tx), face, 0, None, "applied", None, start)?;
                } else {
                    apply_next(&tx, &mut next_package, start)?;
                }
                biller.cards_changed();
            }
            let end = (i + 5_000).min(total);
            while i < end {
                let offset = (span as i128 * i as i128 / total as i128) as i64 + rng.below(600) as i64;
                let submit = start + Duration::seconds(offset);
                let raw = demo_fax(&mut rng, i, submit, &pool, &senders);
                let fax = raw.validate()?;
                let billed_at = fax.completion_time.unwrap_or(fax.submit_time);
                if opts.kind == AccountKind::Credit {
                    ensure_month_card(crate::sql::Conn::from(&tx), &zone, billed_at)?;
                    biller.cards_changed();
                }
                if opts.kind == AccountKind::Prepaid && !opts.single_card && !queued_extra && i * 1000 >= total * 995 {
                    // Near the end the manager bought one card ahead: it waits, queued.
                    apply_next(&tx, &mut next_package, billed_at)?;
                    biller.cards_changed();
                    queued_extra = true;
                }
                match biller.bill(&fax, billed_at)? {
                    Outcome::Refused { .. } if opts.kind == AccountKind::Prepaid => {
                        // The card ran dry: the fax was refused (205000), the manager bought the
                        // next card, and the gateway sent the fax again.
                        refused += 1;
                        apply_next(&tx, &mut next_package, billed_at)?;
                        biller.cards_changed();
                        let retry = biller.bill(&fax, billed_at + Duration::minutes(20))?;
                        if !matches!(retry, Outcome::Billed { .. }) {
                            return Err(Error::Invariant(format!("demo fax {} could not be billed", fax.id)));
                        }
                    }
                    Outcome::Refused { .. } => refused += 1,
                    _ => {}
                }
                i += 1;
            }
            biller.finish()?;
        }
        // The history's notifications were delivered back then; the demo sends none of them now.
        tx.execute(
            "UPDATE outbox SET state = 'sent', sent_at = created_at, server_reply = '250 OK (demo history: delivered when it happened)'",
            [],
        )?;
        tx.commit()?;
    }
    let cards: i64 = db.sqlite()?.query_row("SELECT count(*) FROM cards", [], |r| r.get(0))?;
    Ok(DemoSummary {
        account: name.into(),
        users: DEMO_USERS.iter().map(|(n, _)| n.to_string()).collect(),
        password: DEMO_PASSWORD.into(),
        cards,
        faxes: total,
        refused,
    })
}

fn apply_next(tx: &rusqlite::Transaction<'_>, next: &mut usize, at: Timestamp) -> Result<()> {
    let name = PACKAGES[*next % PACKAGES.len()];
    *next += 1;
    let p = crate::catalog::find_package(crate::sql::Conn::from(tx), name)?;
    let face = crate::money::to_units(p.face_value, "face")?;
    let bonus = crate::money::to_units(p.bonus, "bonus")?;
    insert_card(crate::sql::Conn::from(tx), face, bonus, Some(&p.name), "applied", None, at)?;
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
