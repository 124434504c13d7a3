//! What only a PostgreSQL ledger has: its URL, a server that refuses or goes away, the write
//! transaction run again on a serialization failure, migrations under an advisory lock, a
//! schema newer than the program. Each test needs the server `FAXCREDIT_TEST_PG` names and
//! says on stderr that it was skipped without one (`FAXCREDIT_REQUIRE_PG=1` makes that fail).

mod common;

use common::{account_on, t, Backend};
use faxcredit::account::AccountKind;
use faxcredit::audit::{Action, Actor};
use faxcredit::db::{Location, PG_ATTEMPTS, SCHEMA_VERSION};
use faxcredit::Db;

const CLI: &str = env!("CARGO_BIN_EXE_faxcredit");

/// The server's URL with another user (`user[:password]`) or database; "" keeps what it has. It
/// ends in `?` or `&`, ready for one more parameter.
fn rewrite(url: &str, user: &str, db: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (old_user, host) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let user = if user.is_empty() { old_user } else { user };
    let at = if user.is_empty() { "" } else { "@" };
    let db = if db.is_empty() { path } else { db };
    let query = if query.is_empty() { String::new() } else { format!("{query}&") };
    format!("{scheme}://{user}{at}{host}/{db}?{query}")
}

fn server(test: &str) -> Option<Backend> {
    Backend::postgres(test)
}

fn audit_lines(db: &Db) -> i64 {
    db.conn().query_row("SELECT count(*) FROM audit_log", &[], |r| r.get(0)).unwrap()
}

/// A trigger that fails the next `n` audit lines with a serialization failure (a sequence
/// counts them: it is not rolled back with the transaction it fails).
fn fail_audit_lines_with_40001(db: &Db, n: i64) {
    let sql = format!(
        "CREATE SEQUENCE flaky;
         CREATE FUNCTION flaky() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF nextval('flaky') <= {n} THEN
                 RAISE EXCEPTION 'a conflict' USING ERRCODE = 'serialization_failure';
             END IF;
             RETURN NEW;
         END $$;
         CREATE TRIGGER flaky BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION flaky();"
    );
    for statement in split_plpgsql(&sql) {
        db.conn().execute(&statement, &[]).unwrap();
    }
}

/// The statements of `sql`, split on `;` outside `$$` bodies.
fn split_plpgsql(sql: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for (i, part) in sql.split("$$").enumerate() {
        if i % 2 == 1 {
            out.last_mut().unwrap().push_str(&format!("$${part}$$"));
            continue;
        }
        let mut pieces = part.split(';');
        out.last_mut().unwrap().push_str(pieces.next().unwrap_or(""));
        out.extend(pieces.map(str::to_string));
    }
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

#[test]
fn a_serialization_failure_runs_the_whole_write_again() {
    let Some(backend) = server("a_serialization_failure_runs_the_whole_write_again") else { return };
    let mut s = account_on(&backend, AccountKind::Prepaid);
    let before = audit_lines(&s.db);
    fail_audit_lines_with_40001(&s.db, 2);
    let mut runs = 0;
    s.db.write(|tx| {
        runs += 1;
        tx.execute("UPDATE account SET email = ?1 WHERE id = 1", &[&format!("run{runs}@test.example")])?;
        faxcredit::audit::record(
            tx,
            &Actor::cli("tester"),
            Action::AccountSettingsSaved,
            "email",
            t("2026-11-01T00:00:00Z"),
        )
    })
    .unwrap();
    assert_eq!(runs, 3, "two failures, then the third run commits");
    assert_eq!(audit_lines(&s.db), before + 1, "one line: the failed runs left nothing");
    assert_eq!(faxcredit::account::account(&s.db).unwrap().email, "run3@test.example");
}

#[test]
fn a_write_that_keeps_failing_gives_up_and_writes_nothing() {
    let Some(backend) = server("a_write_that_keeps_failing_gives_up_and_writes_nothing") else { return };
    let mut s = account_on(&backend, AccountKind::Prepaid);
    let before = audit_lines(&s.db);
    fail_audit_lines_with_40001(&s.db, 1_000);
    let mut runs = 0;
    let e =
        s.db.write(|tx| {
            runs += 1;
            faxcredit::audit::record(tx, &Actor::cli("t"), Action::AlertsCleared, "x", t("2026-11-01T00:00:00Z"))
        })
        .unwrap_err();
    assert_eq!(runs, PG_ATTEMPTS);
    assert_eq!(e.code(), "database_error");
    assert!(e.to_string().contains("40001"), "{e}");
    assert_eq!(audit_lines(&s.db), before);
}

#[test]
fn a_statement_that_failed_inside_a_write_is_never_acknowledged() {
    let Some(backend) = server("a_statement_that_failed_inside_a_write_is_never_acknowledged") else { return };
    let mut s = account_on(&backend, AccountKind::Prepaid);
    let before = audit_lines(&s.db);
    // The body ignores a refused statement and goes on: PostgreSQL has aborted the transaction,
    // so the write must fail rather than report a commit that did not happen.
    let e =
        s.db.write(|tx| {
            let _ =
                tx.execute("INSERT INTO rates (prefix, label, unit, cost_per_unit) VALUES ('x', 'x', 'page', 1)", &[]);
            let _ =
                faxcredit::audit::record(tx, &Actor::cli("t"), Action::AlertsCleared, "x", t("2026-11-01T00:00:00Z"));
            Ok(())
        })
        .unwrap_err();
    assert_eq!(e.code(), "invariant_broken", "{e}");
    assert_eq!(audit_lines(&s.db), before);
    // The connection is usable again afterwards.
    faxcredit::account::set_time_zone(&mut s.db, Some("UTC"), &Actor::cli("t"), t("2026-11-01T00:00:00Z")).unwrap();
    assert_eq!(audit_lines(&s.db), before + 1);
}

#[test]
fn a_server_gone_mid_transaction_is_database_unavailable_and_nothing_is_written() {
    let Some(backend) = server("a_server_gone_mid_transaction_is_database_unavailable_and_nothing_is_written") else {
        return;
    };
    let mut s = account_on(&backend, AccountKind::Prepaid);
    let other = s.open_again();
    let before = audit_lines(&other);
    let e =
        s.db.write(|tx| {
            faxcredit::audit::record(tx, &Actor::cli("t"), Action::AlertsCleared, "x", t("2026-11-01T00:00:00Z"))?;
            let pid: i64 = tx.query_row("SELECT pg_backend_pid()", &[], |r| r.get(0))?;
            // The server ends this session, as a restart or a failover would.
            other.conn().query_row("SELECT pg_terminate_backend(CAST(?1 AS INTEGER))", &[&pid], |_| Ok(()))?;
            faxcredit::audit::record(tx, &Actor::cli("t"), Action::AlertsCleared, "y", t("2026-11-01T00:00:00Z"))
        })
        .unwrap_err();
    assert_eq!((e.code().as_str(), e.exit_code()), ("database_unavailable", 8), "{e}");
    assert_eq!(audit_lines(&other), before, "the line written before the server went is not kept");
}

#[test]
fn programs_creating_one_ledger_at_once_migrate_it_once() {
    let Some(backend) = server("programs_creating_one_ledger_at_once_migrate_it_once") else { return };
    let fresh = backend.fresh();
    let location = fresh.location();
    let opened: Vec<faxcredit::Result<Db>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6).map(|_| scope.spawn(|| Db::create(location.clone()))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for db in &opened {
        let db = db.as_ref().unwrap_or_else(|e| panic!("a program failed to open the new ledger: {e}"));
        let version: i64 = db.conn().query_row("SELECT version FROM schema_version", &[], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }
    let levels: i64 =
        opened[0].as_ref().unwrap().conn().query_row("SELECT count(*) FROM alert_levels", &[], |r| r.get(0)).unwrap();
    assert_eq!(levels, 1, "the migration's default level was inserted once");
}

#[test]
fn a_schema_newer_than_the_program_is_one_clear_error() {
    let Some(backend) = server("a_schema_newer_than_the_program_is_one_clear_error") else { return };
    let s = account_on(&backend, AccountKind::Prepaid);
    s.db.conn().execute("UPDATE schema_version SET version = ?1", &[&(SCHEMA_VERSION + 1)]).unwrap();
    let e = Db::open(Location::parse(&s.arg).unwrap()).unwrap_err();
    assert_eq!(e.code(), "newer_schema", "{e}");
    let out = common::cli_with_stdin(CLI, &s.arg, &["cards"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("newer version of Fax Credit"), "{err}");
}

#[test]
fn tables_that_are_not_a_ledger_are_refused_and_left_alone() {
    let Some(backend) = server("tables_that_are_not_a_ledger_are_refused_and_left_alone") else { return };
    let fresh = backend.fresh();
    let mut db = Db::create(fresh.location()).unwrap();
    db.write(|tx| tx.execute("DROP TABLE schema_version", &[])).unwrap();
    let e = Db::create(fresh.location()).unwrap_err();
    assert_eq!(e.code(), "not_a_database", "{e}");
}

#[test]
fn the_command_line_runs_on_a_url_and_says_when_the_server_cannot_be_used() {
    let Some(backend) = server("the_command_line_runs_on_a_url_and_says_when_the_server_cannot_be_used") else {
        return;
    };
    let fresh = backend.fresh();
    common::cli_account_with_bob(CLI, &fresh.arg);
    let run = |db: &std::ffi::OsStr, args: &[&str]| common::cli_with_stdin(CLI, db, args, "");
    let out = run(&fresh.arg, &["rates", "set", "44", "0.12"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&fresh.arg, &["audit"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("+44 (United Kingdom): 0.1200 a page"));
    let out = run(&fresh.arg, &["user", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("bob"));

    let Backend::Postgres(url) = &backend else { unreachable!() };
    for (db, says) in [
        ("postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable".to_string(), "Connection refused"),
        (rewrite(url, "faxcredit_nobody:hunter2", "postgres"), "refused the login"),
        (rewrite(url, "", "faxcredit_no_such_db"), "no such database"),
        ("postgres://u:hunter2@127.0.0.1:1/x?sslmode=often".to_string(), "sslmode"),
        (format!("{}schema=nothing_here", rewrite(url, "", "")), "holds no ledger"),
    ] {
        let out = run(std::ffi::OsStr::new(&db), &["cards"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{db}: {err}");
        assert!(err.contains(says), "{db}: {err}");
        assert!(!err.contains("hunter2"), "the password is never shown: {err}");
        let code = if says == "holds no ledger" { 2 } else { 8 };
        assert_eq!(out.status.code(), Some(code), "{db}: {err}");
    }
}

/// Eight gateways bill 0.10 faxes at one 20.00 card, each fax a `faxcredit bill` process of its
/// own: exactly 200 are billed, every other one is refused with 205000 (exit 3), nothing else
/// goes wrong, the card is used to the cent and never past it, and `check` passes.
#[test]
fn eight_gateways_billing_one_card_at_once_never_overdraw_it() {
    let Some(backend) = server("eight_gateways_billing_one_card_at_once_never_overdraw_it") else { return };
    let fresh = backend.fresh();
    common::cli_account_with_bob(CLI, &fresh.arg);
    let out = common::cli_with_stdin(CLI, &fresh.arg, &["card", "apply", "20"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    const GATEWAYS: usize = 8;
    const EACH: usize = 30;
    let results: Vec<(usize, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..GATEWAYS)
            .map(|g| {
                let arg = &fresh.arg;
                scope.spawn(move || {
                    let (mut billed, mut refused) = (0, 0);
                    for i in 0..EACH {
                        let id = format!("gw{g}-{i}");
                        let args = ["bill", "--id", &id, "--user", "bob", "--to", "+1 212 555 0100", "--pages", "1"];
                        let out = common::cli_with_stdin(CLI, arg, &args, "");
                        let err = String::from_utf8_lossy(&out.stderr);
                        match out.status.code() {
                            Some(0) => billed += 1,
                            Some(3) if err.contains("205000 - Quota Exceeded") => refused += 1,
                            other => panic!("gateway {g}, fax {i}: exit {other:?}: {err}"),
                        }
                    }
                    (billed, refused)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let billed: usize = results.iter().map(|r| r.0).sum();
    let refused: usize = results.iter().map(|r| r.1).sum();
    assert_eq!((billed, refused), (200, GATEWAYS * EACH - 200), "per gateway: {results:?}");
    let mut db = Db::open(fresh.location()).unwrap();
    let card = faxcredit::ledger::cards(&mut db).unwrap().remove(0);
    assert_eq!((card.used.to_string(), card.balance.to_string()), ("20.0000".into(), "0.0000".into()));
    assert!(card.close_date.is_some(), "the used-up card is closed");
    let (faxes, attempts): (i64, i64) = db
        .conn()
        .query_row("SELECT (SELECT count(*) FROM faxes), (SELECT count(*) FROM attempts)", &[], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((faxes, attempts), (200, (GATEWAYS * EACH - 200) as i64));
    let out = common::cli_with_stdin(CLI, &fresh.arg, &["check"], "");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Two accounts on one server, each schema owned by its own role (README, "A shared ledger on
/// PostgreSQL"): each role opens its own account; a URL naming the other account's schema is
/// `forbidden` (exit 5) and changes nothing there; and the server itself refuses the other
/// account's rows to that role, so the isolation does not rest on our check alone.
#[test]
fn one_accounts_role_cannot_open_another_accounts_schema() {
    let Some(Backend::Postgres(server)) = server("one_accounts_role_cannot_open_another_accounts_schema") else {
        return;
    };
    let tag = std::process::id();
    let roles = Roles(server.clone(), vec![format!("acme_{tag}"), format!("globex_{tag}")]);
    let (acme, globex) = (&roles.1[0], &roles.1[1]);
    roles
        .admin()
        .batch_execute(&format!(
            "CREATE ROLE {acme} LOGIN; CREATE ROLE {globex} LOGIN;
         DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO {acme}, {globex}', current_database()); END $$;"
        ))
        .unwrap();
    let url = |role: &str, schema: &str| format!("{}schema={schema}", rewrite(&server, role, ""));
    let cli =
        |url: &str, args: &[&str]| std::process::Command::new(CLI).arg("--db").arg(url).args(args).output().unwrap();
    let init = |role: &str, name: &str| {
        let out = cli(&url(role, role), &["init", "--name", name, "--kind", "prepaid", "--email", "m@test.example"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    init(acme, "Acme");
    init(globex, "Globex");
    let out = cli(&url(acme, acme), &["card", "apply", "20.00"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    for args in [&["cards"][..], &["init", "--name", "X", "--kind", "prepaid", "--email", "x@test.example"]] {
        let out = cli(&url(globex, acme), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("may not use the schema \"{acme}\"")) && stderr.contains("[forbidden]"),
            "{stderr}"
        );
    }
    // Nor may a SQLite ledger be moved up into it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ledger.db");
    common::cli_account_with_bob(CLI, &file);
    let out = std::process::Command::new(CLI)
        .arg("--db")
        .arg(&file)
        .args(["migrate-to", &url(globex, acme)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "migrate-to: {}", String::from_utf8_lossy(&out.stderr));
    let acme_db = Db::open(Location::parse(url(acme, acme).as_ref()).unwrap()).unwrap();
    let cards: i64 = acme_db.conn().query_row("SELECT count(*) FROM cards", &[], |r| r.get(0)).unwrap();
    let name: String = acme_db.conn().query_row("SELECT name FROM account", &[], |r| r.get(0)).unwrap();
    assert_eq!((cards, name.as_str()), (1, "Acme"), "Acme's ledger is as Acme left it");

    let Location::Postgres(as_globex) = Location::parse(url(globex, globex).as_ref()).unwrap() else { unreachable!() };
    let mut as_globex = postgres::Config::from(as_globex.config.clone()).connect(postgres::NoTls).unwrap();
    let e = as_globex.query_one(&format!("SELECT count(*) FROM \"{acme}\".cards"), &[]).unwrap_err();
    assert_eq!(e.code(), Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e}");
}

/// Login roles made by a test, dropped with everything they own when it ends, passed or not.
struct Roles(String, Vec<String>);

impl Roles {
    fn admin(&self) -> postgres::Client {
        let Location::Postgres(pg) = Location::parse(self.0.as_ref()).unwrap() else { unreachable!() };
        postgres::Config::from(pg.config.clone()).connect(postgres::NoTls).unwrap()
    }
}

impl Drop for Roles {
    fn drop(&mut self) {
        let mut admin = self.admin();
        for role in &self.1 {
            let _ = admin.batch_execute(&format!("DROP OWNED BY {role} CASCADE; DROP ROLE IF EXISTS {role}"));
        }
    }
}
