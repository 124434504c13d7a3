//! A private PostgreSQL cluster for a test run or a developer (`cargo xtask pg`): `initdb` into a
//! fresh directory under the temp dir, a free port on 127.0.0.1 and its socket in that directory.
//! It is stopped and removed when dropped, on Ctrl-C, or by the next start if its run was killed;
//! no system cluster and no developer's own server is ever used or touched.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, Once};
use std::time::Duration;

/// Every cluster's directory is `<temp>/faxcredit-pg-<pid of the process that made it>-<n>`:
/// the owner's pid is in the name from the moment the directory exists, so a later run can tell
/// a cluster whose run is gone from one still in use by another run.
const PREFIX: &str = "faxcredit-pg-";

/// The clusters of this process that are still up, for the Ctrl-C handler to stop.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static ON_SIGNAL: Once = Once::new();

pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    /// Cleans the clusters of killed runs, then makes, configures and starts a new one.
    pub fn start() -> Result<Cluster, String> {
        clean_stale();
        let bin = bindir()?;
        let as_postgres = crate::deps::is_root();
        if as_postgres && !crate::sh::cmd("id", &["-u", "postgres"]).succeeds() {
            return Err("PostgreSQL refuses to run as root and there is no `postgres` user to run it as".into());
        }
        let dir = fresh_dir()?;
        // From here on the directory is registered and owned by `cluster`: an error or a panic
        // below drops it, which stops whatever started and removes the directory.
        register(&dir);
        let cluster = Cluster { dir, bin, port: 0 };
        cluster.prepare(as_postgres)?;
        cluster.listen()
    }

    /// `postgresql://postgres@127.0.0.1:PORT/postgres` (trust authentication, no password).
    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory of the PostgreSQL programs in use (`initdb`, `pg_ctl`, `psql`, …).
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// `DIR/ctl`: this cluster's `pg_ctl -D DATA` as the right user, with any arguments
    /// (`ctl stop -m immediate`, `ctl start -w`).
    pub fn ctl(&self) -> PathBuf {
        self.dir.join("ctl")
    }

    /// What every test process of the run is given to reach the cluster. `FAXCREDIT_REQUIRE_PG`
    /// turns a PostgreSQL half that could not run into a failure, never a quiet skip.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("FAXCREDIT_TEST_PG".into(), self.url()),
            ("FAXCREDIT_TEST_PG_CTL".into(), self.ctl().display().to_string()),
            ("FAXCREDIT_REQUIRE_PG".into(), "1".into()),
        ]
    }

    /// The directory owned by `postgres` when we are root, `initdb`, and the `ctl` script.
    fn prepare(&self, as_postgres: bool) -> Result<(), String> {
        if as_postgres {
            let dir = self.dir.display().to_string();
            quiet(Command::new("chown").args(["postgres:", &dir]))?;
        }
        let data = self.dir.join("data").display().to_string();
        let initdb = self.bin.join("initdb").display().to_string();
        // `--no-sync` only spares initdb's own final sync: the server keeps fsync on, as the
        // durability tests need.
        let args = ["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"];
        quiet(self.as_owner(as_postgres, &initdb).args(args))?;
        let conf = self.dir.join("data/postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|e| format!("{}: {e}", conf.display()))?;
        text.push_str("\n# Private cluster of cargo xtask (xtask/src/pg.rs): port and socket in xtask.conf\n");
        text.push_str("include = 'xtask.conf'\n");
        write(&conf, &text)?;
        let runner = if as_postgres { "runuser -u postgres -- " } else { "" };
        let script = format!(
            "#!/bin/sh\n# pg_ctl of the private cluster in this directory, as the user it runs as.\n\
             cd {dir} || exit 1\nexec {runner}{bin}/pg_ctl -D {dir}/data -l {dir}/server.log \"$@\"\n",
            dir = shell_quote(&self.dir.display().to_string()),
            bin = shell_quote(&self.bin.display().to_string()),
        );
        write(&self.ctl(), &script)?;
        make_executable(&self.ctl())
    }

    /// Starts the server on a free port. The port is found by binding port 0 and released just
    /// before the server binds it, so another program may take it first: then try another.
    fn listen(mut self) -> Result<Cluster, String> {
        for _ in 0..5 {
            self.port = free_port()?;
            let conf = format!(
                "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n",
                self.port,
                self.dir.display()
            );
            write(&self.dir.join("data/xtask.conf"), &conf)?;
            let log = self.dir.join("server.log");
            let seen = std::fs::metadata(&log).map_or(0, |m| m.len() as usize);
            let Err(said) = quiet(Command::new(self.ctl()).args(["start", "-w", "-t", "60"])) else {
                return Ok(self);
            };
            let log = std::fs::read(&log).unwrap_or_default();
            let log = String::from_utf8_lossy(log.get(seen..).unwrap_or_default());
            if !log.contains("could not bind") {
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                let dir = self.dir.display();
                return Err(format!("PostgreSQL did not start in {dir}: {said}\nserver.log:\n{}", tail.join("\n")));
            }
        }
        Err("PostgreSQL found no free port on 127.0.0.1 in five tries".into())
    }

    fn as_owner(&self, as_postgres: bool, program: &str) -> Command {
        let mut c = if as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", program]);
            c
        } else {
            Command::new(program)
        };
        // The postgres user may not enter our working directory (/root, say).
        c.current_dir(&self.dir);
        c
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // The lock is held while stopping, so a Ctrl-C meanwhile waits and finds nothing left.
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|d| d != &self.dir);
        shut_down(&self.dir, "fast");
    }
}

/// Stops the cluster in `dir` (`pg_ctl stop -m MODE`, then SIGKILL to a postmaster that is
/// still there) and removes the directory.
fn shut_down(dir: &Path, mode: &str) {
    let postmaster = postmaster_pid(dir);
    if dir.join("ctl").is_file() {
        let _ = quiet(Command::new(dir.join("ctl")).args(["stop", "-m", mode, "-t", "30"]));
    }
    if let Some(pid) = postmaster {
        // pg_ctl returns once the pid file is gone, a moment before the process itself.
        if !gone_within(pid, Duration::from_secs(5)) && serves(pid, dir) {
            let _ = quiet(Command::new("kill").args(["-KILL", &pid.to_string()]));
            gone_within(pid, Duration::from_secs(10));
        }
    }
    // A postmaster killed outright leaves its backends to notice and exit by themselves.
    for pid in processes_of(dir) {
        if !gone_within(pid, Duration::from_secs(5)) {
            let _ = quiet(Command::new("kill").args(["-KILL", &pid.to_string()]));
            gone_within(pid, Duration::from_secs(5));
        }
    }
    if let Err(e) = std::fs::remove_dir_all(dir) {
        if e.kind() != std::io::ErrorKind::NotFound {
            eprintln!("xtask: cannot remove {}: {e}", dir.display());
        }
    }
}

/// Stops and removes every cluster whose run is gone: its owner's pid (in the directory's
/// name) is no longer a process, whether its postmaster still runs or died too.
fn clean_stale() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = name.strip_prefix(PREFIX).and_then(|rest| rest.split('-').next()) else { continue };
        let Ok(owner) = owner.parse::<u32>() else { continue };
        if owner != std::process::id() && !alive(owner) {
            println!(
                "xtask: stopping and removing a PostgreSQL cluster left by a killed run: {}",
                entry.path().display()
            );
            shut_down(&entry.path(), "immediate");
        }
    }
}

fn register(dir: &Path) {
    ON_SIGNAL.call_once(|| {
        // Ctrl-C, SIGTERM or SIGHUP: the server runs in a session of its own (pg_ctl's setsid),
        // so it would outlive us; stop it first. Another handler set before us keeps its place.
        let _ = ctrlc::set_handler(|| {
            let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
            for dir in live.drain(..) {
                shut_down(&dir, "fast");
            }
            eprintln!("xtask: interrupted; the private PostgreSQL cluster is stopped");
            std::process::exit(130);
        });
    });
    LIVE.lock().unwrap_or_else(|e| e.into_inner()).push(dir.to_path_buf());
}

/// A new directory `<temp>/faxcredit-pg-<our pid>-<n>`, private to its owner.
fn fresh_dir() -> Result<PathBuf, String> {
    for n in 0..1000 {
        let dir = std::env::temp_dir().join(format!("{PREFIX}{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                restrict(&dir)?;
                // The processes' working directories are compared with it: no symlink in it.
                return std::fs::canonicalize(&dir).map_err(|e| format!("{}: {e}", dir.display()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        }
    }
    Err("no free name for a cluster directory in the temp dir".into())
}

/// The newest `/usr/lib/postgresql/<version>/bin` (Debian's layout), else `pg_config --bindir`.
fn bindir() -> Result<PathBuf, String> {
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .max_by_key(|(version, _)| *version);
    if let Some((_, bin)) = newest {
        return Ok(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output();
    match out {
        Ok(o) if o.status.success() => {
            let bin = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
            if bin.join("initdb").is_file() {
                return Ok(bin);
            }
            Err(format!("pg_config names {} but it has no initdb: install the PostgreSQL server", bin.display()))
        }
        _ => Err("PostgreSQL not found (no /usr/lib/postgresql/*/bin, no pg_config): on Debian or Ubuntu, \
                  apt-get install postgresql"
            .into()),
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// The postmaster's pid, from the first line of `DIR/data/postmaster.pid`.
pub(crate) fn postmaster_pid(dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(dir.join("data/postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

fn gone_within(pid: u32, wait: Duration) -> bool {
    let deadline = std::time::Instant::now() + wait;
    while alive(pid) {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// A process that has exited but is not reaped yet (a zombie) counts as gone.
pub(crate) fn alive(pid: u32) -> bool {
    if Path::new("/proc/self").is_dir() {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state follows the command's name in parentheses, which may itself hold ") ".
        stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z'))
    } else {
        Command::new("kill").args(["-0", &pid.to_string()]).output().is_ok_and(|o| o.status.success())
    }
}

/// The PostgreSQL processes of the cluster in `dir`: named `postgres` and working in its data
/// directory, where the postmaster goes and its children inherit (Linux's /proc; none elsewhere).
pub(crate) fn processes_of(dir: &Path) -> Vec<u32> {
    let data = dir.join("data");
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == data))
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .filter(|&pid| alive(pid))
        .collect()
}

/// True when `pid` is a postmaster of the data directory in `dir`, not a process that took
/// the pid of one that is gone: pg_ctl starts it as `postgres -D DIR/data`.
fn serves(pid: u32, dir: &Path) -> bool {
    let data = dir.join("data").display().to_string();
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => String::from_utf8_lossy(&cmdline).split('\0').any(|arg| arg == data),
        Err(_) => false,
    }
}

/// Runs a command with its output captured: nothing on success, everything it said on failure.
fn quiet(c: &mut Command) -> Result<(), String> {
    let out = c.output().map_err(|e| format!("cannot run {:?}: {e}", c.get_program()))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{:?} failed ({}):\n{}{}",
        c.get_program(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(unix)]
fn restrict(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| format!("{}: {e}", dir.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), String> {
    Err("the private PostgreSQL cluster needs a Unix system".into())
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
#[path = "pg_tests.rs"]
mod tests;
