//! The export's promises, on both storage engines: progress while it runs, cancellation and
//! errors that leave no file (and no temporary file) behind, an existing target replaced only
//! by a complete file, memory that stays flat whatever the card holds (the lines are streamed),
//! and the same bytes from SQLite and PostgreSQL for the same ledger.

mod common;

use std::ops::ControlFlow;

use common::scenario::{self, ReadOnly};
use common::*;
use faxcredit::export::{export_card, Progress, PROGRESS_EVERY};
use faxcredit::import::{import_reader, Format};
use faxcredit::ledger::apply_card;

fn card_with_lines(backend: &Backend, n: u64) -> (TestDb, i64) {
    let mut s = prepaid_on(backend);
    let c = apply_card(&mut s.db, dec("100000"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    let mut data = String::new();
    for i in 0..n {
        data.push_str(&format!(
            "{{\"id\":\"E{i}\",\"userId\":\"bob\",\"destinationFax\":\"+12125550100\",\"submitTime\":\"2026-11-01T10:00:00Z\",\"pagesSent\":1}}\n"
        ));
    }
    let summary =
        import_reader(&mut s.db, data.as_bytes(), Format::Ndjson, t("2026-11-01T12:00:00Z"), &mut |_| {}).unwrap();
    assert_eq!(summary.billed, n);
    (s, c.id)
}

fn dir_entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

on_both! {
    fn reports_progress_and_finishes_with_the_total(backend) {
        let (mut s, card) = card_with_lines(&backend, PROGRESS_EVERY * 2 + 5);
        let out = s.dir.path().join("out.csv");
        let mut seen: Vec<Progress> = Vec::new();
        let summary = export_card(&mut s.db, card, &out, &mut |p| {
            seen.push(p);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(summary.rows, PROGRESS_EVERY * 2 + 5);
        assert_eq!(
            seen.iter().map(|p| p.done).collect::<Vec<_>>(),
            vec![0, PROGRESS_EVERY, PROGRESS_EVERY * 2, PROGRESS_EVERY * 2 + 5]
        );
        assert!(seen.iter().all(|p| p.total == PROGRESS_EVERY * 2 + 5));
        assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count() as u64, summary.rows + 1);
    }
}

on_both! {
    fn cancelling_leaves_no_file_and_keeps_an_existing_one_intact(backend) {
        let (mut s, card) = card_with_lines(&backend, PROGRESS_EVERY + 1);
        let out = s.dir.path().join("keep.csv");
        std::fs::write(&out, "previous export\n").unwrap();
        let before = dir_entries(s.dir.path());
        let e = export_card(&mut s.db, card, &out, &mut |_| ControlFlow::Break(())).unwrap_err();
        assert_eq!(e.code(), "cancelled");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous export\n");
        assert_eq!(dir_entries(s.dir.path()), before, "no temporary file left behind");
        let fresh = s.dir.path().join("fresh.csv");
        export_card(&mut s.db, card, &fresh, &mut |_| ControlFlow::Break(())).unwrap_err();
        assert!(!fresh.exists());
        // Cancelled midway, while the lines are still coming: the same, and the connection
        // serves the next export whole.
        let e = export_card(&mut s.db, card, &fresh, &mut |p| {
            if p.done >= PROGRESS_EVERY { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        })
        .unwrap_err();
        assert_eq!(e.code(), "cancelled");
        assert!(!fresh.exists());
        let whole = export_card(&mut s.db, card, &fresh, &mut |_| ControlFlow::Continue(())).unwrap();
        assert_eq!(whole.rows, PROGRESS_EVERY + 1);
    }
}

on_both! {
    fn a_failed_write_leaves_no_partial_file(backend) {
        let (mut s, card) = card_with_lines(&backend, 10);
        // A directory in place of the target: refused before anything is written.
        let d = s.dir.path().join("adir");
        std::fs::create_dir(&d).unwrap();
        assert_eq!(
            export_card(&mut s.db, card, &d, &mut |_| ControlFlow::Continue(())).unwrap_err().code(),
            "invalid_input"
        );
        // An unknown card: refused, nothing created.
        let out = s.dir.path().join("none.csv");
        assert_eq!(export_card(&mut s.db, 4242, &out, &mut |_| ControlFlow::Continue(())).unwrap_err().code(), "not_found");
        assert!(!out.exists());
        // A folder that refuses the export's temporary file (read-only to whoever runs the test,
        // root included): a clear i/o error, and nothing left in it.
        let ro = s.dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        let Some(guard) = ReadOnly::set(&ro) else {
            return scenario::cannot_run("a_failed_write_leaves_no_partial_file", "no way to make a folder read-only here");
        };
        let target = ro.join("x.csv");
        let e = export_card(&mut s.db, card, &target, &mut |_| ControlFlow::Continue(())).unwrap_err();
        assert_eq!(e.code(), "io_error", "{e}");
        drop(guard);
        assert!(dir_entries(&ro).is_empty());
    }
}

on_both! {
    fn writing_into_a_failing_writer_is_an_io_error(backend) {
        struct Full;
        impl std::io::Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("no space left on device"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (mut s, card) = card_with_lines(&backend, 100);
        let e = faxcredit::export::write_card_csv(&mut s.db, card, Full, &mut |_| ControlFlow::Continue(())).unwrap_err();
        assert_eq!(e.code(), "io_error");
        assert!(e.to_string().contains("no space left"));
    }
}

/// Adds `n` lines to `card`, one fax each, in two statements (the billing path would take
/// minutes for the sizes the memory test needs): faxes `{prefix}1`… with a long subject, then
/// their lines, and the card's totals.
fn fill(db: &mut faxcredit::Db, card: i64, prefix: &str, n: i64) {
    db.write(|tx| {
        let bob: i64 = tx.query_row("SELECT id FROM users WHERE name = 'bob'", &[], |r| r.get(0))?;
        let before: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM faxes", &[], |r| r.get(0))?;
        tx.execute(
            "WITH RECURSIVE s(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM s WHERE i < ?1)
             INSERT INTO faxes (id, user_id, destination, submit_time, completion_time, pages_submitted, pages_sent,
                                duration, status, subject, units, cost_per_unit, cost, billed_at)
             SELECT ?2 || i, ?3, '+1 212 555 0100', '2026-11-01T10:00:00Z', '2026-11-01T10:01:00Z', 1, 1, 60, 0,
                    'Signed engagement letter, countersigned, with the schedules A to F attached', 10000, 1000, 1000,
                    '2026-11-01T10:01:00Z'
             FROM s",
            &[&n, &prefix, &bob],
        )?;
        let lines: i64 = tx.query_row("SELECT lines FROM cards WHERE id = ?1", &[&card], |r| r.get(0))?;
        tx.execute(
            "INSERT INTO activity (card_id, n, fax_seq, amount, split, submit_time)
             SELECT ?1, ?2 + seq - ?3, seq, cost, 0, submit_time FROM faxes WHERE seq > ?3",
            &[&card, &lines, &before],
        )?;
        tx.execute("UPDATE cards SET used = used + ?1 * 1000, lines = lines + ?1 WHERE id = ?2", &[&n, &card])?;
        Ok(())
    })
    .unwrap();
}

/// The peak resident memory of `faxcredit export CARD` in a child process (VmHWM, sampled
/// while it runs), in kB; the export must write every line.
fn export_peak_kb(s: &TestDb, card: i64, lines: u64) -> u64 {
    let out = s.dir.path().join(format!("peak-{card}.csv"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_faxcredit"))
        .arg("--db")
        .arg(&s.arg)
        .args(["export", &card.to_string(), "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let exit = loop {
        if let Some(kb) = std::fs::read_to_string(&status).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        }) {
            peak = u64::max(peak, kb);
        }
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        std::thread::sleep(std::time::Duration::from_millis(3));
    };
    assert!(exit.success());
    let written = std::io::BufRead::lines(std::io::BufReader::new(std::fs::File::open(&out).unwrap())).count();
    assert_eq!(written as u64, lines + 1, "the header and every line");
    assert!(peak > 0, "no memory reading of the export");
    peak
}

on_both! {
    /// The lines are streamed, on PostgreSQL too (a cursor's rows as they arrive, never the
    /// whole result): a card of five times the lines costs the export no more memory.
    fn the_exports_memory_stays_flat_whatever_the_card_holds(backend) {
        let mut s = prepaid_on(&backend);
        let small = apply_card(&mut s.db, dec("100000"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap().id;
        let large = apply_card(&mut s.db, dec("100000"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap().id;
        fill(&mut s.db, small, "S", 40_000);
        fill(&mut s.db, large, "L", 200_000);
        let (small_kb, large_kb) = (export_peak_kb(&s, small, 40_000), export_peak_kb(&s, large, 200_000));
        // 160,000 more lines of ~200 bytes would be over 30 MB if they were held.
        assert!(large_kb <= small_kb + 8 * 1024, "{} MB for 40,000 lines, {} MB for 200,000", small_kb / 1024, large_kb / 1024);
        eprintln!("export peak memory on {}: {small_kb} kB (40,000 lines), {large_kb} kB (200,000 lines)", backend.name());
    }
}

/// The same ledger on each engine: the demo account seeded at one moment, then a fax whose
/// subject and sender would be formulas in a spreadsheet, and a card of 140,000 lines (more
/// than two of the statements PostgreSQL's export reads them in).
fn demo_ledger(backend: &Backend) -> (Backend, common::backends::Fresh, faxcredit::Db) {
    let fresh = backend.fresh();
    let mut db = faxcredit::Db::create(fresh.location()).unwrap();
    let opts = faxcredit::demo::DemoOptions { faxes: 1_500, ..Default::default() };
    faxcredit::demo::seed(&mut db, &opts, t("2026-11-24T10:00:00Z")).unwrap();
    let hostile = faxcredit::ledger::RawFax {
        id: Some("-1".into()),
        user_id: Some("@sum".into()),
        destination_fax: Some("+44 20 7946 0000".into()),
        submit_time: Some("2026-11-24T09:00:00Z".into()),
        pages_sent: Some("2".into()),
        subject: Some("-2+3, \"quoted\", café ☎".into()),
        ..Default::default()
    };
    faxcredit::billing::bill(&mut db, &hostile.validate().unwrap(), t("2026-11-24T09:01:00Z")).unwrap();
    faxcredit::account::add_user(
        &mut db,
        "bob",
        faxcredit::account::Role::User,
        "bob-password",
        t("2026-11-24T09:02:00Z"),
    )
    .unwrap();
    let big = apply_card(&mut db, dec("20000"), dec("0"), t("2026-11-24T09:02:00Z")).unwrap().id;
    fill(&mut db, big, "B", 140_000);
    (backend.clone(), fresh, db)
}

#[test]
fn the_csv_is_the_same_bytes_from_sqlite_and_from_postgresql() {
    let Some(pg) = Backend::postgres("the_csv_is_the_same_bytes_from_sqlite_and_from_postgresql") else { return };
    // Small fetches, so that PostgreSQL reads the cards in several, as it reads a card of
    // millions of lines: the big card's 140,000 in 14 full ones and a last empty one, the
    // others' ending short.
    faxcredit::export::set_lines_per_fetch_for_tests(10_000);
    let mut ledgers = [demo_ledger(&Backend::Sqlite), demo_ledger(&pg)];
    let cards: Vec<i64> = faxcredit::ledger::cards(&mut ledgers[0].2).unwrap().iter().map(|c| c.id).collect();
    assert!(cards.len() >= 3, "{cards:?}");
    let filters = [
        faxcredit::ledger::ActivityFilter::default(),
        faxcredit::ledger::ActivityFilter { user: Some("carmen".into()), ..Default::default() },
        faxcredit::ledger::ActivityFilter { search: Some("SETTLEMENT".into()), ..Default::default() },
        faxcredit::ledger::ActivityFilter { from: Some(t("2026-11-20T00:00:00Z")), ..Default::default() },
    ];
    let mut compared = 0;
    for card in cards {
        for filter in &filters {
            let [a, b] = ledgers.each_mut().map(|(_, _, db)| {
                let mut buf = Vec::new();
                faxcredit::export::write_lines_csv(db, card, filter, &mut buf, Default::default(), &mut |_| {
                    ControlFlow::Continue(())
                })
                .unwrap();
                buf
            });
            assert!(a == b, "card {card}, {filter:?}: SQLite and PostgreSQL wrote different bytes");
            compared += a.len();
        }
    }
    assert!(compared > 100_000, "{compared} bytes compared");
}

on_both! {
    /// The audit log, streamed oldest first through the one encoder: what an OS user's name
    /// would make a formula is neutralized.
    fn the_audit_log_exports_oldest_first_and_safely(backend) {
        let mut s = prepaid_on(&backend);
        let admin = faxcredit::audit::Actor::cli("=HYPERLINK(\"http://x\")");
        faxcredit::account::set_time_zone(&mut s.db, Some("Europe/Paris"), &admin, t("2026-11-24T10:00:00Z")).unwrap();
        faxcredit::account::set_time_zone(&mut s.db, None, &tester(), t("2026-11-24T11:00:00Z")).unwrap();
        let out = s.dir.path().join("audit.csv");
        let n = faxcredit::export::export_audit(&s.db, &out, Default::default()).unwrap();
        let csv = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
        let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").filter(|r| !r.is_empty()).collect();
        assert_eq!(n, 2);
        assert_eq!(
            rows,
            [
                "id,at,actor,via,action,detail",
                "1,2026-11-24T10:00:00Z,\"'=HYPERLINK(\"\"http://x\"\")\",cli,account_settings_saved,time zone: Europe/Paris",
                "2,2026-11-24T11:00:00Z,tester,cli,account_settings_saved,time zone: the computer's",
            ]
        );
    }
}
