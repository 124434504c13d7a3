//! A card of a million lines: random activity pages, the CSV export against `sqlite3 -csv` and
//! against a plain in-process export, and the export's peak memory.

use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use faxcredit::demo::{self, DemoOptions};
use faxcredit::ledger::{self, ActivityQuery};
use faxcredit::Db;

use super::{now, Figure, Sizes};

/// A database whose one card already holds `lines` lines (the demo's single-card seeding).
pub fn seeded(path: &Path, lines: u64) -> Db {
    let _ = std::fs::remove_file(path);
    let mut db = Db::create(path).expect("db");
    demo::seed(&mut db, &DemoOptions { faxes: lines.max(1), single_card: true, ..DemoOptions::default() }, now())
        .expect("seed");
    db
}

/// `rounds` rounds of `pages / rounds` random pages each; a round's figure is its p99. Every
/// page must be full and hold exactly the 100 lines before its cursor, newest first.
/// `name` is the figure's: `activity_page` on SQLite, `pg_activity_page` on PostgreSQL.
pub fn activity_page(name: &'static str, db: &mut Db, s: &Sizes, lines: u64) -> Figure {
    let card: i64 =
        db.conn().query_row("SELECT id FROM cards ORDER BY lines DESC LIMIT 1", &[], |r| r.get(0)).expect("card");
    let held = ledger::cards(db).expect("cards").into_iter().find(|c| c.id == card).expect("card").lines;
    assert!(held as u64 >= lines && lines > 100, "bench: the card holds {held} lines");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut p99s = Vec::new();
    for _ in 0..s.rounds {
        let mut times = Vec::with_capacity(s.pages / s.rounds);
        for _ in 0..(s.pages / s.rounds).max(1) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // A cursor with at least 100 lines below it: every page is a full one.
            let before = 101 + (x % (held as u64 - 99)) as i64;
            let q = ActivityQuery { card_id: card, before: Some(before), limit: 100, ..ActivityQuery::default() };
            let t = Instant::now();
            let p = ledger::activity_page(db, &q).expect("page");
            times.push(t.elapsed().as_secs_f64() * 1e3);
            let numbers: Vec<i64> = p.lines.iter().map(|l| l.line_no).collect();
            let expected: Vec<i64> = (before - 100..before).rev().collect();
            assert_eq!(numbers, expected, "bench: the page before line {before} of card {card}");
        }
        times.sort_by(f64::total_cmp);
        p99s.push(times[(times.len() * 99 / 100).min(times.len() - 1)]);
    }
    let p99 = super::Spread::of(&p99s);
    Figure {
        name,
        unit: "ms (p99)",
        ours: p99.median,
        pass: p99.median < 5.0,
        ours_spread: p99,
        reference: None,
        reference_spread: None,
        reference_name: "",
        ratio: None,
        target: "p99 < 5 ms",
        threads: (1, None),
        checked: "every page full: the 100 lines before its cursor, newest first",
        detail: format!("{} pages of a card of {held} lines", (s.pages / s.rounds).max(1) * s.rounds),
    }
}

/// What `sqlite3 -csv` and the in-process reference export: the export's columns, same join.
pub const EXPORT_SQL: &str = "SELECT a.card_id, f.id, f.submit_time, f.completion_time, u.name, f.destination, f.pages_submitted,
    f.pages_sent, f.duration, f.units, f.cost_per_unit, a.amount, f.cost, 'USD', f.status, f.subject
    FROM activity a JOIN faxes f ON f.seq = a.fax_seq JOIN users u ON u.id = f.user_id WHERE a.card_id = 1001 ORDER BY a.n;";

/// Our export of card 1001, against `sqlite3 -csv` (a separate process, the figure DESIGN.md
/// names) and against a plain in-process export (rusqlite rows into the `csv` crate, one
/// thread, the amounts written with 4 places and the file synced as ours is): the second ratio
/// is our engineering alone, without a shell's start-up and printing. The three alternate.
pub fn export_1m(db: &mut Db, dir: &Path, s: &Sizes) -> [Figure; 2] {
    let lines = db
        .sqlite()
        .unwrap()
        .query_row("SELECT lines FROM cards WHERE id = 1001", [], |r| r.get::<_, i64>(0))
        .expect("card");
    let lines = u64::try_from(lines).expect("lines");
    let (mut ours, mut shell, mut plain) = (Vec::new(), Vec::new(), Vec::new());
    let out = dir.join("ours.csv");
    let theirs = dir.join("sqlite3.csv");
    let simple = dir.join("csv-crate.csv");
    for round in 0..s.rounds {
        let mut sides = [0, 1, 2];
        sides.rotate_left(round % 3);
        for side in sides {
            let t = Instant::now();
            match side {
                0 => {
                    let sum = faxcredit::export::export_card(db, 1001, &out, &mut |_| ControlFlow::Continue(()))
                        .expect("export");
                    ours.push(t.elapsed().as_secs_f64());
                    assert_eq!(sum.rows, lines, "bench: our export's summary");
                    assert_eq!(csv_rows(&out, true), lines, "bench: rows in our file");
                }
                1 => {
                    let st = Command::new("sqlite3")
                        .args(["-csv", "-readonly"])
                        .arg(db.path())
                        .arg(EXPORT_SQL)
                        .stdout(std::fs::File::create(&theirs).expect("file"))
                        .status()
                        .expect("sqlite3 (apt-get install sqlite3)");
                    shell.push(t.elapsed().as_secs_f64());
                    assert!(st.success(), "bench: sqlite3 failed");
                    assert_eq!(csv_rows(&theirs, false), lines, "bench: rows in sqlite3's file");
                }
                _ => {
                    let n = export_with_csv_crate(db.sqlite().unwrap(), &simple);
                    plain.push(t.elapsed().as_secs_f64());
                    assert_eq!((n, csv_rows(&simple, true)), (lines, lines), "bench: rows of the in-process reference");
                }
            }
        }
    }
    let checked = "row counts: our summary and every file read back with a CSV reader";
    [
        Figure::against(
            "export_1m",
            "s",
            &ours,
            &shell,
            "sqlite3 -csv, same join, into a file",
            "ratio ≤ 0.6",
            |r| r <= 0.6,
        )
        .threads(3, Some(1))
        .checked(checked)
        .detail(format!("{lines} lines")),
        Figure::against(
            "export_vs_csv_crate",
            "s",
            &ours,
            &plain,
            "rusqlite rows → csv crate, one thread, synced",
            "none (context)",
            |_| true,
        )
        .threads(3, Some(1))
        .checked(checked)
        .detail(format!("{lines} lines")),
    ]
}

/// The straightforward export: step the join, write each row's cells through `csv::Writer`
/// (amounts as decimals with 4 places), then sync. Returns the rows written.
fn export_with_csv_crate(conn: &rusqlite::Connection, out: &Path) -> u64 {
    use rusqlite::types::ValueRef;
    let mut file = BufWriter::with_capacity(64 * 1024, std::fs::File::create(out).expect("file"));
    file.write_all("\u{feff}".as_bytes()).expect("bom");
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(file);
    w.write_record(faxcredit::export::HEADER).expect("header");
    let mut st = conn.prepare(EXPORT_SQL.trim_end_matches(';')).expect("prepare");
    let mut rows = st.query([]).expect("query");
    let mut cells: Vec<String> = vec![String::new(); 16];
    let mut n = 0;
    while let Some(row) = rows.next().expect("row") {
        for (i, cell) in cells.iter_mut().enumerate() {
            cell.clear();
            match row.get_ref(i).expect("cell") {
                ValueRef::Integer(v) if (9..=12).contains(&i) => {
                    cell.push_str(&rust_decimal::Decimal::new(v, 4).to_string());
                }
                ValueRef::Integer(v) => cell.push_str(&v.to_string()),
                ValueRef::Text(t) => cell.push_str(&String::from_utf8_lossy(t)),
                ValueRef::Null => {}
                other => panic!("bench: unexpected value {other:?}"),
            }
        }
        w.write_record(&cells).expect("write");
        n += 1;
    }
    let file = w.into_inner().expect("flush").into_inner().expect("flush");
    file.sync_all().expect("sync");
    n
}

/// Data rows of a CSV file (after the header row when it has one), read with a CSV reader.
pub fn csv_rows(path: &Path, header: bool) -> u64 {
    let mut r = csv::ReaderBuilder::new().has_headers(header).flexible(false).from_path(path).expect("csv");
    let mut record = csv::ByteRecord::new();
    let mut n = 0;
    while r.read_byte_record(&mut record).expect("csv row") {
        assert_eq!(record.len(), 16, "bench: a row of {} cells in {}", record.len(), path.display());
        n += 1;
    }
    n
}

/// Peak resident memory of `faxcredit export` of 4× the lines against 1×, each in a child
/// process, alternating.
pub fn export_memory(cli: &Path, big: &Path, dir: &Path, s: &Sizes) -> Figure {
    let huge = dir.join("card4.db");
    drop(seeded(&huge, s.big_card));
    let (mut small, mut large) = (Vec::new(), Vec::new());
    for round in 0..s.rounds {
        for side in [round % 2, 1 - round % 2] {
            if side == 0 {
                small.push(peak_rss_mb(cli, big, &dir.join("m1.csv"), s.card));
            } else {
                large.push(peak_rss_mb(cli, &huge, &dir.join("m4.csv"), s.big_card));
            }
        }
    }
    let peak = large.iter().copied().fold(0.0, f64::max);
    let mut f = Figure::against(
        "export_memory",
        "MB peak",
        &large,
        &small,
        "ours at a quarter of the lines",
        "< 64 MB, and 4× lines ≤ 1.1×",
        |r| r <= 1.1,
    )
    .threads(3, Some(3))
    .checked("each child exited 0 and wrote every row")
    .detail(format!("{} lines against {}; highest peak {peak:.1} MB", s.big_card, s.card));
    f.pass = f.pass && peak < 64.0;
    f
}

/// Peak resident memory of `faxcredit export` in a child process, from /proc (VmHWM).
fn peak_rss_mb(cli: &Path, db: &Path, out: &Path, lines: u64) -> f64 {
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
    let exit = loop {
        if let Ok(s) = std::fs::read_to_string(&status) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(exit.success(), "bench: faxcredit export failed: {exit}");
    assert_eq!(csv_rows(out, true), lines, "bench: rows exported by the CLI");
    assert!(peak_kb > 0, "bench: no memory reading of the export");
    peak_kb as f64 / 1024.0
}
