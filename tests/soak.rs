//! Concurrency soak: four CLI processes importing and one in-process writer (the code path the
//! app's window uses) bill one database at once. No overdraft, no `database is locked` reaching a
//! user, every fax billed once, memory flat. `FAXCREDIT_SOAK_FAXES` sets the total (default 8,000;
//! `cargo xtask soak` runs 200,000).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn four_processes_and_the_app_path_bill_one_database_without_overdraft() {
    let total: usize = std::env::var("FAXCREDIT_SOAK_FAXES").ok().and_then(|s| s.parse().ok()).unwrap_or(8_000);
    let mut s = common::prepaid();
    // Less credit than the faxes need: the last ones are refused, never overdrawn.
    let need = total as i64 * 2 / 10; // 2 pages at 0.10
    faxcredit::ledger::apply_card(
        &mut s.db,
        common::dec(&(need * 9 / 10).to_string()),
        common::dec("0"),
        common::t("2026-11-01T00:00:00Z"),
    )
    .unwrap();
    let path = s.path();
    let per_writer = total / 5;
    let chunk = 2_000.min(per_writer.max(1));
    let started = std::time::Instant::now();

    let procs: Vec<_> = (0..4)
        .map(|w| {
            let path = path.clone();
            let dir = s.dir.path().to_path_buf();
            std::thread::spawn(move || {
                let mut errors = String::new();
                for (c, start) in (0..per_writer).step_by(chunk).enumerate() {
                    let file = dir.join(format!("w{w}-{c}.ndjson"));
                    let mut f = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
                    for i in start..(start + chunk).min(per_writer) {
                        writeln!(f, r#"{{"id":"p{w}-{i}","userId":"bob","destinationFax":"+12125550100","submitTime":"2026-11-24T09:00:00Z","pagesSent":2}}"#).unwrap();
                    }
                    drop(f);
                    let o = Command::new(BIN).arg("--db").arg(&path).arg("import").arg(&file).stdin(Stdio::null()).output().unwrap();
                    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", String::from_utf8_lossy(&o.stderr));
                    errors.push_str(&String::from_utf8_lossy(&o.stderr));
                    let _ = std::fs::remove_file(&file);
                }
                errors
            })
        })
        .collect();

    // The app's Export Activity path at the same time, on its own connection, writing into the
    // ledger's own folder (where a Save As may put it): it must neither block the writers nor
    // disturb the ledger's files.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let exporter = {
        let (path, dir, stop) = (path.clone(), s.dir.path().to_path_buf(), stop.clone());
        std::thread::spawn(move || {
            let mut exports = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || exports == 0 {
                let mut db = faxcredit::Db::open(&path).unwrap();
                let out = dir.join(format!("export-{exports}.csv"));
                faxcredit::export::export_card(&mut db, 1001, &out, &mut |_| std::ops::ControlFlow::Continue(()))
                    .unwrap();
                std::fs::remove_file(&out).unwrap();
                exports += 1;
            }
            exports
        })
    };

    // The fifth writer: the core's billing as the app calls it, one fax per transaction.
    let rss_before = rss_kb();
    let mut db = faxcredit::Db::open(&path).unwrap();
    let mut rss_mid = 0;
    for i in 0..per_writer {
        match faxcredit::billing::bill(&mut db, &common::fax(&format!("app-{i}"), 2), common::t("2026-11-24T10:00:00Z"))
        {
            Ok(_) => {}
            Err(e) => assert_eq!(e.code(), "quota_exceeded", "{e}"),
        }
        if i == per_writer / 2 {
            rss_mid = rss_kb();
        }
    }
    let rss_after = rss_kb();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let exports = exporter.join().unwrap();
    for p in procs {
        let errors = p.join().unwrap();
        assert!(!errors.contains("locked") && !errors.contains("busy"), "{errors}");
    }
    db.verify_files().expect("the app path's connection still holds the ledger's own files");
    common::assert_sound(&mut db);
    let (faxes, billed): (i64, i64) = db
        .conn()
        .query_row("SELECT count(*), coalesce(sum(cost), 0) FROM faxes", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let credit: i64 = db.conn().query_row("SELECT sum(original_balance) FROM cards", [], |r| r.get(0)).unwrap();
    assert!(billed <= credit, "overdraft: billed {billed} of {credit}");
    // The faxes outnumber the credit and it is a whole number of 0.20 faxes: all of it is used.
    assert_eq!(billed, credit, "every unit of credit billed, none refused while some was left");
    assert_eq!(billed, faxes * 2_000, "each billed fax costs 0.20");
    assert!(rss_after <= rss_mid + 8 * 1024, "memory grew: {rss_before} → {rss_mid} → {rss_after} kB");
    eprintln!(
        "soak: {} faxes submitted by 5 writers in {:.1?} beside {exports} exports, {faxes} billed, {} refused (205000), no overdraft, RSS {rss_before} → {rss_mid} → {rss_after} kB",
        per_writer * 5,
        started.elapsed(),
        per_writer as i64 * 5 - faxes
    );
}
