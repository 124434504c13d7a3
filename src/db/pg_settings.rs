//! A shared ledger as a person gives it in the app's form, and as the app remembers it: the
//! server's URL (without a password), the user, the TLS mode and the TLS root certificate. The
//! password is never part of them: it lives in the OS keyring and is put into the URL the
//! ledger is opened with in memory only ([`PgSettings::url_text`]).

use std::ffi::OsStr;

use serde::{Deserialize, Serialize};

use super::location::{Location, PgUrl, SslMode};
use crate::error::{Error, Result};

/// A shared ledger's connection, without its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgSettings {
    /// `postgres://host:port/database?schema=acme`, as typed (no user needed, no password).
    pub url: String,
    /// The PostgreSQL user to log in as.
    pub user: String,
    /// libpq's `sslmode`: `disable`, `prefer`, `require`, `verify-ca` or `verify-full`.
    pub tls: String,
    /// The PEM file of the authority that signed the server's certificate (for `verify-ca` and
    /// `verify-full`); empty or `None`: libpq's `~/.postgresql/root.crt`, else the public CAs.
    #[serde(default)]
    pub root_cert: Option<String>,
}

impl PgSettings {
    /// The URL the ledger is opened with: the typed URL with the user, the TLS mode, the root
    /// certificate and, when given, the password (percent-encoded). Keep it in memory only.
    /// A URL that already holds a password is refused: it belongs in the keyring.
    pub fn url_text(&self, password: Option<&str>) -> Result<String> {
        let typed = self.url.trim();
        let (scheme, rest) = typed
            .split_once("://")
            .filter(|(s, _)| s.eq_ignore_ascii_case("postgres") || s.eq_ignore_ascii_case("postgresql"))
            .ok_or_else(|| {
                Error::invalid(
                    "url",
                    "a shared ledger's URL starts with postgres:// (postgres://host:5432/database?schema=name)",
                )
            })?;
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = before_query.split_once('/').map_or((before_query, None), |(a, p)| (a, Some(p)));
        let (url_user, host) = match authority.rsplit_once('@') {
            Some((login, _)) if login.contains(':') => {
                return Err(Error::invalid(
                    "url",
                    "the URL holds a password: remove it and type it in Password (it is kept in the system keyring, never in the URL)",
                ))
            }
            Some((login, host)) => (Some(login), host),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(Error::invalid("url", "the URL names no server: postgres://host:5432/database?schema=name"));
        }
        let user = self.user.trim();
        if user.is_empty() {
            return Err(Error::invalid("user", "enter the PostgreSQL user to log in as"));
        }
        if url_user.is_some_and(|u| !u.is_empty() && u != user) {
            return Err(Error::invalid("url", "the URL names another user than User: leave the user out of the URL"));
        }
        let tls = SslMode::parse(&self.tls).map_err(|_| {
            Error::invalid("tls", "choose a TLS mode: disable, prefer, require, verify-ca or verify-full")
        })?;
        // The form's TLS settings are the ones used, whatever the URL said.
        let mut params: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("sslmode=") && !p.starts_with("sslrootcert="))
            .map(str::to_string)
            .collect();
        params.push(format!("sslmode={}", tls.as_str()));
        if let Some(root) = self.root_cert.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            params.push(format!("sslrootcert={}", encode(root)));
        }
        let login = match password {
            Some(p) => format!("{}:{}", encode(user), encode(p)),
            None => encode(user),
        };
        let path = path.map(|p| format!("/{p}")).unwrap_or_default();
        let text = format!("{}://{login}@{host}{path}?{}", scheme.to_ascii_lowercase(), params.join("&"));
        // Read back as `--db` reads it, so that what the form gives is what opens.
        match Location::parse(OsStr::new(&text)) {
            Ok(_) => Ok(text),
            Err(e) => Err(Error::invalid("url", without(&e.to_string(), password))),
        }
    }

    /// The ledger's place, with the password when given (in memory only).
    pub fn location(&self, password: Option<&str>) -> Result<Location> {
        Location::parse(OsStr::new(&self.url_text(password)?))
    }

    /// The URL without its password (user, server, database and schema): what the app shows,
    /// and the name of the password's keyring entry.
    pub fn shown(&self) -> Result<String> {
        match self.location(None)? {
            Location::Postgres(u) => Ok(u.shown.clone()),
            Location::File(_) => Err(Error::invalid("url", "not a PostgreSQL URL")),
        }
    }

    /// The settings of an open PostgreSQL ledger's URL, for a form to start from (no password).
    pub fn of(url: &PgUrl) -> PgSettings {
        let base = url.shown.split_once('?').map_or(url.shown.as_str(), |(b, _)| b);
        // The user goes in its own field; the schema stays in the URL.
        let without_user = match base.split_once("://") {
            Some((scheme, rest)) => {
                let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                let path = if path.is_empty() { String::new() } else { format!("/{path}") };
                format!("{scheme}://{host}{path}")
            }
            None => base.to_string(),
        };
        PgSettings {
            url: format!("{without_user}?schema={}", url.schema),
            user: url.config.get_user().unwrap_or_default().to_string(),
            tls: url.sslmode.as_str().to_string(),
            root_cert: url.sslrootcert.as_ref().map(|p| p.display().to_string()),
        }
    }
}

/// Percent-encodes everything but the characters a URL never needs escaped.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `message` without the password in it, in either spelling.
fn without(message: &str, password: Option<&str>) -> String {
    match password.filter(|p| !p.is_empty()) {
        Some(p) => message.replace(&encode(p), "…").replace(p, "…"),
        None => message.to_string(),
    }
}

#[cfg(test)]
#[path = "pg_settings_tests.rs"]
mod tests;
