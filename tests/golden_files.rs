//! Golden files for what people read and import: the import report of a mixed, partly hostile
//! NDJSON and CSV log, and the CSV export of the cards they were billed to; the same files on
//! both storage engines.
//! `UPDATE_GOLDEN=1 cargo test --test golden_files` rewrites them; review the diff. With `CI`
//! set the tests fail instead: there they compare, never rewrite.

mod common;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use common::*;
use faxcredit::export::{export_card, write_card_csv};
use faxcredit::import::import_file;
use faxcredit::ledger::apply_card;

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name)
}

fn assert_golden(name: &str, actual: &[u8]) {
    let path = golden(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        // Rewriting makes the comparison below pass whatever was written: never in CI.
        assert!(std::env::var_os("CI").is_none(), "UPDATE_GOLDEN is set in CI, where golden files are only compared");
        std::fs::write(&path, actual).unwrap();
        eprintln!("rewrote {}: review the diff", path.display());
    }
    let expected =
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    if expected != actual {
        panic!(
            "{name} differs from the golden file\n--- expected\n{}\n--- actual\n{}",
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual)
        );
    }
}

fn import_report(s: &mut TestDb, file: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let summary = import_file(&mut s.db, &golden(file), t("2026-11-02T12:00:00Z"), &mut |r| {
        out.extend(serde_json::to_vec(r).unwrap());
        out.push(b'\n');
    })
    .unwrap();
    out.extend(serde_json::to_vec(&summary).unwrap());
    out.push(b'\n');
    out
}

on_both! {
    fn imports_a_mixed_interfax_log_and_exports_the_cards_exactly(backend) {
        let mut s = prepaid_on(&backend);
        let first = apply_card(&mut s.db, dec("1.00"), dec("0"), t("2026-10-31T00:00:00Z")).unwrap();
        let second = apply_card(&mut s.db, dec("50"), dec("2.50"), t("2026-10-31T00:00:00Z")).unwrap();

        let ndjson = import_report(&mut s, "import_mixed.ndjson");
        assert_golden("import_mixed.ndjson.report", &ndjson);
        let csv = import_report(&mut s, "import_mixed.csv");
        assert_golden("import_mixed.csv.report", &csv);
        assert_sound(&mut s.db);

        // Importing the same files again bills nothing new.
        let before = faxcredit::ledger::cards(&mut s.db).unwrap();
        import_report(&mut s, "import_mixed.ndjson");
        import_report(&mut s, "import_mixed.csv");
        assert_eq!(faxcredit::ledger::cards(&mut s.db).unwrap(), before);

        for (card, name) in [(first.id, "export_card_1001.csv"), (second.id, "export_card_1002.csv")] {
            let mut buf = Vec::new();
            write_card_csv(&mut s.db, card, &mut buf, &mut |_| ControlFlow::Continue(())).unwrap();
            assert_golden(name, &buf);
            // The file export writes exactly the same bytes.
            let out = s.dir.path().join(name);
            export_card(&mut s.db, card, &out, &mut |_| ControlFlow::Continue(())).unwrap();
            assert_eq!(std::fs::read(&out).unwrap(), buf);
        }
    }
}

on_both! {
    /// A log as InterFAX's REST API publishes it (written by hand in its shape: numeric ids, times
    /// without offset, completions seconds before submissions, `00` numbers, nulls, many extra
    /// fields, a summary after its full record, a fax in process and then completed, senders the
    /// account has never seen), imported into a fresh account with one 100.00 card: every completed
    /// fax billed once, every repeat `exists`, faxes in process `pending`, nothing refused or invalid.
    /// The report ends with the card's totals and the users, senders registered without a login.
    fn imports_a_real_interfax_log_as_it_is(backend) {
        for (file, billed, exists, pending, amount) in
            [("interfax_outbound.ndjson", 7, 3, 2, "1.6725"), ("interfax_outbound.csv", 4, 2, 1, "1.3000")]
        {
            let mut s = prepaid_on(&backend);
            let c = apply_card(&mut s.db, dec("100"), dec("0"), t("2026-10-31T00:00:00Z")).unwrap();
            let mut summary = None;
            let mut report = Vec::new();
            faxcredit::import::import_file(&mut s.db, &golden(file), t("2026-11-02T12:00:00Z"), &mut |r| {
                report.extend(serde_json::to_vec(r).unwrap());
                report.push(b'\n');
            })
            .map(|sum| summary = Some(sum))
            .unwrap();
            let summary = summary.unwrap();
            report.extend(serde_json::to_vec(&summary).unwrap());
            report.push(b'\n');
            let card = card(&mut s.db, c.id);
            report.extend(
                serde_json::to_vec(&serde_json::json!({
                    "card": card.id, "lines": card.lines, "used": card.used, "balance": card.balance,
                }))
                .unwrap(),
            );
            report.push(b'\n');
            let users: Vec<_> = faxcredit::account::users(&s.db)
                .unwrap()
                .into_iter()
                .map(|u| serde_json::json!({"name": u.name, "role": u.role, "login": u.login}))
                .collect();
            report.extend(serde_json::to_vec(&serde_json::json!({ "users": users })).unwrap());
            report.push(b'\n');
            assert_golden(&format!("{file}.report"), &report);

            assert_eq!((summary.billed, summary.exists, summary.pending), (billed, exists, pending), "{file}");
            assert_eq!((summary.refused, summary.different, summary.invalid), (0, 0, 0), "{file}");
            assert!(summary.clean());
            assert_eq!(summary.amount_billed.to_string(), amount);
            assert_eq!(card.used, summary.amount_billed, "{file}: the card paid what was billed");
            assert_sound(&mut s.db);

            // The same log again: every completed fax exists, the ones in process are still pending.
            let again = import_file(&mut s.db, &golden(file), t("2026-11-03T12:00:00Z"), &mut |_| {}).unwrap();
            assert_eq!((again.billed, again.exists, again.pending), (0, billed + exists, pending), "{file}");
            assert_eq!(again.amount_billed.to_string(), "0.0000");
            assert_sound(&mut s.db);
        }
    }
}

const HEADER_DESTINATION: usize = 5;

on_both! {
    fn the_export_is_valid_rfc4180_that_a_csv_reader_reads_back(backend) {
        let mut s = prepaid_on(&backend);
        let c = apply_card(&mut s.db, dec("50"), dec("0"), t("2026-10-31T00:00:00Z")).unwrap();
        import_report(&mut s, "import_mixed.ndjson");
        let mut buf = Vec::new();
        write_card_csv(&mut s.db, c.id, &mut buf, &mut |_| ControlFlow::Continue(())).unwrap();
        assert!(buf.windows(2).filter(|w| w == b"\r\n").count() >= 2, "CRLF line ends");
        assert!(buf.starts_with(faxcredit::export::BOM), "UTF-8 byte-order mark first");
        let mut r = csv::Reader::from_reader(&buf[..]);
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), faxcredit::export::HEADER.to_vec());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len() as i64, card(&mut s.db, c.id).lines);
        for row in &rows {
            for (i, cell) in row.iter().enumerate() {
                let text_col = matches!(faxcredit::export::HEADER[i], "fax_id" | "user" | "destination" | "subject");
                let phone = HEADER_DESTINATION == i && faxcredit::export::is_phone_number(cell.as_bytes());
                if text_col && !phone {
                    assert!(!faxcredit::export::needs_neutralizing(cell.as_bytes()), "unsafe cell {cell:?}");
                }
            }
        }
        let amounts: rust_decimal::Decimal = rows.iter().map(|r| r[11].parse::<rust_decimal::Decimal>().unwrap()).sum();
        assert_eq!(amounts, card(&mut s.db, c.id).used);
    }
}
