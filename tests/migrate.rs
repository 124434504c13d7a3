//! Moving a SQLite ledger up to PostgreSQL (`migrate::to_postgres`, `faxcredit migrate-to`):
//! every table and row arrives with its ids, `check` passes on both sides, the next id on
//! PostgreSQL follows the copied ones; a target that holds a ledger is refused and left alone;
//! a copy whose connection is cut midway leaves the target as it was. The target is a fresh
//! schema of the server `FAXCREDIT_TEST_PG` names (skipped with a line without it, failed
//! with `FAXCREDIT_REQUIRE_PG=1`); the source is always a SQLite file.

mod common;

use common::{dec, fax, priced, t, Backend, TestDb};
use faxcredit::audit::Actor;
use faxcredit::db::Location;
use faxcredit::migrate;
use faxcredit::orders::{self, Status};
use faxcredit::payments::payment_method::{self, CardInput};
use faxcredit::payments::{Fault, Sandbox};
use faxcredit::secrets::MemoryStore;
use faxcredit::sql::Conn;
use faxcredit::time::FixedClock;
use faxcredit::Db;

const CLI: &str = env!("CARGO_BIN_EXE_faxcredit");

fn manager() -> Actor {
    Actor::app("alice")
}

fn no_progress() -> impl FnMut(u64, u64) {
    |_, _| {}
}

/// A SQLite ledger with a row in every table: rates, alert levels, recipients, email settings,
/// billing details, a failed login, the payment card, cards (one used up, one fax split across
/// two), a refused fax, the repeat order bought with its receipt and emails (one with the PDF
/// attached), a manual purchase with a PO reference, a declined one, and the audit of it all.
fn full_ledger() -> TestDb {
    use faxcredit::notify::{self, EmailSettings, Only, Security};
    use faxcredit::rates::{change_rates, RateChange, Unit};
    let mut s = common::prepaid_on(&Backend::Sqlite);
    let (by, at) = (manager(), t("2026-11-01T00:00:00Z"));
    let rate = RateChange::Set { prefix: "44".into(), price: "0.12".into(), unit: Unit::Page, label: None };
    change_rates(&mut s.db, &rate, &by, at).unwrap();
    let levels = faxcredit::alerts::parse_levels(&["5.00", "80%"]).unwrap();
    faxcredit::alerts::set_levels(&mut s.db, &levels, &by, at).unwrap();
    notify::add_recipient(&mut s.db, "finance@test.example", Some(Only::Purchases), &by, at).unwrap();
    let smtp = EmailSettings {
        host: "127.0.0.1".into(),
        port: 2525,
        security: Security::None,
        username: None,
        from: "fax@test.example".into(),
    };
    notify::set_email_settings(&mut s.db, smtp, &by, at).unwrap();
    let details = faxcredit::billing_details::BillingDetailsInput {
        billing_address: Some("1 Main St\nSpringfield".into()),
        tax_id: Some("US 12-3456789".into()),
        email_receipts: Some(true),
    };
    faxcredit::billing_details::set_billing_details(&mut s.db, &details, &by, at).unwrap();
    faxcredit::account::login(&mut s.db, "alice", "not her password", at).unwrap_err();
    let secrets = MemoryStore::default();
    let card =
        |number: &str| CardInput { number: number.into(), expiry: "12/28".into(), holder: "Alice".into(), cvv: None };
    payment_method::set(&mut s.db, &secrets, &card("4242424242424242"), &by, at).unwrap();
    faxcredit::ledger::apply_card(&mut s.db, dec("1.00"), dec("0"), at).unwrap();
    faxcredit::repeat::set(&mut s.db, "starter", None, &by, at).unwrap();
    let now = t("2026-11-24T10:00:00Z");
    faxcredit::billing::bill(&mut s.db, &fax("f1", 10), now).unwrap();
    let refused = faxcredit::billing::bill(&mut s.db, &fax("f2", 3), now).unwrap_err();
    assert_eq!(refused.code(), "quota_exceeded", "{refused}");
    let gateway = Sandbox::beside(&s.path(), Fault::None);
    let clock = FixedClock::new(now);
    let p = common::buying::purchaser(&gateway, &secrets, &clock);
    assert_eq!(orders::reconcile(&mut s.db, &p).unwrap().paid, 1, "the repeat order bought a card");
    let order = orders::purchase_with_po(&mut s.db, &p, "standard", "k-1", false, Some("PO-7"), &by).unwrap();
    assert_eq!(order.status, Status::Paid);
    orders::placed_by::record(&mut s.db, "k-1", "alice").unwrap();
    payment_method::set(&mut s.db, &secrets, &card("4000000000000002"), &by, at).unwrap();
    orders::purchase_with_po(&mut s.db, &p, "starter", "k-2", false, None, &by).unwrap_err();
    // 25.00 from a 20.00 card that the faxes above have not touched: split across two cards.
    faxcredit::billing::bill(&mut s.db, &priced("f3", "250", "0.1000"), now).unwrap();
    // Written by the OS keyring's store, which tests replace with one in memory.
    s.db.conn().execute("INSERT INTO keyring_scope (id, scope) VALUES (1, 'test')", &[]).unwrap();
    for table in tables(&s.db) {
        assert!(!rows(s.db.conn(), &table).is_empty(), "the ledger to copy has no row in {table}");
    }
    common::assert_sound(&mut s.db);
    s
}

/// Every table of a SQLite ledger.
fn tables(db: &Db) -> Vec<String> {
    db.conn()
        .query(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name",
            &[],
            |r| r.get(0),
        )
        .unwrap()
}

/// Every row of `table`, each as its columns' values (in the SQLite table's column order),
/// sorted: the same on both engines when the rows are.
fn rows(conn: Conn<'_>, table: &str) -> Vec<String> {
    rows_of(conn, table, &columns(table))
}

fn rows_of(conn: Conn<'_>, table: &str, columns: &[String]) -> Vec<String> {
    let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let sql = format!("SELECT {} FROM \"{table}\"", list.join(", "));
    let mut out = conn
        .query(&sql, &[], |r| {
            let values = (0..columns.len()).map(|i| r.value(i).map(|v| v.into_owned())).collect::<Result<Vec<_>, _>>();
            Ok(format!("{:?}", values?))
        })
        .unwrap();
    out.sort();
    out
}

/// The columns of a ledger table (from a new SQLite ledger, the schema the copy reads).
fn columns(table: &str) -> Vec<String> {
    let db = Db::in_memory().unwrap();
    db.conn().query("SELECT name FROM pragma_table_info(?1)", &[&table], |r| r.get(0)).unwrap()
}

fn schema_of(fresh: &common::backends::Fresh) -> (postgres::Client, String) {
    let Location::Postgres(url) = fresh.location() else { panic!("a PostgreSQL target") };
    (postgres::Config::from(url.config.clone()).connect(postgres::NoTls).unwrap(), url.schema.clone())
}

/// One story, read top to bottom: the copy and its progress, its rows, its schema, its next ids.
#[test]
fn every_table_and_row_moves_up_with_its_ids_and_check_passes_on_both() {
    let Some(server) = Backend::postgres("every_table_and_row_moves_up_with_its_ids_and_check_passes_on_both") else {
        return;
    };
    let mut src = full_ledger();
    let target = server.fresh();
    let mut heard = Vec::new();
    let url = target.arg.to_str().unwrap();
    let s = migrate::to_postgres(&mut src.db, url, &mut |done, all| heard.push((done, all))).unwrap();
    assert!(s.ok(), "{s:#?}");
    assert_eq!(s.sqlite.totals, s.postgres.totals);
    assert_eq!((s.postgres.totals.faxes, s.postgres.totals.lines), (2, 3), "f1 whole, f3 split; f2 refused");
    let all = s.rows;
    assert_eq!(heard.first(), Some(&(0, all)), "{heard:?}");
    assert_eq!(heard.last(), Some(&(all, all)), "{heard:?}");
    assert!(heard.windows(2).all(|w| w[0].0 <= w[1].0), "progress never goes back: {heard:?}");

    let mut pg = Db::open(target.location()).unwrap();
    let names = tables(&src.db);
    assert_eq!(s.tables, names.len());
    let mut copied = 0;
    for table in &names {
        let (lite, post) = (rows(src.db.conn(), table), rows(pg.conn(), table));
        assert_eq!(lite, post, "table {table}");
        copied += lite.len() as u64;
    }
    assert_eq!(copied, all, "every row counted once");
    common::assert_sound(&mut pg);

    // The next ids continue after the copied ones: through the ledger's own code…
    let max = |db: &Db, sql: &str| -> i64 { db.conn().query_row(sql, &[], |r| r.get(0)).unwrap() };
    let (users, faxes) = (max(&pg, "SELECT max(id) FROM users"), max(&pg, "SELECT max(seq) FROM faxes"));
    let carol = faxcredit::account::add_user(
        &mut pg,
        "carol",
        faxcredit::account::Role::User,
        "carol-password",
        t("2026-11-25T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(carol.id, users + 1);
    faxcredit::billing::bill(&mut pg, &fax("f4", 1), t("2026-11-25T00:00:00Z")).unwrap();
    assert_eq!(max(&pg, "SELECT max(seq) FROM faxes"), faxes + 1);
    // The schema is a new ledger's, with every key, index and trigger the copy might have set
    // aside…
    let (mut client, schema) = schema_of(&target);
    let new_ledger = server.fresh();
    Db::create(new_ledger.location()).unwrap();
    let (_, new_schema) = schema_of(&new_ledger);
    assert_eq!(shape(&mut client, &schema), shape(&mut client, &new_schema));
    // … and every identity column continues after the highest id.
    let identities = client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = $1 AND is_identity = 'YES'",
            &[&schema],
        )
        .unwrap();
    assert!(identities.len() >= 10, "the schema's identities: {}", identities.len());
    // … every table is analyzed, so the first queries on the new ledger are planned on its
    // rows (`reltuples`, the planner's count, is -1 on a table never analyzed or vacuumed).
    let stats = client
        .query(
            "SELECT c.relname::text, c.reltuples::float8 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind = 'r'",
            &[&schema],
        )
        .unwrap();
    let mut analyzed = 0;
    for row in stats {
        let (table, estimate): (String, f64) = (row.get(0), row.get(1));
        if names.contains(&table) {
            let held = rows(src.db.conn(), &table).len() as f64;
            assert_eq!(estimate, held, "{table}: the planner's row count after the copy");
            analyzed += 1;
        }
    }
    assert_eq!(analyzed, names.len(), "every copied table");
    for row in identities {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        let sql = format!(
            "SELECT nextval(pg_get_serial_sequence('\"{schema}\".\"{table}\"', '{column}')),
                    coalesce((SELECT max(\"{column}\") FROM \"{schema}\".\"{table}\"), 0)"
        );
        let r = client.query_one(&sql, &[]).unwrap();
        let (next, highest): (i64, i64) = (r.get(0), r.get(1));
        assert_eq!(next, highest + 1, "{table}.{column}");
    }
}

/// A schema's constraints, indexes and triggers, written without the schema's name.
fn shape(client: &mut postgres::Client, schema: &str) -> Vec<String> {
    let sql = "SELECT 'key ' || t.relname::text || ' ' || k.conname::text || ' ' || pg_get_constraintdef(k.oid)
               FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = k.connamespace
               WHERE n.nspname = $1
               UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = $1
               UNION ALL SELECT 'trigger ' || c.relname::text || ' ' || g.tgname::text || ' ' || g.tgenabled::text
               FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = $1 AND NOT g.tgisinternal
               ORDER BY 1";
    let rows = client.query(sql, &[&schema]).unwrap();
    let shape: Vec<String> = rows.iter().map(|r| r.get::<_, String>(0).replace(&format!("{schema}."), "")).collect();
    assert!(shape.iter().filter(|s| s.contains("FOREIGN KEY")).count() >= 10, "{shape:#?}");
    shape
}

#[test]
fn a_target_that_holds_a_ledger_is_refused_and_left_as_it_was() {
    let Some(server) = Backend::postgres("a_target_that_holds_a_ledger_is_refused_and_left_as_it_was") else {
        return;
    };
    let mut src = common::prepaid_on(&Backend::Sqlite);
    faxcredit::ledger::apply_card(&mut src.db, dec("5.00"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    let target = common::prepaid_on(&server);
    let url = target.arg.to_str().unwrap();
    let before: Vec<Vec<String>> = tables(&src.db).iter().map(|n| rows(target.db.conn(), n)).collect();
    let e = migrate::to_postgres(&mut src.db, url, &mut no_progress()).unwrap_err();
    assert_eq!((e.code().as_str(), e.exit_code()), ("conflict", 2), "{e}");
    assert!(e.to_string().contains("already holds a ledger"), "{e}");
    let after: Vec<Vec<String>> = tables(&src.db).iter().map(|n| rows(target.db.conn(), n)).collect();
    assert_eq!(before, after, "nothing changed in the target");
    common::assert_sound(&mut src.db);

    // The command line says it in one line and exits 2; a second move into a schema filled by
    // the first is refused the same way.
    let out = common::cli_with_stdin(CLI, &src.arg, &["migrate-to", url], "");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    let fresh = server.fresh();
    let url = fresh.arg.to_str().unwrap();
    migrate::to_postgres(&mut src.db, url, &mut no_progress()).unwrap();
    let e = migrate::to_postgres(&mut src.db, url, &mut no_progress()).unwrap_err();
    assert_eq!(e.code(), "conflict", "{e}");
}

/// Rows in each table of the target's schema, by name: none when the schema is not there.
fn target_rows(client: &mut postgres::Client, schema: &str) -> Vec<(String, i64)> {
    let tables = client
        .query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", &[&schema])
        .unwrap();
    tables
        .iter()
        .map(|r| {
            let table: String = r.get(0);
            let n: i64 =
                client.query_one(&format!("SELECT count(*) FROM \"{schema}\".\"{table}\""), &[]).unwrap().get(0);
            (table, n)
        })
        .collect()
}

#[test]
fn a_connection_cut_mid_copy_leaves_the_target_as_it_was() {
    let Some(server) = Backend::postgres("a_connection_cut_mid_copy_leaves_the_target_as_it_was") else { return };
    // Rows enough for the progress callback to hear of the copy midway.
    let dir = tempfile::tempdir().unwrap();
    let mut src = Db::create(dir.path().join("demo.db").as_path()).unwrap();
    let opts = faxcredit::demo::DemoOptions { faxes: 4_000, ..Default::default() };
    faxcredit::demo::seed(&mut src, &opts, t("2026-11-24T10:00:00Z")).unwrap();
    // A schema that does not exist yet, and one holding a ledger made but never used.
    for made_before in [false, true] {
        let target = server.fresh();
        let (mut watcher, schema) = schema_of(&target);
        if made_before {
            Db::create(target.location()).unwrap();
        }
        let before = target_rows(&mut watcher, &schema);
        let name = format!("migrate_cut_{}_{made_before}", std::process::id());
        let url = format!("{}&application_name={name}", target.arg.to_str().unwrap());
        let mut cut = false;
        let mut progress = |done: u64, all: u64| {
            if !cut && done > 0 && done < all {
                // The server ends the copying session, as a restart or a failover would.
                let sql = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1";
                let n: i64 = watcher.query_one(sql, &[&name]).unwrap().get(0);
                assert_eq!(n, 1, "the copying session");
                cut = true;
            }
        };
        let e = migrate::to_postgres(&mut src, &url, &mut progress).unwrap_err();
        assert!(cut, "the copy was cut midway");
        assert_eq!((e.code().as_str(), e.exit_code()), ("database_unavailable", 8), "{e}");
        assert_eq!(target_rows(&mut watcher, &schema), before, "made before: {made_before}");
        // Nothing was left half done: the same move now goes through.
        let s = migrate::to_postgres(&mut src, target.arg.to_str().unwrap(), &mut no_progress()).unwrap();
        assert!(s.ok(), "{s:#?}");
    }
    // The SQLite ledger's write lock went with the copy.
    let demo_fax = faxcredit::ledger::RawFax { user_id: Some("carmen".into()), ..common::raw("after", 1) };
    faxcredit::billing::bill(&mut src, &demo_fax.validate().unwrap(), t("2026-11-24T11:00:00Z")).unwrap();
}

#[test]
fn a_source_that_fails_check_is_not_copied() {
    let Some(server) = Backend::postgres("a_source_that_fails_check_is_not_copied") else { return };
    let mut src = common::prepaid_on(&Backend::Sqlite);
    faxcredit::ledger::apply_card(&mut src.db, dec("5.00"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    faxcredit::billing::bill(&mut src.db, &fax("f1", 2), t("2026-11-24T10:00:00Z")).unwrap();
    src.db.conn().execute("UPDATE cards SET used = used + 1", &[]).unwrap();
    let target = server.fresh();
    let e = migrate::to_postgres(&mut src.db, target.arg.to_str().unwrap(), &mut no_progress()).unwrap_err();
    assert_eq!(e.code(), "invariant_broken", "{e}");
    assert!(e.to_string().contains("fails check (card 1001"), "{e}");
    let (mut client, schema) = schema_of(&target);
    assert_eq!(target_rows(&mut client, &schema), vec![], "no schema was made");
}

#[test]
fn the_command_line_prints_both_sides_totals_and_the_time() {
    let Some(server) = Backend::postgres("the_command_line_prints_both_sides_totals_and_the_time") else { return };
    let src = common::prepaid_on(&Backend::Sqlite);
    let o = common::cli_with_stdin(CLI, &src.arg, &["card", "apply", "5.00"], "");
    assert!(o.status.success());
    let o = common::cli_with_stdin(
        CLI,
        &src.arg,
        &["bill", "--id", "f1", "--user", "bob", "--to", "+12125550100", "--pages", "3"],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let target = server.fresh();
    let url = target.arg.to_str().unwrap();
    let out = common::cli_with_stdin(CLI, &src.arg, &["migrate-to", url], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains(" s\n"), "the time taken: {text}");
    for (row, value) in [
        ("cards", "1"),
        ("faxes", "1"),
        ("activity lines", "1"),
        ("billed", "0.3000"),
        ("credit left", "4.7000"),
        ("check", "ok"),
    ] {
        let line = text.lines().find(|l| l.starts_with(row)).unwrap_or_else(|| panic!("no {row} line: {text}"));
        let cells: Vec<&str> = line[16..].split_whitespace().collect();
        assert_eq!(cells, [value, value], "{line}");
    }
    // The copy is a ledger the command line uses at once.
    let o = common::cli_with_stdin(CLI, url, &["check"], "");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A ledger already on PostgreSQL, or a target that is not a URL: one line, exit 2.
    for (db, to) in [(url, url), (src.arg.to_str().unwrap(), "/tmp/not-a-url.db")] {
        let out = common::cli_with_stdin(CLI, db, &["migrate-to", to], "");
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    }
}
