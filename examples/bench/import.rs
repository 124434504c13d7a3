//! Bulk import of InterFAX records, billed, against a bare batched INSERT of the same rows.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::time::Instant;

use super::billing::{bare, fresh};
use super::{now, Figure, Sizes};

pub const BATCH: usize = 2_000;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rec {
    pub id: String,
    pub destination_fax: String,
    pub submit_time: String,
    pub pages_sent: i64,
}

/// `n` InterFAX records, one per line, for bob.
pub fn write_records(file: &Path, n: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(file).expect("file"));
    for i in 0..n {
        writeln!(w, r#"{{"id":"I{i}","userId":"bob","destinationFax":"+12125550100","submitTime":"2026-11-24T09:00:00Z","pagesSent":3,"duration":42,"status":0}}"#).expect("write");
    }
    w.flush().expect("write");
}

/// Each round imports the whole file into a new ledger and inserts it into a new bare
/// database, ours first in even rounds and the reference first in odd ones.
pub fn import_bulk(dir: &Path, s: &Sizes) -> Figure {
    let file = dir.join("import.ndjson");
    write_records(&file, s.import);
    let (mut ours, mut refs) = (Vec::new(), Vec::new());
    for round in 0..s.rounds {
        for side in [round % 2, 1 - round % 2] {
            if side == 0 {
                ours.push(s.import as f64 / ours_round(dir, &file, s.import));
            } else {
                refs.push(s.import as f64 / reference_round(dir, &file, s.import));
            }
        }
    }
    Figure::against(
        "import_bulk",
        "records/s",
        &ours,
        &refs,
        "bare batched INSERT, same batches",
        "ratio ≥ 0.5",
        |r| r >= 0.5,
    )
    .threads(2, Some(1))
    .checked("every record billed (summary and fax rows counted); every reference row counted")
}

/// Seconds to import the file into a new ledger.
fn ours_round(dir: &Path, file: &Path, n: usize) -> f64 {
    let path = dir.join("import.db");
    let mut db = fresh(path.as_path());
    let t = Instant::now();
    let sum = faxcredit::import::import_file(&mut db, file, now(), &mut |_| {}).expect("import");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(sum.billed as usize, n, "bench: every record billed");
    assert!(sum.clean(), "bench: the import refused or rejected records");
    let rows: i64 = db.sqlite().unwrap().query_row("SELECT count(*) FROM faxes", [], |r| r.get(0)).expect("count");
    assert_eq!(rows as usize, n, "bench: fax rows in the ledger");
    drop(db);
    remove_db(&path);
    secs
}

/// Seconds to insert the same records, parsed the same way, in batches of the same size.
fn reference_round(dir: &Path, file: &Path, n: usize) -> f64 {
    let path = dir.join("import-bare.db");
    let conn = bare(&path);
    let t = Instant::now();
    let mut lines = BufReader::new(std::fs::File::open(file).expect("file")).lines();
    loop {
        let tx = rusqlite::Transaction::new_unchecked(&conn, rusqlite::TransactionBehavior::Immediate).expect("tx");
        let mut batch = 0;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT INTO faxes (id, user_id, destination, submit_time, pages_sent, units, cost_per_unit, cost, billed_at)
                     VALUES (?1, 1, ?2, ?3, ?4, ?5, 1000, ?6, '2026-11-24T10:00:00Z')",
                )
                .expect("prepare");
            for line in lines.by_ref().take(BATCH) {
                let r: Rec = serde_json::from_str(&line.expect("line")).expect("json");
                st.execute(rusqlite::params![
                    r.id,
                    r.destination_fax,
                    r.submit_time,
                    r.pages_sent,
                    r.pages_sent * 10_000,
                    r.pages_sent * 1_000
                ])
                .expect("insert");
                batch += 1;
            }
        }
        tx.commit().expect("commit");
        if batch < BATCH {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let rows: i64 = conn.query_row("SELECT count(*) FROM faxes", [], |r| r.get(0)).expect("count");
    assert_eq!(rows as usize, n, "bench: reference rows");
    drop(conn);
    remove_db(&path);
    secs
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
