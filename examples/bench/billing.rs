//! Billing one fax per durable transaction: against bare SQLite doing one INSERT, against bare
//! SQLite doing the same writes, and on a card of a million lines against an empty card.

use std::path::Path;
use std::time::Instant;

use faxcredit::account::{self, AccountKind, NewAccount, Role};
use faxcredit::ledger::{self, Outcome, RawFax};
use faxcredit::Db;

use super::{card, now, Figure, Sizes};

/// A prepaid account with user bob and one card big enough for everything, in a file or a
/// PostgreSQL schema.
pub fn fresh(at: impl Into<faxcredit::db::Location>) -> Db {
    let mut db = Db::create(at).expect("db");
    let new = NewAccount {
        name: "Bench".into(),
        kind: AccountKind::Prepaid,
        email: "bench@example.com".into(),
        currency: "USD".into(),
        credit_limit: None,
    };
    faxcredit::setup::create_account(&mut db, &new, now()).expect("account");
    account::add_user(&mut db, "bob", Role::User, "bench-password", now()).expect("user");
    ledger::apply_card(&mut db, "100000000".parse().expect("d"), "0".parse().expect("d"), now()).expect("card");
    db
}

fn raw(user: &str, prefix: &str, i: usize) -> RawFax {
    RawFax {
        id: Some(format!("{prefix}{i}")),
        user_id: Some(user.into()),
        destination_fax: Some("+12125550100".into()),
        submit_time: Some("2026-11-24T09:00:00Z".into()),
        pages_sent: Some("3".into()),
        ..RawFax::default()
    }
}

pub fn fax(user: &str, prefix: &str, i: usize) -> ledger::Fax {
    raw(user, prefix, i).validate().expect("fax")
}

/// The cards a billing outcome took money from; anything but `Billed` stops the run, since a
/// refused or repeated fax would time another path than the one the figure names.
fn billed_cards(outcome: &faxcredit::Result<Outcome>) -> Vec<i64> {
    match outcome {
        Ok(Outcome::Billed { lines, .. }) => lines.iter().map(|l| l.card_id).collect(),
        other => panic!("bench: a fax was not billed: {other:?}"),
    }
}

fn count(conn: &rusqlite::Connection, table: &str) -> usize {
    let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).expect("count");
    usize::try_from(n).expect("count")
}

/// The reference of billing: the same pragmas, one bare INSERT of an equivalent row per transaction.
pub fn bare(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("bare");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE IF NOT EXISTS faxes (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, user_id INTEGER,
           destination TEXT, submit_time TEXT, pages_sent INTEGER, units INTEGER, cost_per_unit INTEGER, cost INTEGER,
           billed_at TEXT);",
    )
    .expect("schema");
    conn
}

/// The reference's fax row, inserted in `tx`; returns its seq.
fn bare_fax_row(tx: &rusqlite::Transaction<'_>, id: &str) -> i64 {
    let n = tx
        .prepare_cached(
            "INSERT INTO faxes (id, user_id, destination, submit_time, pages_sent, units, cost_per_unit, cost, billed_at)
             VALUES (?1, 1, '+12125550100', '2026-11-24T09:00:00Z', 3, 30000, 1000, 3000, '2026-11-24T10:00:00Z')",
        )
        .expect("prepare")
        .execute([id])
        .expect("insert");
    assert_eq!(n, 1, "bench: the reference inserted its row");
    tx.last_insert_rowid()
}

fn bare_insert(conn: &rusqlite::Connection, id: &str) {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate).expect("tx");
    bare_fax_row(&tx, id);
    tx.commit().expect("commit");
}

/// The same writes as billing a fax, done bare: the fax row (and its id index), an activity
/// line keyed (card, n), the card's use and the quarter hour's spend, one transaction, same
/// pragmas.
/// The floor SQLite itself sets for the pages a billed fax must write.
fn bare_same_writes(path: &Path) -> rusqlite::Connection {
    let conn = bare(path);
    conn.execute_batch(
        "CREATE TABLE lines (card_id INTEGER, n INTEGER, fax_seq INTEGER, amount INTEGER, split INTEGER,
           submit_time TEXT, PRIMARY KEY (card_id, n)) WITHOUT ROWID;
         CREATE INDEX lines_by_time ON lines(card_id, submit_time, n);
         CREATE TABLE cards (id INTEGER PRIMARY KEY, used INTEGER, lines INTEGER);
         INSERT INTO cards VALUES (1001, 0, 0);
         CREATE TABLE quarters (start TEXT PRIMARY KEY, amount INTEGER, faxes INTEGER) WITHOUT ROWID;",
    )
    .expect("schema");
    conn
}

fn bare_same_writes_fax(conn: &rusqlite::Connection, id: &str, n: usize) {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate).expect("tx");
    let seq = bare_fax_row(&tx, id);
    tx.prepare_cached("INSERT INTO lines VALUES (1001, ?1, ?2, 3000, 0, '2026-11-24T09:00:00Z')")
        .expect("prepare")
        .execute(rusqlite::params![n as i64 + 1, seq])
        .expect("line");
    tx.prepare_cached("UPDATE cards SET used = used + 3000, lines = lines + 1 WHERE id = 1001")
        .expect("prepare")
        .execute([])
        .expect("card");
    tx.prepare_cached(
        "INSERT INTO quarters VALUES ('2026-11-24T09:00:00Z', 3000, 1)
         ON CONFLICT (start) DO UPDATE SET amount = amount + 3000, faxes = faxes + 1",
    )
    .expect("prepare")
    .execute([])
    .expect("quarter");
    tx.commit().expect("commit");
}

/// `bill_durable` (against one bare INSERT per transaction, the reference) and
/// `bill_same_writes` (against the same pages written bare), all three alternating.
pub fn bill_durable(dir: &Path, s: &Sizes) -> [Figure; 2] {
    let mut db = fresh(dir.join("bill.db").as_path());
    let conn = bare(&dir.join("bare.db"));
    let same = bare_same_writes(&dir.join("bare-same.db"));
    let per_round = s.bill / s.rounds;
    let (mut ours, mut refs, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    let mut n = 0;
    for _ in 0..s.rounds {
        let faxes: Vec<_> = (0..per_round).map(|i| fax("bob", "B", n + i)).collect();
        let t = Instant::now();
        let outcomes: Vec<_> = faxes.iter().map(|f| faxcredit::billing::bill(&mut db, f, now())).collect();
        ours.push(t.elapsed().as_secs_f64() * 1e6 / per_round as f64);
        for o in &outcomes {
            assert_eq!(billed_cards(o), [1001], "bench: every fax billed to the one card");
        }
        let t = Instant::now();
        for i in 0..per_round {
            bare_insert(&conn, &format!("B{}", n + i));
        }
        refs.push(t.elapsed().as_secs_f64() * 1e6 / per_round as f64);
        let t = Instant::now();
        for i in 0..per_round {
            bare_same_writes_fax(&same, &format!("B{}", n + i), n + i);
        }
        floor.push(t.elapsed().as_secs_f64() * 1e6 / per_round as f64);
        n += per_round;
    }
    assert_eq!(count(db.sqlite().unwrap(), "faxes"), n, "bench: every fax is in the ledger");
    assert_eq!((count(&conn, "faxes"), count(&same, "lines")), (n, n), "bench: every reference row was written");
    let checked = "each fax Billed to the one card; all rows counted on all three sides";
    [
        Figure::against(
            "bill_durable",
            "µs/fax",
            &ours,
            &refs,
            "bare rusqlite INSERT per transaction",
            "ratio ≤ 1.25",
            |r| r <= 1.25,
        )
        .checked(checked),
        Figure::against(
            "bill_same_writes",
            "µs/fax",
            &ours,
            &floor,
            "the same 5 b-tree writes per transaction, bare",
            "ratio ≤ 1.25",
            |r| r <= 1.25,
        )
        .checked(checked),
    ]
}

/// One ledger of `bill_scaling`: its seeded size and the card its timed faxes go to.
struct Scale {
    db: Db,
    user: String,
    card: i64,
    lines_at_start: i64,
    per_fax: Vec<f64>,
}

/// Billing on a card that already holds `scaling[2]` lines, against the same account billing on
/// an empty card; every card is funded for the whole run and each size is timed in turn, round
/// after round (the order reversed every other round).
pub fn bill_scaling(dir: &Path, s: &Sizes) -> Figure {
    let per_round = (s.bill / s.rounds / 2).max(1);
    let mut scales: Vec<Scale> = s.scaling.iter().map(|&lines| prepare_scale(dir, lines, s, per_round)).collect();
    for round in 0..s.rounds {
        let order: Vec<usize> =
            if round % 2 == 0 { (0..scales.len()).collect() } else { (0..scales.len()).rev().collect() };
        for k in order {
            let sc = &mut scales[k];
            let faxes: Vec<_> = (0..per_round).map(|i| fax(&sc.user, &format!("S{round}-"), i)).collect();
            let t = Instant::now();
            let outcomes: Vec<_> = faxes.iter().map(|f| faxcredit::billing::bill(&mut sc.db, f, now())).collect();
            sc.per_fax.push(t.elapsed().as_secs_f64() * 1e6 / per_round as f64);
            for o in &outcomes {
                assert_eq!(billed_cards(o), [sc.card], "bench: a timed fax went to another card than the one measured");
            }
        }
    }
    for sc in &mut scales {
        let lines = card_lines(&mut sc.db, sc.card);
        assert_eq!(lines, sc.lines_at_start + (s.rounds * per_round) as i64, "bench: lines of the measured card");
    }
    let (empty, full) = (&scales[0], &scales[scales.len() - 1]);
    let detail = scales
        .iter()
        .map(|sc| format!("{} lines: {:.1} µs", sc.lines_at_start, super::Spread::of(&sc.per_fax).median))
        .collect::<Vec<_>>()
        .join(", ");
    Figure::against(
        "bill_scaling",
        "µs/fax",
        &full.per_fax,
        &empty.per_fax,
        "ours on an empty card, same account",
        "ratio ≤ 1.2 at the largest card",
        |r| r <= 1.2,
    )
    .checked("each fax Billed to the measured card alone; its line count at the end")
    .detail(format!("card lines when timing began: {detail}"))
}

/// The demo account with one card of `lines` lines, funded for every fax of the run. The demo's
/// card has room for its own faxes only when they are few: then another card is applied and the
/// seeded one is used up by untimed faxes, so the timed ones bill onto a card with no lines.
fn prepare_scale(dir: &Path, lines: u64, s: &Sizes, per_round: usize) -> Scale {
    let mut db = card::seeded(&dir.join(format!("scale-{lines}.db")), lines);
    let user: String =
        db.sqlite().unwrap().query_row("SELECT name FROM users LIMIT 1", [], |r| r.get(0)).expect("user");
    // A generous 1.00 a fax (they cost 0.30) for every timed fax.
    let need = rust_decimal::Decimal::from((s.rounds + 1) * per_round);
    let seeded_card = oldest_open(&mut db);
    let funded = seeded_card.balance < need;
    if funded {
        ledger::apply_card(&mut db, need * rust_decimal::Decimal::TWO, rust_decimal::Decimal::ZERO, now())
            .expect("funding card");
    }
    // Warm up the statement cache; where the seeded card was too small, use it up.
    let mut i = 0;
    while i < 50 || (funded && oldest_open(&mut db).id == seeded_card.id) {
        assert!(i < 1_000_000, "bench: the seeded card never ran out");
        billed_cards(&faxcredit::billing::bill(&mut db, &fax(&user, "W", i), now()));
        i += 1;
    }
    let card = oldest_open(&mut db);
    assert!(card.balance >= need, "bench: the measured card cannot pay for the run");
    if lines == 0 {
        assert!(card.lines < 100, "bench: the reference card holds {} lines when timing begins", card.lines);
    } else {
        assert!(card.lines >= lines as i64, "bench: the large card holds {} lines, not {lines}", card.lines);
    }
    Scale { db, user, card: card.id, lines_at_start: card.lines, per_fax: Vec::new() }
}

/// The card the next fax is billed to (the oldest open one).
fn oldest_open(db: &mut Db) -> ledger::Card {
    ledger::cards(db).expect("cards").into_iter().filter(|c| c.close_date.is_none()).min_by_key(|c| c.id).expect("open")
}

fn card_lines(db: &mut Db, id: i64) -> i64 {
    ledger::cards(db).expect("cards").into_iter().find(|c| c.id == id).expect("card").lines
}
