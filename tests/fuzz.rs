//! Hostile input, fuzzed with proptest: arbitrary bytes and mangled records into the NDJSON and
//! CSV importers, arbitrary argument lists into the CLI parser. Nothing panics, every record gets
//! one result, nothing is half-billed, the ledger's invariants hold. `cargo xtask fuzz` runs many
//! more cases (PROPTEST_CASES).

mod common;

use clap::Parser;
use faxcredit::import::{import_reader, Format};
use proptest::prelude::*;

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

/// Records that look right and then are spoiled: a field dropped, a type changed, bytes cut.
fn mangled_record() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just(r#""id":"F1""#.to_string()),
        "[a-z0-9]{0,12}".prop_map(|s| format!(r#""id":"{s}""#)),
        Just(r#""userId":"bob""#.to_string()),
        Just(r#""userId":"nobody""#.to_string()),
        "[+0-9 ()-]{0,20}".prop_map(|s| format!(r#""destinationFax":"{s}""#)),
        Just(r#""submitTime":"2026-11-24T09:00:00Z""#.to_string()),
        ".{0,30}".prop_map(|s| format!(r#""submitTime":{}"#, serde_json::to_string(&s).unwrap())),
        (-5i64..20000).prop_map(|n| format!(r#""pagesSent":{n}"#)),
        (-5i64..50).prop_map(|n| format!(r#""pagesSubmitted":{n}"#)),
        (-100i64..100000).prop_map(|n| format!(r#""duration":{n}"#)),
        "[-0-9.e]{0,12}".prop_map(|s| format!(r#""costPerUnit":"{s}""#)),
        "[-0-9.e]{0,12}".prop_map(|s| format!(r#""units":"{s}""#)),
        (-3i64..3).prop_map(|n| format!(r#""status":{n}"#)),
        ".{0,40}".prop_map(|s| format!(r#""subject":{}"#, serde_json::to_string(&s).unwrap())),
        Just(r#""pagesSent":null"#.to_string()),
        Just(r#""pagesSent":[1,2]"#.to_string()),
    ];
    (prop::collection::vec(field, 0..9), 0usize..200).prop_map(|(fields, cut)| {
        let s = format!("{{{}}}", fields.join(","));
        if cut > 0 && cut < s.len() && s.is_char_boundary(s.len() - cut.min(s.len())) && cut % 7 == 0 {
            s[..s.len() - cut].to_string()
        } else {
            s
        }
    })
}

/// One account (users hashed once), copied for every case.
fn template() -> &'static std::path::Path {
    static T: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> = std::sync::OnceLock::new();
    &T.get_or_init(|| {
        let mut s = common::prepaid();
        faxcredit::ledger::apply_card(
            &mut s.db,
            common::dec("50.00"),
            common::dec("0"),
            common::t("2026-11-01T00:00:00Z"),
        )
        .unwrap();
        s.db.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        let path = s.path();
        drop(s.db);
        (s.dir, path)
    })
    .1
}

fn run_import(bytes: &[u8], format: Format) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.db");
    std::fs::copy(template(), &path).unwrap();
    let mut db = faxcredit::Db::open(&path).unwrap();
    let mut results = 0u64;
    let r = import_reader(&mut db, bytes, format, common::t("2026-11-24T10:00:00Z"), &mut |_| results += 1);
    if let Ok(summary) = r {
        assert_eq!(summary.records, results, "every record gets one result");
        let billed: i64 = db.conn().query_row("SELECT count(*) FROM faxes", [], |r| r.get(0)).unwrap();
        assert_eq!(billed as u64, summary.billed, "billed = faxes in the ledger");
    }
    common::assert_sound(&mut db);
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn ndjson_import_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        run_import(&bytes, Format::Ndjson);
    }

    #[test]
    fn csv_import_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        run_import(&bytes, Format::Csv);
    }

    #[test]
    fn ndjson_import_takes_mangled_records_one_by_one(lines in prop::collection::vec(mangled_record(), 0..40)) {
        run_import(lines.join("\n").as_bytes(), Format::Ndjson);
    }

    #[test]
    fn csv_import_takes_mangled_rows_one_by_one(rows in prop::collection::vec(prop::collection::vec("[^\n]{0,12}", 0..8), 0..30)) {
        let mut text = String::from("id,userId,destinationFax,submitTime,pagesSent,costPerUnit,units\n");
        for r in rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        run_import(text.as_bytes(), Format::Csv);
    }

    #[test]
    fn the_cli_parser_never_panics(args in prop::collection::vec(prop_oneof![
        Just("bill".to_string()), Just("import".to_string()), Just("export".to_string()), Just("cards".to_string()),
        Just("purchase".to_string()), Just("payment-card".to_string()), Just("repeat-order".to_string()),
        Just("email".to_string()), Just("set".to_string()), Just("--json".to_string()), Just("--id".to_string()),
        Just("--pages".to_string()), Just("--port".to_string()), Just("--db".to_string()), Just("--".to_string()),
        ".{0,16}",
    ], 0..8)) {
        let argv = std::iter::once("faxcredit".to_string()).chain(args);
        let _ = faxcredit::cli::Cli::try_parse_from(argv);
    }
}
