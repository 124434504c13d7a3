//! What the crash tests share (`tests/crash.rs`, `tests/pg_restart.rs`): a repeatable random
//! source, the gateways' fax records, the `faxcredit` processes they run, and reading where a
//! killed process was from the `phase:` lines it wrote (`FAXCREDIT_PHASES`), on either engine.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

use faxcredit::db::Location;
use faxcredit::Db;

pub const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");

/// xorshift: a run is replayed from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The seed of a run: `FAXCREDIT_CRASH_SEED`, else a new one.
pub fn seed() -> u64 {
    std::env::var("FAXCREDIT_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    })
}

/// `faxcredit --db DB ARGS…`, run to its end.
pub fn cli(db: impl AsRef<OsStr>, args: &[&str]) -> std::process::Output {
    Command::new(BIN).arg("--db").arg(db).args(args).stdin(Stdio::null()).output().unwrap()
}

/// A fax of `pages` pages to the US (0.10 a page), as a gateway sends it.
pub fn fax_json(id: &str, pages: u64) -> String {
    format!(
        r#"{{"id":"{id}","userId":"bob","destinationFax":"+12125550100","submitTime":"2026-11-24T09:00:00Z","pagesSent":{pages}}}"#
    )
}

/// The JSON object of each line of an `import --json`.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// One integer a query gives on the ledger at `db` (a new connection, as another program's).
pub fn count(db: &OsStr, sql: &str) -> i64 {
    Db::open(Location::parse(db).unwrap()).unwrap().conn().query_row(sql, &[], |r| r.get(0)).unwrap()
}

/// The `phase:` lines a process wrote.
pub fn phases(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr).lines().filter_map(|l| l.strip_prefix("phase: ")).map(str::to_string).collect()
}

/// A killed import left whole batches: of its records, those billed or refused are exactly the
/// records of the batches it saw committed (or of one more, when it died during that batch's
/// commit). Each batch says its size (`records N`) before committing: a batch that places a repeat
/// order ends early, at that fax. Returns the batches committed.
pub fn whole_batches_only(db: &OsStr, ids: &[String], stderr: &[u8]) -> usize {
    let phases = phases(stderr);
    let list = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
    let done = count(
        db,
        &format!(
            "SELECT (SELECT count(*) FROM faxes WHERE id IN ({list}))
                  + (SELECT count(DISTINCT fax_id) FROM attempts WHERE fax_id IN ({list}))"
        ),
    );
    // Records of the batches committed, and of the batch whose commit was under way.
    let (mut committed, mut records, mut in_flight) = (0usize, 0i64, None::<i64>);
    for p in &phases {
        if let Some(n) = p.strip_prefix("records ") {
            in_flight = Some(n.parse().unwrap());
        } else if p == "committed" {
            if let Some(n) = in_flight.take() {
                committed += 1;
                records += n;
            }
        } else if p == "rolled-back" {
            in_flight = None;
        }
    }
    let dying_in_commit = phases.last().is_some_and(|p| p == "commit");
    assert!(
        done == records || (dying_in_commit && Some(done) == in_flight.map(|n| records + n)),
        "an import killed after {committed} committed batches ({records} records) left {done} of its records done: {phases:?}"
    );
    committed
}

/// Where the kills landed, from the last `phase:` line each killed process wrote.
#[derive(Default, Debug)]
pub struct Landings {
    /// Before the ledger was opened (process start, argument parsing, opening).
    pub before_open: u32,
    /// Opened, outside any write transaction (reading, parsing, before the first batch).
    pub opened: u32,
    /// Holding the write lock, writing.
    pub in_transaction: u32,
    /// Committing (the commit had started: WAL written, synced; or COMMIT sent to the server).
    pub in_commit: u32,
    /// After a commit (or a rollback): printing, or between an import's batches.
    pub after_commit: u32,
    /// Imports killed with some of their batches committed and some not.
    pub partial_imports: u32,
}

impl Landings {
    pub fn note(&mut self, stderr: &[u8]) {
        match phases(stderr).last().map(String::as_str) {
            None => self.before_open += 1,
            Some("opened") => self.opened += 1,
            Some("begin") => self.in_transaction += 1,
            Some("commit") => self.in_commit += 1,
            Some("committed" | "rolled-back") => self.after_commit += 1,
            // Its batch is written and about to commit: still inside the write transaction.
            Some(p) if p.starts_with("records ") => self.in_transaction += 1,
            Some(other) => panic!("unknown phase {other}"),
        }
    }
}
