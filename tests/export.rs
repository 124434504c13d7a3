//! The export's promises: progress while it runs, cancellation and errors that leave no file
//! (and no temporary file) behind, and an existing target replaced only by a complete file.

mod common;

use std::ops::ControlFlow;

use common::scenario::{self, ReadOnly};
use common::*;
use faxcredit::export::{export_card, Progress, PROGRESS_EVERY};
use faxcredit::import::{import_reader, Format};
use faxcredit::ledger::apply_card;

fn card_with_lines(n: u64) -> (TestDb, i64) {
    let mut s = prepaid();
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

#[test]
fn reports_progress_and_finishes_with_the_total() {
    let (mut s, card) = card_with_lines(PROGRESS_EVERY * 2 + 5);
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

#[test]
fn cancelling_leaves_no_file_and_keeps_an_existing_one_intact() {
    let (mut s, card) = card_with_lines(PROGRESS_EVERY + 1);
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
}

#[test]
fn a_failed_write_leaves_no_partial_file() {
    let (mut s, card) = card_with_lines(10);
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

#[test]
fn writing_into_a_failing_writer_is_an_io_error() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("no space left on device"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let (mut s, card) = card_with_lines(100);
    let e = faxcredit::export::write_card_csv(&mut s.db, card, Full, &mut |_| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(e.code(), "io_error");
    assert!(e.to_string().contains("no space left"));
}
