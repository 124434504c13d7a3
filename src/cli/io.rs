//! What every command shares: reading a card id, a secret from stdin, printing JSON, and
//! removing a ledger that a failed `init` created.

use std::io::{BufRead, IsTerminal};

use faxcredit::error::{Error, Result};

pub fn card_id(s: &str) -> Result<i64> {
    let t = s.trim().trim_start_matches('#');
    t.strip_prefix("card-")
        .unwrap_or(t)
        .parse::<i64>()
        .map_err(|_| Error::invalid("card", format!("{s:?} is not a card id")))
}

pub fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let s = serde_json::to_string_pretty(v).map_err(|e| Error::Invariant(e.to_string()))?;
    println!("{s}");
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
