//! libpq's password file (`PGPASSFILE`, else `~/.pgpass`): `host:port:database:user:password`
//! lines, `*` for any, `\:` and `\\` escaped. As libpq does, a file that others can read is
//! ignored (with a line on stderr), and a socket path matches the host `localhost`.

use std::path::{Path, PathBuf};

/// The password the file gives for this connection, if any.
pub fn lookup(host: &str, port: u16, database: &str, user: &str) -> Option<String> {
    let path =
        std::env::var_os("PGPASSFILE").map(PathBuf::from).or_else(|| dirs::home_dir().map(|h| h.join(".pgpass")))?;
    let text = readable(&path)?;
    let host = if host.starts_with('/') { "localhost" } else { host };
    find(&text, [host, &port.to_string(), database, user])
}

#[cfg(unix)]
fn readable(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).ok()?;
    if meta.permissions().mode() & 0o077 != 0 {
        eprintln!(
            "faxcredit: password file {} has group or world access; it is not used (chmod 0600 it)",
            path.display()
        );
        return None;
    }
    std::fs::read_to_string(path).ok()
}

#[cfg(not(unix))]
fn readable(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The password of the first line whose four fields match `want`.
fn find(text: &str, want: [&str; 4]) -> Option<String> {
    text.lines().filter(|l| !l.trim_start().starts_with('#')).find_map(|line| {
        let fields = split(line);
        if fields.len() != 5 {
            return None;
        }
        fields[..4].iter().zip(want).all(|(f, w)| f == "*" || f == w).then(|| fields[4].clone())
    })
}

/// A line's fields, split on unescaped `:`.
fn split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().into_iter().for_each(|f| f.extend(chars.next())),
            ':' if fields.len() < 5 => fields.push(String::new()),
            _ => fields.last_mut().into_iter().for_each(|f| f.push(c)),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn takes_the_first_matching_line_with_wildcards_and_escapes() {
        let file = "# comment\ndb.example:5432:fax:gw:first\n*:*:fax:gw:p\\:w\\\\d\n*:*:*:*:any\n";
        assert_eq!(find(file, ["db.example", "5432", "fax", "gw"]).as_deref(), Some("first"));
        assert_eq!(find(file, ["other", "6432", "fax", "gw"]).as_deref(), Some("p:w\\d"));
        assert_eq!(find(file, ["other", "6432", "ledger", "ops"]).as_deref(), Some("any"));
        assert_eq!(find("h:1:d:u\n", ["h", "1", "d", "u"]), None, "a line without a password");
    }
}
