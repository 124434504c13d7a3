//! The storage seam means the same on both engines: what a row reads as, what an upsert and
//! `RETURNING` do, a case-insensitive name, text order, a transaction that fails. Each test runs
//! on SQLite and on PostgreSQL (`on_both!`).

mod common;

use common::{prepaid_on, t};
use faxcredit::audit::{self, Action, Actor};
use faxcredit::sql::Backend as Engine;

on_both! {
fn counts_sums_and_truths_read_as_the_integers_sqlite_gives(backend) {
    let s = prepaid_on(&backend);
    let row = s
        .db
        .conn()
        .query_row(
            "SELECT count(*), sum(face_value), EXISTS (SELECT 1 FROM packages WHERE name = ?1), max(bonus) > 0,
                    CAST(?2 AS BIGINT), CAST(?2 AS BIGINT) IS NULL
             FROM packages",
            &[&"starter", &None::<i64>],
            |r| {
                Ok((
                    r.get::<i64>(0)?,
                    r.get::<i64>(1)?,
                    r.get::<bool>(2)?,
                    r.get::<i64>(3)?,
                    r.get::<Option<i64>>(4)?,
                    r.get::<bool>(5)?,
                ))
            },
        )
        .unwrap();
    // Five packages of 20, 50, 100, 250 and 500 (in ten-thousandths), "Starter" found in any case.
    assert_eq!(row, (5, 9_200_000, true, 1, None, true));
    assert_eq!(s.db.backend(), if backend.name() == "sqlite" { Engine::Sqlite } else { Engine::Postgres });
}
}

on_both! {
fn upserts_returning_and_case_insensitive_names_behave_alike(backend) {
    let s = prepaid_on(&backend);
    let c = s.db.conn();
    let carol: i64 = c
        .query_row(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, 'user', NULL, ?2) RETURNING id",
            &[&"carol", &"2026-11-01T00:00:00Z"],
            |r| r.get(0),
        )
        .unwrap();
    // A name differing only in case is the same user: refused by the unique name, and found.
    assert!(c.execute("INSERT INTO users (name, role, created_at) VALUES ('CAROL', 'user', 't')", &[]).is_err());
    let found: i64 = c.query_row("SELECT id FROM users WHERE name = ?1", &[&"Carol"], |r| r.get(0)).unwrap();
    assert_eq!(found, carol);

    // A prepared insert gives the new row's id, and `None` when its conflict skipped it.
    let mut st = c
        .prepare_insert(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, 'user', NULL, 't')
             ON CONFLICT (name) DO NOTHING",
            "id",
        )
        .unwrap();
    st.bind(1, "dave").unwrap();
    let dave = st.insert().unwrap().expect("a new row");
    assert!(dave > carol);
    st.bind(1, "DAVE").unwrap();
    assert_eq!(st.insert().unwrap(), None);
    drop(st);

    // An upsert adds to the row it meets; its RETURNING reads the row as written.
    let upsert = "INSERT INTO spend_by_quarter (start, amount, faxes) VALUES (?1, ?2, 1)
                  ON CONFLICT (start) DO UPDATE SET amount = spend_by_quarter.amount + excluded.amount,
                  faxes = spend_by_quarter.faxes + excluded.faxes
                  RETURNING amount, faxes";
    let q = "2026-11-01T10:00:00Z";
    let once: (i64, i64) = c.query_row(upsert, &[&q, &1500], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    let twice: (i64, i64) = c.query_row(upsert, &[&q, &2500], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((once, twice), ((1500, 1), (4000, 2)));
}
}

on_both! {
fn text_sorts_byte_by_byte_as_sqlite_sorts_it(backend) {
    let s = prepaid_on(&backend);
    let c = s.db.conn();
    for (prefix, label) in [("7", "b-rate"), ("8", "Z-rate"), ("9", "a-rate")] {
        c.execute("INSERT INTO rates (prefix, label, unit, cost_per_unit) VALUES (?1, ?2, 'page', 1)", &[&prefix, &label])
            .unwrap();
    }
    let labels =
        c.query("SELECT label FROM rates WHERE prefix IN ('7', '8', '9') ORDER BY label", &[], |r| r.get::<String>(0));
    assert_eq!(labels.unwrap(), ["Z-rate", "a-rate", "b-rate"]);
}
}

on_both! {
fn a_write_that_fails_leaves_nothing_and_one_that_succeeds_everything(backend) {
    let mut s = prepaid_on(&backend);
    let count = |db: &faxcredit::Db| db.conn().query_row("SELECT count(*) FROM audit_log", &[], |r| r.get::<i64>(0)).unwrap();
    let before = count(&s.db);
    let by = Actor::cli("tester");
    let failed = s.db.write(|tx| {
        audit::record(tx, &by, Action::AlertsSet, "one", t("2026-11-01T10:00:00Z"))?;
        audit::record(tx, &by, Action::AlertsSet, "two", t("2026-11-01T10:00:00Z"))?;
        Err::<(), _>(faxcredit::Error::invalid("level", "refused after writing"))
    });
    assert_eq!(failed.unwrap_err().code(), "invalid_input");
    assert_eq!(count(&s.db), before, "nothing of the failed write is kept");
    let n = s
        .db
        .write(|tx| {
            audit::record(tx, &by, Action::AlertsSet, "one", t("2026-11-01T10:00:00Z"))?;
            audit::record(tx, &by, Action::AlertsSet, "two", t("2026-11-01T10:00:00Z"))?;
            tx.query_row("SELECT count(*) FROM audit_log", &[], |r| r.get::<i64>(0))
        })
        .unwrap();
    assert_eq!((n, count(&s.db)), (before + 2, before + 2));
    // Another connection sees it: it was committed, not only written.
    assert_eq!(count(&s.open_again()), before + 2);
    // The log refuses to be changed, by a trigger on both engines.
    let e = s.db.conn().execute("UPDATE audit_log SET detail = 'x'", &[]).unwrap_err();
    assert!(e.to_string().contains("the audit log is never changed"), "{e}");
}
}

on_both! {
fn a_scan_reads_every_row_once_and_stops_at_the_first_error(backend) {
    let s = prepaid_on(&backend);
    let c = s.db.conn();
    let mut names = Vec::new();
    c.for_each("SELECT name FROM packages WHERE face_value > ?1 ORDER BY face_value", &[&500_000i64], |r| {
        names.push(r.get::<String>(0)?);
        Ok(())
    })
    .unwrap();
    assert_eq!(names, ["Business", "Pro", "Enterprise"]);
    // A query of several rows read for one gives its first, on both engines.
    let first = c.query_row("SELECT name FROM packages ORDER BY face_value DESC", &[], |r| r.get::<String>(0));
    assert_eq!(first.unwrap(), "Enterprise");
    let mut seen = 0;
    let e = c
        .for_each("SELECT id FROM packages ORDER BY id", &[], |_| {
            seen += 1;
            if seen == 2 {
                return Err(faxcredit::Error::invalid("scan", "stopped"));
            }
            Ok(())
        })
        .unwrap_err();
    assert_eq!((seen, e.code().as_str()), (2, "invalid_input"));
    // The connection is free again after a scan that stopped early.
    assert_eq!(c.query_row("SELECT count(*) FROM packages", &[], |r| r.get::<i64>(0)).unwrap(), 5);
}
}

on_both! {
fn a_write_run_later_is_in_order_and_its_failure_fails_the_whole_transaction(backend) {
    let mut s = prepaid_on(&backend);
    let names = |db: &faxcredit::Db| {
        db.conn().query("SELECT name FROM users ORDER BY id", &[], |r| r.get::<String>(0)).unwrap()
    };
    let before = names(&s.db);
    // Run later, then read: the read sees the writes, in order (PostgreSQL sends them first).
    let seen = s
        .db
        .write(|tx| {
            tx.execute_later("INSERT INTO users (name, role, created_at) VALUES (?1, 'user', 't')", &[&"dora"])?;
            tx.execute_later("UPDATE users SET name = ?1 WHERE name = ?2", &[&"dorothy", &"dora"])?;
            tx.query_row("SELECT count(*) FROM users WHERE name = 'dorothy'", &[], |r| r.get::<i64>(0))
        })
        .unwrap();
    assert_eq!(seen, 1);
    // A write run later that fails, with nothing after it but the commit: the commit is an
    // error, and nothing of the transaction is kept, not even what ran before it.
    let e = s
        .db
        .write(|tx| {
            tx.execute("INSERT INTO users (name, role, created_at) VALUES ('erin', 'user', 't')", &[])?;
            tx.execute_later("INSERT INTO users (name, role, created_at) VALUES ('frank', 'user', 't')", &[])?;
            // The name is unique (in any case): this one fails.
            tx.execute_later("INSERT INTO users (name, role, created_at) VALUES ('DOROTHY', 'user', 't')", &[])?;
            Ok(())
        })
        .unwrap_err();
    assert!(e.to_string().to_lowercase().contains("unique"), "{e}");
    let mut expected = before.clone();
    expected.push("dorothy".into());
    assert_eq!(names(&s.db), expected, "nothing of the failed transaction is kept");
    assert_eq!(names(&s.open_again()), expected);
}
}

on_both! {
fn a_read_ahead_answers_once_and_a_write_in_between_is_seen(backend) {
    let mut s = prepaid_on(&backend);
    let count = "SELECT count(*) FROM users WHERE name = ?1";
    let out = s
        .db
        .write(|tx| {
            tx.read_ahead(&[(count, &[&"gus"]), ("SELECT count(*) FROM packages", &[])])?;
            let packages = tx.query_row("SELECT count(*) FROM packages", &[], |r| r.get::<i64>(0))?;
            // A write after the read ahead, before its answer is taken: the read must see it.
            tx.execute_later("INSERT INTO users (name, role, created_at) VALUES ('gus', 'user', 't')", &[])?;
            let gus = tx.query_row(count, &[&"gus"], |r| r.get::<i64>(0))?;
            // Another parameter is another read.
            let other = tx.query_row(count, &[&"nobody"], |r| r.get::<i64>(0))?;
            Ok((packages, gus, other))
        })
        .unwrap();
    assert_eq!(out, (5, 1, 0));
    // Read ahead and taken, then written: the same read again is read afresh.
    let twice = s
        .db
        .write(|tx| {
            tx.read_ahead(&[(count, &[&"hal"])])?;
            let first = tx.query_row(count, &[&"hal"], |r| r.get::<i64>(0))?;
            tx.execute("INSERT INTO users (name, role, created_at) VALUES ('hal', 'user', 't')", &[])?;
            Ok((first, tx.query_row(count, &[&"hal"], |r| r.get::<i64>(0))?))
        })
        .unwrap();
    assert_eq!(twice, (0, 1));
}
}
