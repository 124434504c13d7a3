//! The SMTP settings of Settings → Email: host, port, security, user and sender. The password is
//! not here; front ends keep it in the OS keyring and pass it to the mailer.

use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Actor};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::text::{validate_email, validate_text};
use crate::time::{fmt_ts, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain SMTP: only for a relay on the same machine or a trusted network.
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587); refused if the server can't.
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::None => "none",
            Security::Starttls => "starttls",
            Security::Tls => "tls",
        }
    }
    pub fn parse(s: &str) -> Result<Security> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Security::None),
            "starttls" => Ok(Security::Starttls),
            "tls" | "ssl" => Ok(Security::Tls),
            _ => Err(Error::invalid("security", format!("{s:?} is not none, starttls or tls"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The SMTP login; `None` for a server that takes mail without one.
    pub username: Option<String>,
    /// The sender address of every message.
    pub from: String,
}

impl EmailSettings {
    /// Checks every field; one clear error for the first that is wrong.
    pub fn validated(self) -> Result<EmailSettings> {
        let host = validate_text("host", &self.host, 253)?;
        let host_ok = host
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            || host.parse::<std::net::IpAddr>().is_ok();
        if !host_ok {
            return Err(Error::invalid("host", format!("{host:?} is not a host name or IP address")));
        }
        if self.port == 0 {
            return Err(Error::invalid("port", "must be between 1 and 65535"));
        }
        let username = match self.username.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u) => Some(validate_text("user", u, 254)?),
        };
        if self.security == Security::None && username.is_some() && !is_loopback(&host) {
            return Err(Error::InsecureSmtpLogin(host));
        }
        let from = validate_email(&self.from)
            .map_err(|_| Error::invalid("from", format!("{:?} is not an email address", self.from.trim())))?;
        Ok(EmailSettings { host, port: self.port, security: self.security, username, from })
    }
}

/// A host on this machine, where a password sent without encryption never crosses a network:
/// `localhost` or a loopback address (names are not resolved).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_end_matches('.');
    h.eq_ignore_ascii_case("localhost")
        || h.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The stored settings, or `None` when email was never set up.
pub fn email_settings(db: &Db) -> Result<Option<EmailSettings>> {
    let row = db.conn().query_opt(
        "SELECT host, port, security, username, from_addr FROM email_settings WHERE id = 1",
        &[],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<i64>(1)?,
                r.get::<String>(2)?,
                r.get::<Option<String>>(3)?,
                r.get::<String>(4)?,
            ))
        },
    )?;
    let Some((host, port, security, username, from)) = row else { return Ok(None) };
    let port = u16::try_from(port).map_err(|_| Error::Invariant(format!("stored SMTP port {port}")))?;
    Ok(Some(EmailSettings { host, port, security: Security::parse(&security)?, username, from }))
}

/// Saves the settings (validated first; nothing changes on a refusal).
pub fn set_email_settings(db: &mut Db, s: EmailSettings, by: &Actor, now: Timestamp) -> Result<EmailSettings> {
    save(db, s, by, "", now)
}

/// Saves the settings; `password_note` tells the audit log what became of the password (never
/// the password).
pub(crate) fn save(
    db: &mut Db,
    s: EmailSettings,
    by: &Actor,
    password_note: &str,
    now: Timestamp,
) -> Result<EmailSettings> {
    let s = s.validated()?;
    let user = s.username.as_deref().map(|u| format!(", user {u}")).unwrap_or_default();
    let detail = format!("{}:{} ({}), from {}{user}{password_note}", s.host, s.port, s.security.as_str(), s.from);
    db.write(|tx| {
        tx.execute(
            "INSERT INTO email_settings (id, host, port, security, username, from_addr, updated_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port,
               security = excluded.security, username = excluded.username,
               from_addr = excluded.from_addr, updated_at = excluded.updated_at",
            &[&s.host, &i64::from(s.port), &s.security.as_str(), &s.username, &s.from, &fmt_ts(&now)],
        )?;
        audit::record(tx, by, Action::EmailSettingsSaved, &detail, now)
    })?;
    Ok(s)
}

/// Forgets the settings; messages wait in the outbox as "not configured".
pub fn clear_email_settings(db: &mut Db, by: &Actor, now: Timestamp) -> Result<()> {
    db.write(|tx| {
        let host: Option<String> = tx.query_opt("DELETE FROM email_settings RETURNING host", &[], |r| r.get(0))?;
        if let Some(host) = host {
            audit::record(tx, by, Action::EmailSettingsRemoved, &format!("was {host}"), now)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> EmailSettings {
        EmailSettings {
            host: "smtp.example.com".into(),
            port: 587,
            security: Security::Starttls,
            username: Some("alice".into()),
            from: "fax@example.com".into(),
        }
    }

    #[test]
    fn refuses_each_bad_field_with_its_name() {
        type Spoil = fn(&mut EmailSettings);
        let cases: [(Spoil, &str); 4] = [
            (|s| s.host = "bad host".into(), "host"),
            (|s| s.host = String::new(), "host"),
            (|s| s.port = 0, "port"),
            (|s| s.from = "not-an-address".into(), "from"),
        ];
        for (spoil, field) in cases {
            let mut s = good();
            spoil(&mut s);
            match s.validated() {
                Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    /// Issue 13, item 7: a login over plain SMTP would send the password in clear text; it is
    /// refused, naming STARTTLS and TLS, unless the server is on this machine.
    #[test]
    fn refuses_a_login_without_encryption_unless_the_server_is_on_this_machine() {
        let plain = |host: &str| EmailSettings { host: host.into(), security: Security::None, ..good() };
        let e = plain("smtp.example.com").validated().unwrap_err();
        assert_eq!((e.code().as_str(), e.exit_code()), ("insecure_smtp_login", 2));
        assert!(e.to_string().contains("STARTTLS") && e.to_string().contains("TLS (port 465)"), "{e}");
        assert!(plain("10.0.0.5").validated().is_err());
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "::1"] {
            assert!(plain(host).validated().is_ok(), "{host}");
        }
        let anonymous = EmailSettings { username: None, ..plain("smtp.example.com") };
        assert!(anonymous.validated().is_ok(), "no login, no password to protect");
        let stored = plain("smtp.example.com");
        assert_eq!(
            crate::notify::SmtpMailer::new(&stored, Some("pw".into())).unwrap_err().code(),
            "insecure_smtp_login",
            "settings stored before the rule are refused when mail is sent"
        );
    }
}
