//! What every command shares: reading a card id, a secret from stdin, printing JSON, and
//! removing a ledger that a failed `init` created.

use std::io::{BufRead, IsTerminal, Write};

use faxcredit::error::{Error, Result};

pub fn card_id(s: &str) -> Result<i64> {
    let t = s.trim().trim_start_matches('#');
    t.strip_prefix("card-")
        .unwrap_or(t)
        .parse::<i64>()
        .map_err(|_| Error::invalid("card", format!("{s:?} is not a card id")))
}

/// `println!` for a command's output. `println!` panics when the reader has gone
/// (`faxcredit cards | head`); this ends the program quietly instead, as SIGPIPE would.
macro_rules! outln {
    ($($t:tt)*) => { $crate::cli::io::out(format_args!("{}\n", format_args!($($t)*))) };
}

/// `print!` for a command's output; see [`outln!`].
macro_rules! out {
    ($($t:tt)*) => { $crate::cli::io::out(format_args!($($t)*)) };
}

/// Writes to stdout; a closed pipe ends the program with status 0 and nothing on stderr.
pub fn out(args: std::fmt::Arguments<'_>) {
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_fmt(args).and_then(|()| o.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        let e = Error::Io(e);
        report(&e);
        std::process::exit(e.exit_code());
    }
}

pub fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let s = serde_json::to_string_pretty(v).map_err(|e| Error::Invariant(e.to_string()))?;
    outln!("{s}");
    Ok(())
}

/// Reads one secret line: without echo on a terminal, else the first line of stdin.
pub fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password: ").map_err(Error::Io);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// Who the audit log names for what this command does: the OS user running it (`USER`,
/// `LOGNAME`, or `USERNAME` on Windows), marked as the command line. The CLI has no login of its
/// own; whoever runs it can write the ledger file, so this names, it does not authenticate.
pub fn actor() -> faxcredit::audit::Actor {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(uid_name)
        .unwrap_or_else(|| "unknown OS user".into());
    faxcredit::audit::Actor::cli(&user)
}

/// Without `USER` (a service, `env -i`): the name of the process's uid in `/etc/passwd`, else
/// `uid N`.
#[cfg(unix)]
fn uid_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid.to_string()).then(|| name.to_string())
    });
    Some(name.unwrap_or_else(|| format!("uid {uid}")))
}

#[cfg(not(unix))]
fn uid_name() -> Option<String> {
    None
}

/// One clear line on stderr, ending with the error's stable code.
pub fn report(e: &Error) {
    eprintln!("faxcredit: {e} [{}]", e.code());
}

pub fn remove_db_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
