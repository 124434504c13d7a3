//! Where a ledger lives, as `--db` and `FAXCREDIT_DB` give it: a file path (SQLite), or a
//! `postgres://` / `postgresql://` URL (PostgreSQL) in libpq's form, with two parameters of our
//! own that are taken out before connecting: `schema=NAME`, the PostgreSQL schema that holds
//! the account (default `public`), and libpq's `sslmode` / `sslrootcert`, which rust-postgres
//! does not know in full (it has no verify-ca or verify-full).

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{Error, Result};

/// A ledger's place: a SQLite file or a PostgreSQL schema.
#[derive(Clone, Debug)]
pub enum Location {
    File(PathBuf),
    Postgres(Box<PgUrl>),
}

impl Location {
    /// `--db` as typed: a URL when it starts with `postgres://` or `postgresql://`, else a path.
    pub fn parse(s: &OsStr) -> Result<Location> {
        match s.to_str() {
            Some(t) if is_pg_url(t) => Ok(Location::Postgres(Box::new(PgUrl::parse(t)?))),
            _ => Ok(Location::File(PathBuf::from(s))),
        }
    }

    /// The file of a SQLite ledger; `None` for PostgreSQL.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }
}

fn is_pg_url(s: &str) -> bool {
    let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Self {
        Location::File(p.to_path_buf())
    }
}

impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Self {
        Location::File(p.clone())
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Self {
        l.clone()
    }
}

/// For messages: the path, or the URL without its password.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Postgres(u) => write!(f, "{}", u.shown),
        }
    }
}

/// libpq's `sslmode`: how much TLS a connection needs and what it checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// TLS when the server offers it, certificate unchecked (libpq's default; `allow` too).
    Prefer,
    /// TLS always, certificate unchecked.
    Require,
    /// TLS, the certificate signed by a trusted root; any host name.
    VerifyCa,
    /// TLS, the certificate signed by a trusted root and naming the host.
    VerifyFull,
}

impl SslMode {
    /// libpq's name of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<SslMode> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => {
                return Err(Error::Unavailable(format!(
                    "sslmode {s:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )))
            }
        })
    }
}

/// A PostgreSQL ledger's URL, read.
#[derive(Clone)]
pub struct PgUrl {
    /// Everything rust-postgres understands (host, port, user, password, dbname, options…).
    pub config: tokio_postgres::Config,
    /// The schema that holds the account.
    pub schema: String,
    pub sslmode: SslMode,
    /// The roots a verify-ca / verify-full connection trusts: a PEM file, else the public CAs.
    pub sslrootcert: Option<PathBuf>,
    /// The URL without its password.
    pub shown: String,
}

impl fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl PgUrl {
    /// Logs in with `password`, which is kept in memory only (never in `shown`).
    pub fn set_password(&mut self, password: &str) {
        self.config.password(password);
    }

    /// Whether the URL (or the app) gave a password.
    pub fn has_password(&self) -> bool {
        self.config.get_password().is_some()
    }

    pub fn parse(url: &str) -> Result<PgUrl> {
        // The scheme in any case, as libpq takes it; rust-postgres wants it in lower case.
        let url = match url.split_once("://") {
            Some((scheme, rest)) => format!("{}://{rest}", scheme.to_ascii_lowercase()),
            None => url.to_string(),
        };
        let (base, query) = url.split_once('?').unwrap_or((&url, ""));
        let shown_base = hide_password(base);
        let bad = |why: String| Error::Unavailable(format!("{shown_base}: {why}"));
        let (mut schema, mut sslmode, mut sslrootcert, mut kept) = (None, None, None, Vec::new());
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(v).map_err(&bad)?;
            match decode(k).map_err(&bad)?.as_str() {
                "schema" => schema = Some(value),
                "sslmode" => sslmode = Some(SslMode::parse(&value)?),
                "sslrootcert" => sslrootcert = Some(PathBuf::from(value)),
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
        let config = tokio_postgres::Config::from_str(&rest).map_err(|e| bad(format!("not a PostgreSQL URL: {e}")))?;
        let schema = schema.unwrap_or_else(|| "public".into());
        if !valid_schema(&schema) {
            return Err(bad(format!(
                "schema {schema:?} is not a schema name (lower-case letters, digits and _, at most 63, not starting with a digit)"
            )));
        }
        let sslmode = match sslmode {
            Some(m) => m,
            None => std::env::var("PGSSLMODE").ok().map(|m| SslMode::parse(&m)).transpose()?.unwrap_or(SslMode::Prefer),
        };
        let sslrootcert = sslrootcert.or_else(|| std::env::var_os("PGSSLROOTCERT").map(PathBuf::from));
        let shown = format!("{shown_base}?schema={schema}");
        Ok(PgUrl { config, schema, sslmode, sslrootcert, shown })
    }
}

fn valid_schema(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.starts_with("pg_")
}

/// `postgres://user:secret@host/db` → `postgres://user@host/db`.
fn hide_password(base: &str) -> String {
    let Some((scheme, rest)) = base.split_once("://") else { return base.to_string() };
    let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => format!("{}@{host}", user.split(':').next().unwrap_or("")),
        None => authority.to_string(),
    };
    match path {
        Some(p) => format!("{scheme}://{authority}/{p}"),
        None => format!("{scheme}://{authority}"),
    }
}

/// Percent-decoding of a URL's query part (`%3D` → `=`, `+` is kept).
fn decode(s: &str) -> std::result::Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(hex.ok_or_else(|| format!("{s:?} has a broken %-escape"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8 once decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(s: &str) -> PgUrl {
        match Location::parse(OsStr::new(s)).unwrap() {
            Location::Postgres(u) => *u,
            Location::File(p) => panic!("{} read as a file", p.display()),
        }
    }

    #[test]
    fn a_path_is_a_file_and_a_postgres_url_is_a_schema_on_a_server() {
        assert!(matches!(Location::parse(OsStr::new("ledger.db")).unwrap(), Location::File(_)));
        assert!(matches!(Location::parse(OsStr::new("./postgres://x")).unwrap(), Location::File(_)));
        let u = pg("postgresql://gw:s3cret@db.example:6432/fax?schema=acme&sslmode=verify-full&application_name=g");
        assert_eq!(u.schema, "acme");
        assert_eq!(u.sslmode, SslMode::VerifyFull);
        assert_eq!(u.config.get_user(), Some("gw"));
        assert_eq!(u.config.get_password(), Some(&b"s3cret"[..]));
        assert_eq!(u.config.get_dbname(), Some("fax"));
        assert_eq!(u.config.get_ports(), &[6432]);
        assert_eq!(u.shown, "postgresql://gw@db.example:6432/fax?schema=acme");
        assert!(!format!("{}", Location::Postgres(Box::new(u))).contains("s3cret"));
        assert_eq!(pg("POSTGRES://h/d").schema, "public");
        assert_eq!(pg("postgres://h/d?options=-csearch_path%3Dx&sslmode=disable").sslmode, SslMode::Disable);
    }

    #[test]
    fn a_bad_url_is_one_clear_database_unavailable_error_without_the_password() {
        for (url, says) in [
            ("postgres://u:pw@h/d?sslmode=sometimes", "sslmode"),
            ("postgres://u:pw@h/d?schema=Acme", "schema"),
            ("postgres://u:pw@h/d?schema=a;drop", "schema"),
            ("postgres://u:pw@h:notaport/d", "not a PostgreSQL URL"),
            ("postgres://u:pw@h/d?bogus=1", "not a PostgreSQL URL"),
            ("postgres://u:pw@h/d?schema=%zz", "%-escape"),
        ] {
            let e = Location::parse(OsStr::new(url)).unwrap_err();
            assert_eq!((e.code().as_str(), e.exit_code()), ("database_unavailable", 8), "{url}: {e}");
            assert!(e.to_string().contains(says), "{url}: {e}");
            assert!(!e.to_string().contains("pw"), "{url}: {e}");
        }
    }
}
