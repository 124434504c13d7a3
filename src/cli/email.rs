//! `email set | show | test` and `outbox [--deliver]`.

use clap::Subcommand;

use super::io::{print_json, read_password};
use faxcredit::db::Db;
use faxcredit::error::{Error, Result};
use faxcredit::notify::{self, EmailSettings, Security, SmtpMailer};
use faxcredit::time::Timestamp;

#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Set the SMTP server; with --user, the password is read from standard input.
    Set {
        #[arg(long)]
        host: String,
        #[arg(long, allow_hyphen_values = true)]
        port: String,
        #[arg(long, value_name = "none|starttls|tls")]
        security: String,
        /// The sender address.
        #[arg(long, value_name = "ADDR")]
        from: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Show the SMTP settings (never the password).
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Send a test message to the account email now and print the server's answer.
    Test,
}

pub fn email(path: &faxcredit::db::Location, cmd: EmailCommand, now: Timestamp) -> Result<i32> {
    let mut db = Db::open(path)?;
    faxcredit::account::account(&db)?;
    match cmd {
        EmailCommand::Set { host, port, security, from, user } => {
            let port = port
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| Error::invalid("port", format!("{port:?} is not a port (1 to 65535)")))?;
            let settings = EmailSettings { host, port, security: Security::parse(&security)?, username: user, from }
                .validated()?;
            let password = if settings.username.is_some() { Some(read_password()?) } else { None };
            let s = super::secrets::save_smtp(&mut db, settings, password)?;
            outln!("email settings saved: {}:{} ({}), from {}", s.host, s.port, s.security.as_str(), s.from);
        }
        EmailCommand::Show { json } => {
            let settings = notify::email_settings(&db)?;
            let to = faxcredit::account::account(&db)?.email;
            if json {
                print_json(&serde_json::json!({ "settings": settings, "to": to }))?;
            } else if let Some(s) = settings {
                outln!("host      {}", s.host);
                outln!("port      {}", s.port);
                outln!("security  {}", s.security.as_str());
                outln!("user      {}", s.username.as_deref().unwrap_or("(none)"));
                outln!("from      {}", s.from);
                outln!("to        {to}");
            } else {
                outln!("email is not set up; notifications to {to} wait in the outbox");
            }
        }
        EmailCommand::Test => {
            let mailer = mailer(&mut db)?.ok_or(Error::EmailNotConfigured)?;
            let to = faxcredit::account::account(&db)?.email;
            let reply = mailer.send_test(&to, now)?;
            outln!("test email sent to {to}; the server answered: {reply}");
        }
    }
    Ok(0)
}

fn mailer(db: &mut Db) -> Result<Option<SmtpMailer>> {
    super::secrets::smtp_mailer(db)
}

pub fn outbox(path: &faxcredit::db::Location, deliver: bool, json: bool) -> Result<i32> {
    let mut db = Db::open(path)?;
    faxcredit::account::account(&db)?;
    if deliver {
        let m = mailer(&mut db)?;
        let r = notify::deliver_due(&mut db, super::services().clock(), m.as_ref().map(|m| m as &dyn notify::Mailer))?;
        if m.is_none() && r.waiting > 0 {
            eprintln!("faxcredit: {} messages wait: {}", r.waiting, Error::EmailNotConfigured);
        }
        if !json {
            outln!("sent {}, retrying {}, failed {}", r.sent, r.retrying, r.failed);
        }
    }
    let list = notify::messages(&db, 200)?;
    if json {
        print_json(&list)?;
        return Ok(0);
    }
    if list.is_empty() {
        outln!("the outbox is empty");
    }
    for m in &list {
        let state = serde_json::to_value(m.state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let detail = m.last_error.as_deref().or(m.server_reply.as_deref()).unwrap_or("");
        outln!("{:>5}  {}  {:<14}  {}  {}", m.id, m.created_at, state, m.subject, detail);
    }
    Ok(0)
}
