//! Concurrency soak, on both engines (one body through `on_both!`): four CLI processes importing
//! and a fifth process billing through the core one fax per transaction (the code path the app's
//! window uses) bill one ledger at once, beside an exporter. The credit is an exact number of
//! faxes and the faxes outnumber it: every unit of credit is billed, no more, and every other fax
//! is refused with 205000, counted by those who submitted it. No other error reaches anyone (no
//! `database is locked` on SQLite, no serialization failure or deadlock on PostgreSQL), and the
//! memory of each writer process (not of this test) stays flat. `FAXCREDIT_SOAK_FAXES` sets the
//! total (default 8,000; `cargo xtask soak` runs 200,000 on each engine).

mod common;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");
/// Memory a writer may gain from its early reading to its last, in kB.
const FLAT_KB: u64 = 8 * 1024;

/// `VmRSS` and `VmHWM` (peak) of a process, in kB.
fn memory_kb(pid: &str) -> Option<(u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        s.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Waits for `child`, reading its output, and returns it with the highest peak memory seen
/// while it ran (sampled from /proc every few milliseconds).
fn wait_measured(mut child: Child) -> (std::process::ExitStatus, String, String, u64) {
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let pid = child.id().to_string();
    let mut peak = 0;
    let status = loop {
        if let Some((_, hwm)) = memory_kb(&pid) {
            peak = peak.max(hwm);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(3));
    };
    (status, reader.join().unwrap(), err_reader.join().unwrap(), peak)
}

/// The number before ` {label} (` in an import's summary line.
fn summary_count(summary: &str, label: &str) -> Option<u64> {
    let at = summary.find(&format!(" {label} ("))?;
    summary[..at].rsplit([' ', ',']).next()?.parse().ok()
}

/// What one CLI importer saw: faxes billed and refused by its summaries, the refusals its stderr
/// named (one `[quota_exceeded]` line each), anything else it said there, and the peak memory of
/// each of its imports in order.
#[derive(Default)]
struct Importer {
    billed: u64,
    refused: u64,
    refusal_lines: u64,
    other_errors: String,
    peaks_kb: Vec<u64>,
}

impl Importer {
    /// Runs `faxcredit --db DB import FILE` and adds up what it said.
    fn import(&mut self, db: &OsStr, file: &Path) {
        let child = Command::new(BIN)
            .arg("--db")
            .arg(db)
            .arg("import")
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (status, out, err, peak) = wait_measured(child);
        let count = |label| summary_count(&out, label).unwrap_or_else(|| panic!("no summary ({status}): {out}{err}"));
        let (billed, refused) = (count("billed"), count("refused"));
        assert_eq!(status.code(), Some(if refused > 0 { 3 } else { 0 }), "{out}{err}");
        self.billed += billed;
        self.refused += refused;
        for line in err.lines() {
            if line.contains(": 205000 - Quota Exceeded: ") && line.ends_with(" [quota_exceeded]") {
                self.refusal_lines += 1;
            } else {
                self.other_errors.push_str(line);
                self.other_errors.push('\n');
            }
        }
        self.peaks_kb.push(peak);
    }
}

/// An NDJSON log of `ids`' faxes: two pages to the US (0.20) each, by bob.
fn write_log(file: &Path, ids: impl Iterator<Item = String>) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(file).unwrap());
    for id in ids {
        writeln!(f, r#"{{"id":"{id}","userId":"bob","destinationFax":"+12125550100","submitTime":"2026-11-24T09:00:00Z","pagesSent":2}}"#).unwrap();
    }
}

on_both! {
    fn four_processes_and_the_app_path_bill_one_ledger_without_overdraft(backend) {
        let total: usize =
            std::env::var("FAXCREDIT_SOAK_FAXES").ok().and_then(|s| s.parse().ok()).unwrap_or(8_000);
        let mut s = common::prepaid_on(&backend);
        // Less credit than the faxes need, a whole number of 0.20 faxes: the last ones are
        // refused, never overdrawn.
        let need = total as i64 * 2 / 10; // 2 pages at 0.10
        let card = faxcredit::ledger::apply_card(
            &mut s.db,
            common::dec(&(need * 9 / 10).to_string()),
            common::dec("0"),
            common::t("2026-11-01T00:00:00Z"),
        )
        .unwrap()
        .id;
        let per_writer = total / 5;
        // Several imports per writer, so that its memory is read as the ledger grows.
        let chunk = 2_000.min((per_writer / 4).max(1));
        let started = std::time::Instant::now();

        let procs: Vec<_> = (0..4)
            .map(|w| {
                let (db, dir) = (s.arg.clone(), s.dir.path().to_path_buf());
                std::thread::spawn(move || {
                    let mut seen = Importer::default();
                    for (c, start) in (0..per_writer).step_by(chunk).enumerate() {
                        let file = dir.join(format!("w{w}-{c}.ndjson"));
                        write_log(&file, (start..(start + chunk).min(per_writer)).map(|i| format!("p{w}-{i}")));
                                            seen.import(&db, &file);
                        let _ = std::fs::remove_file(&file);
                    }
                    seen
                })
            })
            .collect();

        // The app's Export Activity path at the same time, on its own connection, writing into
        // the test's folder (beside the ledger on SQLite, where a Save As may put it): it must
        // neither block the writers nor disturb the ledger.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let exporter = {
            let (at, dir, stop) = (s.location(), s.dir.path().to_path_buf(), stop.clone());
            std::thread::spawn(move || {
                let mut exports = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || exports == 0 {
                    let mut db = faxcredit::Db::open(&at).unwrap();
                    let out = dir.join(format!("export-{exports}.csv"));
                    faxcredit::export::export_card(&mut db, card, &out, &mut |_| std::ops::ControlFlow::Continue(()))
                        .unwrap();
                    std::fs::remove_file(&out).unwrap();
                    exports += 1;
                }
                exports
            })
        };

        // The fifth writer: the core's billing as the app calls it, in a process of its own so
        // that its memory is its own.
        let app = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "app_path_writer", "--ignored", "--nocapture", "--test-threads=1"])
            .env("FAXCREDIT_SOAK_WRITER", format!("{}\n{per_writer}", s.arg.to_str().unwrap()))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (status, app_out, app_err, _) = wait_measured(app);
        assert!(status.success(), "the app-path writer failed: {app_out}{app_err}");
        let report = app_out
            .lines()
            .find_map(|l| l.split_once("app-path: ").map(|(_, r)| r))
            .unwrap_or_else(|| panic!("no report from the app-path writer: {app_out}{app_err}"));
        let n: Vec<u64> = report.split(' ').map(|v| v.parse().unwrap()).collect();
        let (app_billed, app_refused, rss_early, rss_mid, rss_end) = (n[0], n[1], n[2], n[3], n[4]);

        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let importers: Vec<Importer> = procs.into_iter().map(|p| p.join().unwrap()).collect();
        let elapsed = started.elapsed();
        let exports = exporter.join().unwrap();
        for seen in &importers {
            assert!(seen.other_errors.is_empty(), "an importer said more than 205000:\n{}", seen.other_errors);
            assert_eq!(seen.refusal_lines, seen.refused, "one 205000 line per refused fax");
        }
        common::assert_sound(&mut s.db);
        let faxes = s.count("SELECT count(*) FROM faxes");
        let billed = s.count("SELECT coalesce(sum(cost), 0) FROM faxes");
        let credit = s.count("SELECT sum(original_balance) FROM cards");
        let attempts = s.count("SELECT count(*) FROM attempts");
        assert!(billed <= credit, "overdraft: billed {billed} of {credit}");
        // The faxes outnumber the credit and it is a whole number of 0.20 faxes: all of it is used.
        assert_eq!(billed, credit, "every unit of credit billed, none refused while some was left");
        assert_eq!(faxes, credit / 2_000, "each billed fax costs 0.20");
        let said_billed = app_billed + importers.iter().map(|i| i.billed).sum::<u64>();
        let said_refused = app_refused + importers.iter().map(|i| i.refused).sum::<u64>();
        assert_eq!(said_billed, faxes as u64, "the writers were told billed for exactly the faxes in the ledger");
        assert_eq!(said_refused, (per_writer * 5) as u64 - said_billed, "every other fax was told 205000");
        assert_eq!(attempts as u64, said_refused, "each refusal logged once");
        assert!(app_billed > 0 && importers.iter().all(|i| i.billed > 0), "every writer billed some faxes");

        // Memory: the app-path process from early in its run to its end, and each importer's
        // peak from its first import to its last (the ledger grew meanwhile).
        assert!(
            rss_end <= rss_early + FLAT_KB && rss_mid <= rss_early + FLAT_KB,
            "the app path's memory grew: {rss_early} → {rss_mid} → {rss_end} kB"
        );
        for seen in &importers {
            let (first, last) = (seen.peaks_kb[0], *seen.peaks_kb.last().unwrap());
            assert!(first > 0 && last <= first + FLAT_KB, "an importer's peak memory grew: {:?} kB", seen.peaks_kb);
        }
        let cli_peak = importers.iter().flat_map(|i| i.peaks_kb.iter()).max().unwrap();
        eprintln!(
            "soak on {}: {} faxes submitted by 5 writers in {elapsed:.1?} ({} faxes/s) beside {exports} exports, {faxes} billed, {said_refused} refused (205000), no overdraft; app path RSS {rss_early} → {rss_mid} → {rss_end} kB, CLI import peak ≤ {cli_peak} kB over {} imports",
            backend.name(),
            per_writer * 5,
            (per_writer * 5) as u128 * 1000 / elapsed.as_millis().max(1),
            importers.iter().map(|i| i.peaks_kb.len()).sum::<usize>()
        );
    }
}

/// The soak's fifth writer, run by it as a process of its own: bills `FAXCREDIT_SOAK_WRITER`'s
/// faxes (its ledger's `--db` and how many, a line each) one per transaction, as the app does,
/// and prints `app-path: billed refused` and its resident memory (kB) early in the run,
/// half-way and at the end.
#[test]
#[ignore = "a process the soak starts; does nothing on its own"]
fn app_path_writer() {
    let Ok(spec) = std::env::var("FAXCREDIT_SOAK_WRITER") else { return };
    let (at, n) = spec.split_once('\n').unwrap();
    let n: usize = n.parse().unwrap();
    let mut db = faxcredit::Db::open(faxcredit::db::Location::parse(OsStr::new(at)).unwrap()).unwrap();
    let (mut billed, mut refused, mut rss) = (0u64, 0u64, [0u64; 3]);
    for i in 0..n {
        match faxcredit::billing::bill(&mut db, &common::fax(&format!("app-{i}"), 2), common::t("2026-11-24T10:00:00Z"))
        {
            Ok(faxcredit::ledger::Outcome::Billed { .. }) => billed += 1,
            Ok(other) => panic!("fax app-{i}: {other:?}"),
            Err(e) => {
                assert_eq!(e.code(), "quota_exceeded", "{e}");
                refused += 1;
            }
        }
        for (k, at) in [n / 10, n / 2, n - 1].into_iter().enumerate() {
            if i == at {
                rss[k] = memory_kb("self").unwrap().0;
            }
        }
    }
    db.verify_files().expect("the app path's connection still holds the ledger's own files");
    println!("app-path: {billed} {refused} {} {} {}", rss[0], rss[1], rss[2]);
}
