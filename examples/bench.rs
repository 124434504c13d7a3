//! `cargo xtask bench`: the figures of DESIGN.md §5, each measured against its reference in the
//! same run (ours and the reference alternate, several rounds, median), written as a table and as
//! `target/bench/results.json`. `--quick` runs the same code on small sizes.
//!
//! `cargo run --release --example bench -- [--quick] [--out FILE] [--cli PATH]`

// Timings and ratios of a measurement, not money.
#![allow(clippy::float_arithmetic, clippy::cast_precision_loss)]

use std::io::{BufRead, BufReader, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use faxcredit::account::{self, Kind, NewAccount, Role};
use faxcredit::demo::{self, DemoOptions};
use faxcredit::ledger::{self, ActivityQuery, RawFax};
use faxcredit::time::{parse_ts, Timestamp};
use faxcredit::Db;
use serde::Serialize;

#[derive(Serialize)]
struct Figure {
    name: &'static str,
    unit: &'static str,
    ours: f64,
    reference: Option<f64>,
    reference_name: &'static str,
    ratio: Option<f64>,
    target: &'static str,
    pass: bool,
}

struct Sizes {
    bill: usize,
    rounds: usize,
    scaling: [u64; 3],
    import: usize,
    card: u64,
    big_card: u64,
    pages: usize,
}

const FULL: Sizes = Sizes {
    bill: 20_000,
    rounds: 5,
    scaling: [0, 100_000, 1_000_000],
    import: 1_000_000,
    card: 1_000_000,
    big_card: 4_000_000,
    pages: 1_000,
};
const QUICK: Sizes = Sizes {
    bill: 600,
    rounds: 3,
    scaling: [0, 2_000, 20_000],
    import: 20_000,
    card: 20_000,
    big_card: 80_000,
    pages: 200,
};

fn now() -> Timestamp {
    parse_ts("2026-11-24T10:00:00Z", "now").expect("time")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A prepaid account with user bob and one card big enough for everything.
fn fresh(path: &Path) -> Db {
    let mut db = Db::create(path).expect("db");
    let new = NewAccount {
        name: "Bench".into(),
        kind: Kind::Prepaid,
        email: "bench@example.com".into(),
        currency: "USD".into(),
        credit_limit: None,
    };
    account::create_account(&mut db, &new, now()).expect("account");
    account::add_user(&mut db, "bob", Role::User, "bench-password", now()).expect("user");
    ledger::apply_card(&mut db, "100000000".parse().expect("d"), "0".parse().expect("d"), now()).expect("card");
    db
}

fn fax(prefix: &str, i: usize) -> ledger::Fax {
    RawFax {
        id: Some(format!("{prefix}{i}")),
        user_id: Some("bob".into()),
        destination_fax: Some("+12125550100".into()),
        submit_time: Some("2026-11-24T09:00:00Z".into()),
        pages_sent: Some("3".into()),
        ..RawFax::default()
    }
    .validate()
    .expect("fax")
}

/// The reference of billing: the same pragmas, one bare INSERT of an equivalent row per transaction.
fn bare(path: &Path) -> rusqlite::Connection {
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
    tx.prepare_cached(
        "INSERT INTO faxes (id, user_id, destination, submit_time, pages_sent, units, cost_per_unit, cost, billed_at)
         VALUES (?1, 1, '+12125550100', '2026-11-24T09:00:00Z', 3, 30000, 1000, 3000, '2026-11-24T10:00:00Z')",
    )
    .expect("prepare")
    .execute([id])
    .expect("insert");
    tx.last_insert_rowid()
}

fn bare_insert(conn: &rusqlite::Connection, id: &str) {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate).expect("tx");
    bare_fax_row(&tx, id);
    tx.commit().expect("commit");
}

/// The same writes as billing a fax, done bare: the fax row (and its id index), an activity
/// line keyed (card, n) with its submit time (and the card's time index), the card's use and the day's spend, one transaction, same pragmas.
/// The floor SQLite itself sets for the pages a billed fax must write.
fn bare_same_writes(path: &Path) -> rusqlite::Connection {
    let conn = bare(path);
    conn.execute_batch(
        "CREATE TABLE lines (card_id INTEGER, n INTEGER, fax_seq INTEGER, amount INTEGER, split INTEGER,
           submit_time TEXT, PRIMARY KEY (card_id, n)) WITHOUT ROWID;
         CREATE INDEX lines_by_time ON lines(card_id, submit_time, n);
         CREATE TABLE cards (id INTEGER PRIMARY KEY, used INTEGER, lines INTEGER);
         INSERT INTO cards VALUES (1001, 0, 0);
         CREATE TABLE daily (day TEXT PRIMARY KEY, amount INTEGER, faxes INTEGER) WITHOUT ROWID;",
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
        "INSERT INTO daily VALUES ('2026-11-24', 3000, 1)
         ON CONFLICT (day) DO UPDATE SET amount = amount + 3000, faxes = faxes + 1",
    )
    .expect("prepare")
    .execute([])
    .expect("day");
    tx.commit().expect("commit");
}

/// `bill_durable` (against one bare INSERT per transaction, the issue's reference) and
/// `bill_same_writes` (against the same pages written bare), all three alternating.
fn bill_durable(dir: &Path, s: &Sizes) -> [Figure; 2] {
    let mut db = fresh(&dir.join("bill.db"));
    let conn = bare(&dir.join("bare.db"));
    let same = bare_same_writes(&dir.join("bare-same.db"));
    let per_round = s.bill / s.rounds;
    let (mut ours, mut refs, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    let mut n = 0;
    for _ in 0..s.rounds {
        let faxes: Vec<_> = (0..per_round).map(|i| fax("B", n + i)).collect();
        let t = Instant::now();
        for f in &faxes {
            ledger::bill(&mut db, f, now()).expect("bill");
        }
        ours.push(t.elapsed().as_secs_f64() / per_round as f64);
        let t = Instant::now();
        for i in 0..per_round {
            bare_insert(&conn, &format!("B{}", n + i));
        }
        refs.push(t.elapsed().as_secs_f64() / per_round as f64);
        let t = Instant::now();
        for i in 0..per_round {
            bare_same_writes_fax(&same, &format!("B{}", n + i), n + i);
        }
        floor.push(t.elapsed().as_secs_f64() / per_round as f64);
        n += per_round;
    }
    let (o, r, f) = (median(ours) * 1e6, median(refs) * 1e6, median(floor) * 1e6);
    [
        Figure {
            name: "bill_durable",
            unit: "µs/fax",
            ours: o,
            reference: Some(r),
            reference_name: "bare rusqlite INSERT per transaction",
            ratio: Some(o / r),
            target: "ratio ≤ 1.25",
            pass: o / r <= 1.25,
        },
        Figure {
            name: "bill_same_writes",
            unit: "µs/fax",
            ours: o,
            reference: Some(f),
            reference_name: "the same 5 b-tree writes per transaction, bare",
            ratio: Some(o / f),
            target: "ratio ≤ 1.25",
            pass: o / f <= 1.25,
        },
    ]
}

/// A database whose one card already holds `lines` lines (the demo's single-card seeding).
fn seeded(path: &Path, lines: u64) -> Db {
    let _ = std::fs::remove_file(path);
    let mut db = Db::create(path).expect("db");
    demo::seed(&mut db, &DemoOptions { faxes: lines.max(1), single_card: true, ..DemoOptions::default() }, now())
        .expect("seed");
    db
}

fn bill_scaling(dir: &Path, s: &Sizes) -> Figure {
    let mut per_fax = Vec::new();
    for &lines in &s.scaling {
        let mut db = seeded(&dir.join(format!("scale-{lines}.db")), lines);
        let user: String = db.conn().query_row("SELECT name FROM users LIMIT 1", [], |r| r.get(0)).expect("user");
        let mut rounds = Vec::new();
        for round in 0..s.rounds {
            let faxes: Vec<_> = (0..s.bill / s.rounds / 2)
                .map(|i| {
                    RawFax { user_id: Some(user.clone()), ..raw_of(&format!("S{round}-"), i) }.validate().expect("fax")
                })
                .collect();
            let t = Instant::now();
            for f in &faxes {
                let _ = ledger::bill(&mut db, f, now());
            }
            rounds.push(t.elapsed().as_secs_f64() / faxes.len() as f64);
        }
        per_fax.push(median(rounds) * 1e6);
    }
    let ratio = per_fax[2] / per_fax[0];
    Figure {
        name: "bill_scaling",
        unit: "µs/fax",
        ours: per_fax[2],
        reference: Some(per_fax[0]),
        reference_name: "ours on an empty card",
        ratio: Some(ratio),
        target: "ratio ≤ 1.2 at the largest card",
        pass: ratio <= 1.2,
    }
}

fn raw_of(prefix: &str, i: usize) -> RawFax {
    RawFax {
        id: Some(format!("{prefix}{i}")),
        user_id: Some("bob".into()),
        destination_fax: Some("+12125550100".into()),
        submit_time: Some("2026-11-24T09:00:00Z".into()),
        pages_sent: Some("3".into()),
        ..RawFax::default()
    }
}

fn import_bulk(dir: &Path, s: &Sizes) -> Figure {
    let file = dir.join("import.ndjson");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file).expect("file"));
        for i in 0..s.import {
            writeln!(w, r#"{{"id":"I{i}","userId":"bob","destinationFax":"+12125550100","submitTime":"2026-11-24T09:00:00Z","pagesSent":3,"duration":42,"status":0}}"#).expect("write");
        }
    }
    let (mut ours, mut refs) = (Vec::new(), Vec::new());
    for round in 0..2 {
        let mut db = fresh(&dir.join(format!("import-{round}.db")));
        let t = Instant::now();
        let sum = faxcredit::import::import_file(&mut db, &file, now(), &mut |_| {}).expect("import");
        assert_eq!(sum.billed as usize, s.import);
        ours.push(s.import as f64 / t.elapsed().as_secs_f64());
        drop(db);

        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Rec {
            id: String,
            destination_fax: String,
            submit_time: String,
            pages_sent: i64,
        }
        let conn = bare(&dir.join(format!("import-bare-{round}.db")));
        let t = Instant::now();
        let mut lines = BufReader::new(std::fs::File::open(&file).expect("file")).lines();
        loop {
            let tx = rusqlite::Transaction::new_unchecked(&conn, rusqlite::TransactionBehavior::Immediate).expect("tx");
            let mut n = 0;
            {
                let mut st = tx
                    .prepare_cached(
                        "INSERT INTO faxes (id, user_id, destination, submit_time, pages_sent, units, cost_per_unit, cost, billed_at)
                         VALUES (?1, 1, ?2, ?3, ?4, ?5, 1000, ?6, '2026-11-24T10:00:00Z')",
                    )
                    .expect("prepare");
                for line in lines.by_ref().take(2_000) {
                    let r: Rec = serde_json::from_str(&line.expect("line")).expect("json");
                    st.execute(rusqlite::params![
                        r.id,
                        r.destination_fax,
                        r.submit_time,
                        r.pages_sent,
                        r.pages_sent * 10_000,
                        r.pages_sent * 1_000
                    ])
                    .expect("insert");
                    n += 1;
                }
            }
            tx.commit().expect("commit");
            if n < 2_000 {
                break;
            }
        }
        refs.push(s.import as f64 / t.elapsed().as_secs_f64());
    }
    let (o, r) = (median(ours), median(refs));
    let ratio = o / r;
    Figure {
        name: "import_bulk",
        unit: "records/s",
        ours: o,
        reference: Some(r),
        reference_name: "bare batched INSERT, same batches",
        ratio: Some(ratio),
        target: "ratio ≥ 0.5",
        pass: ratio >= 0.5,
    }
}

fn activity_page(db: &mut Db, s: &Sizes, lines: u64) -> Figure {
    let card: i64 =
        db.conn().query_row("SELECT id FROM cards ORDER BY lines DESC LIMIT 1", [], |r| r.get(0)).expect("card");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut times = Vec::with_capacity(s.pages);
    for _ in 0..s.pages {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let before = (x % lines) as i64 + 1;
        let q = ActivityQuery { card_id: card, before: Some(before), limit: 100, ..ActivityQuery::default() };
        let t = Instant::now();
        let p = ledger::activity_page(db, &q).expect("page");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(p.lines.len() as i64 <= 100);
    }
    times.sort_by(f64::total_cmp);
    let p99 = times[times.len() * 99 / 100];
    Figure {
        name: "activity_page",
        unit: "ms (p99)",
        ours: p99,
        reference: None,
        reference_name: "",
        ratio: None,
        target: "p99 < 5 ms",
        pass: p99 < 5.0,
    }
}

const EXPORT_SQL: &str = "SELECT a.card_id, f.id, f.submit_time, f.completion_time, u.name, f.destination, f.pages_submitted,
    f.pages_sent, f.duration, f.units, f.cost_per_unit, a.amount, f.cost, 'USD', f.status, f.subject
    FROM activity a JOIN faxes f ON f.seq = a.fax_seq JOIN users u ON u.id = f.user_id WHERE a.card_id = 1001 ORDER BY a.n;";

fn export_1m(db: &mut Db, dir: &Path, rounds: usize) -> Figure {
    let (mut ours, mut refs) = (Vec::new(), Vec::new());
    let out = dir.join("ours.csv");
    let theirs = dir.join("sqlite3.csv");
    for _ in 0..rounds {
        let t = Instant::now();
        faxcredit::export::export_card(db, 1001, &out, &mut |_| ControlFlow::Continue(())).expect("export");
        ours.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let st = Command::new("sqlite3")
            .args(["-csv", "-readonly"])
            .arg(db.path())
            .arg(EXPORT_SQL)
            .stdout(std::fs::File::create(&theirs).expect("file"))
            .status()
            .expect("sqlite3 (apt-get install sqlite3)");
        assert!(st.success());
        refs.push(t.elapsed().as_secs_f64());
    }
    let (o, r) = (median(ours), median(refs));
    let ratio = o / r;
    Figure {
        name: "export_1m",
        unit: "s",
        ours: o,
        reference: Some(r),
        reference_name: "sqlite3 -csv, same join, into a file",
        ratio: Some(ratio),
        target: "ratio ≤ 0.6",
        pass: ratio <= 0.6,
    }
}

/// Peak resident memory of `faxcredit export` in a child process, from /proc (VmHWM).
fn peak_rss_mb(cli: &Path, db: &Path, out: &Path) -> f64 {
    let mut child = Command::new(cli)
        .arg("--db")
        .arg(db)
        .args(["export", "1001", "--out"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("cli");
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kb: u64 = 0;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    peak_kb as f64 / 1024.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let out = PathBuf::from(arg("--out").unwrap_or_else(|| "target/bench/results.json".into()));
    let cli = PathBuf::from(arg("--cli").unwrap_or_else(|| "target/release/faxcredit".into()));
    let s = if quick { &QUICK } else { &FULL };
    let dir = tempfile::tempdir_in(out.parent().unwrap_or(Path::new("."))).expect("temp dir");
    let mut figures = Vec::new();
    let step = |name: &str| eprintln!("bench: {name}…");
    // `--only NAME`: one figure, for profiling.
    if let Some(name) = arg("--only") {
        let f = match name.as_str() {
            "bill_durable" => {
                let [f, same] = bill_durable(dir.path(), s);
                println!(
                    "{} {:.1} µs/fax, same writes bare {:.1}, ratio {:.2}",
                    same.name,
                    same.ours,
                    same.reference.unwrap_or(0.0),
                    same.ratio.unwrap_or(0.0)
                );
                f
            }
            "bill_scaling" => bill_scaling(dir.path(), s),
            "import_bulk" => import_bulk(dir.path(), s),
            "export_1m" => export_1m(&mut seeded(&dir.path().join("card.db"), s.card), dir.path(), 3),
            other => panic!("--only takes bill_durable, bill_scaling, import_bulk or export_1m, not {other}"),
        };
        println!(
            "{} {:.1} {}, reference {:.1}, ratio {:.2}",
            f.name,
            f.ours,
            f.unit,
            f.reference.unwrap_or(0.0),
            f.ratio.unwrap_or(0.0)
        );
        return;
    }

    step("bill_durable");
    figures.extend(bill_durable(dir.path(), s));
    step("bill_scaling");
    figures.push(bill_scaling(dir.path(), s));
    step("import_bulk");
    figures.push(import_bulk(dir.path(), s));
    step("seeding the large card");
    let big = dir.path().join("card.db");
    let mut db = seeded(&big, s.card);
    step("activity_page");
    figures.push(activity_page(&mut db, s, s.card));
    step("export_1m");
    figures.push(export_1m(&mut db, dir.path(), 3));
    drop(db);
    step("export_memory");
    let small = peak_rss_mb(&cli, &big, &dir.path().join("m1.csv"));
    let huge_db = dir.path().join("card4.db");
    drop(seeded(&huge_db, s.big_card));
    let large = peak_rss_mb(&cli, &huge_db, &dir.path().join("m4.csv"));
    let ratio = large / small;
    figures.push(Figure {
        name: "export_memory",
        unit: "MB peak",
        ours: large,
        reference: Some(small),
        reference_name: "ours at a quarter of the lines",
        ratio: Some(ratio),
        target: "< 64 MB, and 4× lines ≤ 1.1×",
        pass: large < 64.0 && ratio <= 1.1,
    });

    println!("{:<14} {:>12} {:>12} {:>7}  {:<32} pass", "figure", "ours", "reference", "ratio", "target");
    for f in &figures {
        println!(
            "{:<14} {:>12} {:>12} {:>7}  {:<32} {}",
            f.name,
            format!("{:.3} {}", f.ours, short(f.unit)),
            f.reference.map(|r| format!("{r:.3}")).unwrap_or_else(|| "—".into()),
            f.ratio.map(|r| format!("{r:.2}")).unwrap_or_else(|| "—".into()),
            f.target,
            if f.pass { "yes" } else { "NO" }
        );
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    std::fs::write(&out, serde_json::to_string_pretty(&figures).expect("json")).expect("write results");
    eprintln!("bench: wrote {}", out.display());
}

fn short(unit: &str) -> &str {
    unit.split(' ').next().unwrap_or(unit)
}
