//! The private cluster against a real PostgreSQL: it answers, its `ctl` script stops and starts
//! it, and nothing of it is left once dropped or after its run was killed.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::{alive, postmaster_pid, processes_of, Cluster};

/// The helper below, run in a child process, prints this before each directory it leaves (the
/// first one after libtest's `test … ` on the same line).
const LEFT: &str = "left cluster: ";

/// One test at a time: a test's start cleans clusters whose run is gone, and the helper's
/// clusters must stay for the test that checks exactly that.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn start() -> Cluster {
    Cluster::start().unwrap_or_else(|e| panic!("cannot start a private PostgreSQL cluster: {e}"))
}

/// `select 1` through psql over TCP, as the tests of the ledger will connect.
fn select_one(bin: &Path, port: u16) -> Result<(), String> {
    let out = Command::new(bin.join("psql"))
        .args(["-X", "-At", "-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres", "-c", "select 1"])
        .env("PGCONNECT_TIMEOUT", "5")
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    match String::from_utf8_lossy(&out.stdout).trim() {
        "1" if out.status.success() => Ok(()),
        _ => Err(format!("psql: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))),
    }
}

fn answers(port: u16) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_secs(2)).is_ok()
}

fn assert_gone(dir: &Path, port: u16, postmaster: u32) {
    assert!(!alive(postmaster), "the postmaster {postmaster} of {} still runs", dir.display());
    assert_eq!(processes_of(dir), Vec::<u32>::new(), "processes of {} left", dir.display());
    assert!(!answers(port), "port {port} still answers");
    assert!(!dir.exists(), "{} is still there", dir.display());
}

#[test]
fn a_cluster_answers_psql_then_leaves_nothing_behind_when_stopped() {
    let _serial = serial();
    let cluster = start();
    let (dir, port) = (cluster.dir().to_path_buf(), cluster.port());
    assert!(dir.file_name().is_some_and(|n| n.to_string_lossy().starts_with("faxcredit-pg-")));
    select_one(cluster.bin(), port).unwrap();
    let env = cluster.env();
    assert_eq!(env[0], ("FAXCREDIT_TEST_PG".into(), format!("postgresql://postgres@127.0.0.1:{port}/postgres")));
    assert_eq!(env[1].1, dir.join("ctl").display().to_string());
    let postmaster = postmaster_pid(&dir).expect("a running cluster has a postmaster.pid");
    let running = processes_of(&dir);
    assert!(running.contains(&postmaster) && running.len() > 1, "the postmaster and its children: {running:?}");
    drop(cluster);
    assert_gone(&dir, port, postmaster);
}

#[test]
fn the_ctl_script_stops_and_starts_the_cluster_as_its_user() {
    let _serial = serial();
    let cluster = start();
    let ctl = |args: &[&str]| {
        let out = Command::new(cluster.ctl()).args(args).output().expect("run ctl");
        assert!(out.status.success(), "ctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    ctl(&["stop", "-m", "immediate"]);
    assert!(!answers(cluster.port()), "stopped, yet the port answers");
    ctl(&["start", "-w"]);
    select_one(cluster.bin(), cluster.port()).unwrap();
    let (dir, port) = (cluster.dir().to_path_buf(), cluster.port());
    let postmaster = postmaster_pid(&dir).expect("restarted cluster has a postmaster.pid");
    drop(cluster);
    assert_gone(&dir, port, postmaster);
}

#[test]
fn clusters_left_by_a_killed_run_are_stopped_and_removed_by_the_next_start() {
    let _serial = serial();
    // A run that ends without dropping its clusters: this test binary, in a child process.
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "pg::tests::leave_two_clusters_behind", "--ignored", "--nocapture", "--test-threads=1"])
        .env("FAXCREDIT_PG_LEAVE_BEHIND", "1")
        .output()
        .expect("run the helper");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "helper failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    let left: Vec<(PathBuf, u16)> = stdout
        .lines()
        .filter_map(|l| l.split_once(LEFT).map(|(_, rest)| rest))
        .map(|l| {
            let (dir, port) = l.rsplit_once(' ').unwrap();
            (PathBuf::from(dir), port.parse().unwrap())
        })
        .collect();
    assert_eq!(left.len(), 2, "the helper left two clusters: {stdout}");
    let postmasters: Vec<u32> = left.iter().map(|(dir, _)| postmaster_pid(dir).expect("left running")).collect();
    for (dir, port) in &left {
        assert!(answers(*port), "{} should still run after its run ended", dir.display());
    }
    // The second one's server dies too (a machine's OOM killer, say): a pid file whose process is gone.
    assert!(Command::new("kill").args(["-KILL", &postmasters[1].to_string()]).status().unwrap().success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while (alive(postmasters[1]) || answers(left[1].1)) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(left[1].0.join("data/postmaster.pid").is_file(), "a stale pid file stays behind");

    let next = start();
    for ((dir, port), postmaster) in left.iter().zip(postmasters) {
        assert_gone(dir, *port, postmaster);
    }
    select_one(next.bin(), next.port()).unwrap();
}

/// Not a test of its own: run by the test above in a child process, it starts two clusters and
/// forgets them, as a run killed mid-way would. Does nothing unless asked to.
#[test]
#[ignore]
fn leave_two_clusters_behind() {
    if std::env::var_os("FAXCREDIT_PG_LEAVE_BEHIND").is_none() {
        return;
    }
    for _ in 0..2 {
        let cluster = start();
        println!("{LEFT}{} {}", cluster.dir().display(), cluster.port());
        std::mem::forget(cluster);
    }
}
