//! Import and demo where only a PostgreSQL ledger can fail them: a connection lost in the middle
//! of an import batch, importers racing for one account, and a demo pointed at a schema that
//! already holds something. Each test needs the server `FAXCREDIT_TEST_PG` names and says on
//! stderr that it was skipped without one (`FAXCREDIT_REQUIRE_PG=1` makes that fail).

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::process::{Command, Output, Stdio};

use common::{assert_sound, dec, prepaid_on, t, Backend, TestDb};

const CLI: &str = env!("CARGO_BIN_EXE_faxcredit");

/// `faxcredit --db DB ARGS…` at a pinned clock, importing in batches of `batch` records.
fn cli(db: &OsStr, batch: usize, args: &[&str]) -> Output {
    Command::new(CLI)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("FAXCREDIT_NOW", "2026-11-24T10:00:00Z")
        .env("FAXCREDIT_IMPORT_BATCH", batch.to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A log of faxes `{prefix}000`… of one page (0.10) each.
fn log(s: &TestDb, prefix: &str, n: usize) -> std::path::PathBuf {
    let path = s.dir.path().join(format!("{prefix}.ndjson"));
    let lines: String = (0..n)
        .map(|i| {
            format!(
                "{{\"id\":\"{prefix}{i:03}\",\"userId\":\"bob\",\"destinationFax\":\"+12125550100\",\
                 \"submitTime\":\"2026-11-24T09:00:00Z\",\"pagesSent\":1}}\n"
            )
        })
        .collect();
    std::fs::write(&path, lines).unwrap();
    path
}

/// Each record's status as the import printed it (`--json`), by fax id.
fn statuses(o: &Output) -> BTreeMap<String, String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["fax_id"].as_str().unwrap().to_string(), v["status"].as_str().unwrap().to_string())
        })
        .collect()
}

fn billed_ids(s: &TestDb) -> Vec<String> {
    s.db.conn().query("SELECT id FROM faxes ORDER BY id", &[], |r| r.get(0)).unwrap()
}

fn used(s: &TestDb) -> i64 {
    s.db.conn().query_row("SELECT sum(used) FROM cards", &[], |r| r.get(0)).unwrap()
}

#[test]
fn a_batch_cut_by_a_lost_connection_commits_nothing_and_the_import_run_again_bills_each_fax_once() {
    let test = "a_batch_cut_by_a_lost_connection_commits_nothing_and_the_import_run_again_bills_each_fax_once";
    let Some(backend) = Backend::postgres(test) else { return };
    let mut s = prepaid_on(&backend);
    faxcredit::ledger::apply_card(&mut s.db, dec("1000"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    // The server ends the importer's session once, as a restart or a failover would, while the
    // third batch (F200…F299) is being written: at its 51st fax. The sequence counts outside
    // the transactions, so the import run again is not cut.
    for sql in [
        "CREATE SEQUENCE cut_once",
        "CREATE FUNCTION cut() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.id = 'F250' AND nextval('cut_once') = 1 THEN
                 PERFORM pg_terminate_backend(pg_backend_pid());
             END IF;
             RETURN NEW;
         END $$",
        "CREATE TRIGGER cut AFTER INSERT ON faxes FOR EACH ROW EXECUTE FUNCTION cut()",
    ] {
        s.db.conn().execute(sql, &[]).unwrap();
    }
    let file = log(&s, "F", 600);
    let file = file.to_str().unwrap();

    let first = cli(&s.arg, 100, &["import", file, "--json"]);
    let err = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(8), "database unavailable: {err}");
    assert!(err.contains("[database_unavailable]"), "{err}");
    let acknowledged = statuses(&first);
    assert_eq!(acknowledged.len(), 200, "the two batches committed before the cut were reported");
    assert!(acknowledged.values().all(|s| s == "billed"));
    let kept = billed_ids(&s);
    assert_eq!(
        kept,
        acknowledged.keys().cloned().collect::<Vec<_>>(),
        "the cut batch left nothing, not even F200…F250"
    );
    assert_eq!(used(&s), 200 * 1_000, "the cards paid for the acknowledged faxes only");
    assert_sound(&mut s.db);

    let again = cli(&s.arg, 100, &["import", file, "--json"]);
    assert_eq!(again.status.code(), Some(0), "{}", String::from_utf8_lossy(&again.stderr));
    let second = statuses(&again);
    assert_eq!(second.len(), 600);
    for (id, status) in &second {
        let want = if acknowledged.contains_key(id) { "exists" } else { "billed" };
        assert_eq!(status, want, "{id}");
    }
    assert_eq!(billed_ids(&s).len(), 600, "every fax once");
    assert_eq!(used(&s), 600 * 1_000, "and paid once");
    assert_sound(&mut s.db);
}

#[test]
fn importers_racing_for_one_account_never_overdraw_it_and_bill_each_fax_once() {
    let test = "importers_racing_for_one_account_never_overdraw_it_and_bill_each_fax_once";
    let Some(backend) = Backend::postgres(test) else { return };
    let mut s = prepaid_on(&backend);
    // 10.00: room for exactly 100 faxes of 0.10.
    faxcredit::ledger::apply_card(&mut s.db, dec("10"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    // Three importers of their own faxes and one of faxes the first also sends, in small batches.
    let logs: Vec<String> = ["A", "B", "C"].iter().map(|p| log(&s, p, 60).to_str().unwrap().to_string()).collect();
    let runs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = logs
            .iter()
            .chain(std::iter::once(&logs[0]))
            .map(|file| scope.spawn(|| cli(&s.arg, 7, &["import", file, "--json"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut billed_by: BTreeMap<String, usize> = BTreeMap::new();
    for o in &runs {
        assert!(matches!(o.status.code(), Some(0 | 3)), "{}", String::from_utf8_lossy(&o.stderr));
        for (id, status) in statuses(o) {
            assert!(["billed", "exists", "refused"].contains(&status.as_str()), "{id}: {status}");
            if status == "billed" {
                *billed_by.entry(id).or_default() += 1;
            }
        }
    }
    assert!(billed_by.values().all(|n| *n == 1), "a fax billed by two importers: {billed_by:?}");
    assert_eq!(billed_ids(&s), billed_by.keys().cloned().collect::<Vec<_>>(), "every fax reported billed, once");
    assert_eq!(billed_by.len(), 100, "the card paid for exactly what it held");
    assert_eq!(used(&s), 10 * 10_000);
    assert_sound(&mut s.db);
}

#[test]
fn the_demo_seeds_only_a_new_or_empty_schema() {
    let Some(backend) = Backend::postgres("the_demo_seeds_only_a_new_or_empty_schema") else { return };
    // A schema holding another program's table: refused, and left as it was.
    let place = backend.fresh();
    let url = place.arg.clone();
    let schema = url.to_str().unwrap().rsplit_once("schema=").unwrap().1.to_string();
    let admin_place = backend.fresh();
    let admin = faxcredit::Db::create(admin_place.location()).unwrap();
    admin.conn().execute(&format!("CREATE SCHEMA \"{schema}\""), &[]).unwrap();
    admin.conn().execute(&format!("CREATE TABLE \"{schema}\".their_table (x BIGINT)"), &[]).unwrap();
    let o = cli(&url, 100, &["demo", "--faxes", "10"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is not empty") && err.contains("[invalid_input]"), "{err}");
    let left: Vec<String> =
        admin.conn().query("SELECT tablename FROM pg_tables WHERE schemaname = ?1", &[&schema], |r| r.get(0)).unwrap();
    assert_eq!(left, ["their_table"], "nothing was created beside it");

    // A schema that does not exist yet: created and seeded; then never seeded again.
    let fresh = backend.fresh();
    let o = cli(&fresh.arg, 100, &["demo", "--faxes", "200"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cli(&fresh.arg, 100, &["demo", "--faxes", "200"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("already holds an account (Northwind Legal LLP)"), "{err}");
    let mut db = faxcredit::Db::open(fresh.location()).unwrap();
    assert_sound(&mut db);
    let faxes: i64 = db.conn().query_row("SELECT count(*) FROM faxes", &[], |r| r.get(0)).unwrap();
    assert_eq!(faxes, 200);
}
