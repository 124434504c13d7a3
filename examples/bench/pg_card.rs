//! The import and card figures on PostgreSQL (issue 15): bulk import against a bare batched
//! INSERT of the same rows on the same server, random activity pages of the large card, and its
//! CSV export against `psql`'s `\copy … to` of the same join. The large card is the SQLite
//! figures' seeded card, moved up with `migrate::to_postgres` (which checks both sides).

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use faxcredit::Db;

use super::billing::fresh;
use super::card::{self, csv_rows, EXPORT_SQL};
use super::import::{write_records, Rec, BATCH};
use super::pg::{location, Schema};
use super::{now, Figure, Sizes};

/// `pg_import_bulk`: the NDJSON file imported and billed into a new ledger schema, against the
/// same records parsed the same way and inserted bare, a prepared INSERT per row and a
/// transaction per batch of the same size, into a new schema of the same server.
pub fn pg_import_bulk(server: &str, dir: &Path, s: &Sizes) -> Figure {
    let file = dir.join("pg-import.ndjson");
    write_records(&file, s.pg_import);
    let (mut ours, mut refs) = (Vec::new(), Vec::new());
    for round in 0..s.rounds {
        for side in [round % 2, 1 - round % 2] {
            if side == 0 {
                let schema = Schema::new(server, "import");
                let mut db = fresh(location(&schema.url()));
                let t = Instant::now();
                let sum = faxcredit::import::import_file(&mut db, &file, now(), &mut |_| {}).expect("import");
                ours.push(s.pg_import as f64 / t.elapsed().as_secs_f64());
                assert_eq!(sum.billed as usize, s.pg_import, "bench: every record billed");
                assert!(sum.clean(), "bench: the import refused or rejected records");
                let rows: i64 = db.conn().query_row("SELECT count(*) FROM faxes", &[], |r| r.get(0)).expect("count");
                assert_eq!(rows as usize, s.pg_import, "bench: fax rows in the ledger");
            } else {
                refs.push(s.pg_import as f64 / bare_import(server, &file, s.pg_import));
            }
        }
    }
    Figure::against(
        "pg_import_bulk",
        "records/s",
        &ours,
        &refs,
        "bare batched INSERT, same batches, same server",
        "ratio ≥ 0.5",
        |r| r >= 0.5,
    )
    .threads(2, Some(1))
    .checked("every record billed (summary and fax rows counted); every reference row counted")
    .detail(format!("{} records", s.pg_import))
}

/// Seconds to insert the file's records bare on the server, in batches of [`BATCH`].
fn bare_import(server: &str, file: &Path, n: usize) -> f64 {
    let schema = Schema::new(server, "import_bare");
    let mut c = schema.bare_faxes();
    let insert = c
        .prepare(&format!(
            "INSERT INTO {}.faxes (id, user_id, destination, submit_time, pages_sent, units, cost_per_unit, cost, billed_at)
             VALUES ($1, 1, $2, $3, $4, $5, 1000, $6, '2026-11-24T10:00:00Z')",
            schema.name
        ))
        .expect("prepare");
    let t = Instant::now();
    let mut lines = BufReader::new(std::fs::File::open(file).expect("file")).lines();
    loop {
        let mut tx = c.transaction().expect("tx");
        let mut batch = 0;
        for line in lines.by_ref().take(BATCH) {
            let r: Rec = serde_json::from_str(&line.expect("line")).expect("json");
            tx.execute(
                &insert,
                &[
                    &r.id,
                    &r.destination_fax,
                    &r.submit_time,
                    &r.pages_sent,
                    &(r.pages_sent * 10_000),
                    &(r.pages_sent * 1_000),
                ],
            )
            .expect("insert");
            batch += 1;
        }
        tx.commit().expect("commit");
        if batch < BATCH {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let rows: i64 = c.query_one(&format!("SELECT count(*) FROM {}.faxes", schema.name), &[]).expect("count").get(0);
    assert_eq!(rows as usize, n, "bench: reference rows");
    secs
}

/// `pg_activity_page` and `pg_export_1m`, on the SQLite ledger `sqlite` (the large card) copied
/// into a new schema.
pub fn pg_card_figures(server: &str, sqlite: &mut Db, dir: &Path, s: &Sizes) -> Vec<Figure> {
    let schema = Schema::new(server, "card");
    let sum = faxcredit::migrate::to_postgres(sqlite, &schema.url(), &mut |_, _| {}).expect("migrate-to");
    assert!(sum.ok(), "bench: the large card moved up: {sum:?}");
    let mut db = Db::open(location(&schema.url())).expect("open");
    vec![card::activity_page("pg_activity_page", &mut db, s, s.card), pg_export_1m(&schema, &mut db, dir, s)]
}

/// Our export of card 1001 from PostgreSQL, against `psql -c "\copy (…) to FILE csv"` of the
/// same join, alternating. psql writes without syncing the file; ours syncs it.
fn pg_export_1m(schema: &Schema, db: &mut Db, dir: &Path, s: &Sizes) -> Figure {
    let lines: i64 = db.conn().query_row("SELECT lines FROM cards WHERE id = 1001", &[], |r| r.get(0)).expect("card");
    let lines = u64::try_from(lines).expect("lines");
    let (out, theirs) = (dir.join("pg-ours.csv"), dir.join("pg-psql.csv"));
    let (mut ours, mut refs) = (Vec::new(), Vec::new());
    for round in 0..s.rounds {
        for side in [round % 2, 1 - round % 2] {
            let t = Instant::now();
            if side == 0 {
                let sum =
                    faxcredit::export::export_card(db, 1001, &out, &mut |_| ControlFlow::Continue(())).expect("export");
                ours.push(t.elapsed().as_secs_f64());
                assert_eq!((sum.rows, csv_rows(&out, true)), (lines, lines), "bench: rows of our export");
            } else {
                psql_copy(schema, &theirs);
                refs.push(t.elapsed().as_secs_f64());
                assert_eq!(csv_rows(&theirs, false), lines, "bench: rows in psql's file");
            }
        }
    }
    Figure::against("pg_export_1m", "s", &ours, &refs, "psql \\copy of the same join to csv", "ratio ≤ 1.0", |r| {
        r <= 1.0
    })
    .threads(3, Some(1))
    .checked("row counts: our summary and both files read back with a CSV reader")
    .detail(format!("{lines} lines"))
}

/// `psql` (a separate process, as `sqlite3 -csv` is for SQLite) copying the export's join to
/// `out` as CSV; the schema is put on its search path with `PGOPTIONS`.
fn psql_copy(schema: &Schema, out: &Path) {
    let sql = format!("\\copy ({}) to '{}' csv", EXPORT_SQL.trim_end_matches(';').replace('\n', " "), out.display());
    let server = schema.url();
    let (base, _) = server.split_once("schema=").expect("schema in the url");
    let status = Command::new("psql")
        .arg(base.trim_end_matches(['?', '&']))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", &sql])
        .env("PGOPTIONS", format!("-c search_path={}", schema.name))
        .status()
        .expect("psql (apt-get install postgresql-client)");
    assert!(status.success(), "bench: psql \\copy failed");
}
