//! The PostgreSQL server itself stopped mid-billing (`pg_ctl stop -m immediate`, as a crash or a
//! failover would) and started again, a few times, while gateways bill: a gateway whose command
//! failed (exit 8, database unavailable) sends the same fax again until it is acknowledged, as a
//! real one does. In the end every fax is billed exactly once, each acknowledged fax survived
//! the stops, the totals are exact and `check` passes.
//!
//! It stops the server, so it needs the cluster's own `pg_ctl`: `FAXCREDIT_TEST_PG_CTL` (a
//! script that runs it with any arguments; `cargo xtask test` exports it for its private
//! cluster). Without it the test says on stderr that it was skipped, and passes; with
//! `FAXCREDIT_REQUIRE_PG=1` it fails instead. It is the only test of this file, so no other test
//! of the run meets the stopped server (cargo runs test files one after another).

mod common;

use std::ffi::OsString;
use std::io::Write;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::crash::{cli, count, fax_json, Rng};

/// How many times the server is stopped mid-billing, and how many gateways bill meanwhile.
const STOPS: u32 = 3;
const GATEWAYS: usize = 4;

/// The cluster's `pg_ctl`, as `FAXCREDIT_TEST_PG_CTL` names it.
struct PgCtl(String);

impl PgCtl {
    fn from_env(test: &str) -> Option<PgCtl> {
        match std::env::var("FAXCREDIT_TEST_PG_CTL").ok().filter(|v| !v.is_empty()) {
            Some(ctl) => Some(PgCtl(ctl)),
            None if std::env::var("FAXCREDIT_REQUIRE_PG").is_ok_and(|v| v == "1") => {
                panic!(
                    "{test}: FAXCREDIT_REQUIRE_PG=1 but FAXCREDIT_TEST_PG_CTL names no pg_ctl to stop the server with"
                )
            }
            None => {
                // Straight to stderr, past the test harness's capture, so a run shows what it skipped.
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped {test}: FAXCREDIT_TEST_PG_CTL is not set (it stops the server)"
                );
                None
            }
        }
    }

    fn run(&self, args: &[&str]) {
        let out = Command::new(&self.0).args(args).output().unwrap();
        assert!(out.status.success(), "pg_ctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn is_up(&self) -> bool {
        Command::new(&self.0).arg("status").output().is_ok_and(|o| o.status.success())
    }
}

/// Starts the server again if the test stopped on a failure while it was down: the tests after
/// this one need it.
impl Drop for PgCtl {
    fn drop(&mut self) {
        if !self.is_up() {
            let _ = Command::new(&self.0).args(["start", "-w", "-t", "60"]).output();
        }
    }
}

/// One gateway's faxes: each is sent until the command acknowledges it (exit 0); a failure
/// other than the server being away (exit 8) fails the test.
struct Gateway {
    acknowledged: Vec<(String, u64)>,
    /// Commands that failed because the server was away.
    unavailable: u32,
    /// Acknowledged faxes each of whose earlier tries failed: cut by a stop, billed once on retry.
    retried: u32,
}

fn gateway(db: &OsString, n: usize, seed: u64, stop: &AtomicBool, log: &Mutex<Vec<String>>) -> Gateway {
    let mut rng = Rng(seed);
    let mut g = Gateway { acknowledged: Vec::new(), unavailable: 0, retried: 0 };
    let mut k = 0;
    while !stop.load(Ordering::Relaxed) {
        let (id, pages) = (format!("g{n}-{k}"), 1 + rng.below(9));
        k += 1;
        let mut tries = 0;
        loop {
            tries += 1;
            let out = cli(db, &["bill", "--json", &fax_json(&id, pages)]);
            match out.status.code() {
                Some(0) => break,
                Some(8) if tries < 600 => {
                    g.unavailable += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => panic!("fax {id}: exit {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
            }
        }
        g.retried += u32::from(tries > 1);
        log.lock().unwrap().push(id.clone());
        g.acknowledged.push((id, pages));
    }
    g
}

#[test]
fn the_server_stopped_mid_billing_loses_no_acknowledged_fax_and_bills_none_twice() {
    let test = "the_server_stopped_mid_billing_loses_no_acknowledged_fax_and_bills_none_twice";
    let Some(server) = common::Backend::postgres(test) else { return };
    let Some(ctl) = PgCtl::from_env(test) else { return };
    let seed = common::crash::seed();
    eprintln!("{test}: seed {seed} (FAXCREDIT_CRASH_SEED={seed} replays the gateways' faxes and the pauses)");
    let mut rng = Rng(seed);
    let fresh = server.fresh();
    let db = &fresh.arg;
    common::cli_account_with_bob(common::crash::BIN, db);
    assert!(cli(db, &["card", "apply", "100000"]).status.success());
    let (stop, log) = (AtomicBool::new(false), Mutex::new(Vec::new()));
    let started = Instant::now();
    let gateways: Vec<Gateway> = std::thread::scope(|s| {
        let seeds: Vec<u64> = (0..GATEWAYS).map(|_| rng.next()).collect();
        let (stop, log) = (&stop, &log);
        let running: Vec<_> =
            seeds.into_iter().enumerate().map(|(n, seed)| s.spawn(move || gateway(db, n, seed, stop, log))).collect();
        for _ in 0..STOPS {
            // Billing under way, then the server gone at once, as a crash leaves it.
            let before = log.lock().unwrap().len();
            std::thread::sleep(Duration::from_millis(300 + rng.below(700)));
            assert!(log.lock().unwrap().len() > before, "the gateways billed before the stop");
            ctl.run(&["stop", "-m", "immediate"]);
            std::thread::sleep(Duration::from_millis(100 + rng.below(400)));
            ctl.run(&["start", "-w", "-t", "60"]);
        }
        // Billing goes on after the last start.
        let after = log.lock().unwrap().len();
        let deadline = Instant::now() + Duration::from_secs(60);
        while log.lock().unwrap().len() < after + 20 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, Ordering::Relaxed);
        running.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let acknowledged: Vec<&(String, u64)> = gateways.iter().flat_map(|g| &g.acknowledged).collect();
    let unavailable: u32 = gateways.iter().map(|g| g.unavailable).sum();
    let retried: u32 = gateways.iter().map(|g| g.retried).sum();
    assert!(unavailable >= STOPS, "the stops landed while the gateways billed: {unavailable} commands failed");

    // Every fax sent was acknowledged in the end, and each is in the ledger once, at its price.
    let db = db.as_os_str();
    let list = acknowledged.iter().map(|(id, _)| format!("'{id}'")).collect::<Vec<_>>().join(",");
    let billed = count(db, &format!("SELECT count(*) FROM faxes WHERE id IN ({list})"));
    assert_eq!(billed as usize, acknowledged.len(), "an acknowledged fax was lost in a stop");
    assert_eq!(count(db, "SELECT count(*) FROM faxes") as usize, acknowledged.len(), "a fax billed twice, or unsent");
    let expected: u64 = acknowledged.iter().map(|(_, pages)| pages * 1_000).sum();
    assert_eq!(count(db, "SELECT coalesce(sum(cost), 0) FROM faxes") as u64, expected, "totals exact (0.10 a page)");
    assert_eq!(count(db, "SELECT coalesce(sum(used), 0) FROM cards") as u64, expected, "the card used exactly that");
    let c = cli(db, &["check"]);
    assert!(c.status.success(), "{}{}", String::from_utf8_lossy(&c.stdout), String::from_utf8_lossy(&c.stderr));
    eprintln!(
        "{test}: {STOPS} stops in {:.1?}; {} faxes from {GATEWAYS} gateways, each billed once; {unavailable} commands met the server away, {retried} faxes billed on a retry",
        started.elapsed(),
        acknowledged.len()
    );
}
