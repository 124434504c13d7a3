//! The durable outbox: every message is a row written in the same transaction as the event it
//! tells of, so no event is ever without its message. A worker ([`deliver_due`]) sends due rows,
//! one claim at a time under a lease, so two workers (the app and `faxcredit outbox --deliver`)
//! never send the same row at once; retries keep the row's Message-ID, so a message that a crash
//! made us send twice reads as one message in the manager's mail client.
//!
//! The claim: on SQLite, under the write lock; on PostgreSQL, one statement that takes the row
//! `FOR UPDATE SKIP LOCKED`, so senders never wait for each other nor for billing, and never
//! claim the same row.

use chrono::Duration;
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::sql::{Backend, Conn, Row};
use crate::time::{fmt_ts, parse_ts, Clock, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    RepeatOrderSuccess,
    RepeatOrderFailure,
    QuotaExceeded,
    LowCredit,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::RepeatOrderSuccess => "repeat_order_success",
            MessageKind::RepeatOrderFailure => "repeat_order_failure",
            MessageKind::QuotaExceeded => "quota_exceeded",
            MessageKind::LowCredit => "low_credit",
        }
    }
}

/// What the notification list shows for a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for its first attempt.
    Pending,
    /// Tried and refused for a passing reason (server down, 4xx); will be tried again.
    Retrying,
    Sent,
    /// The server refused it for good (5xx); kept, and can be retried by hand.
    Failed,
    /// Waiting because no SMTP server is set up.
    NotConfigured,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: i64,
    /// The id of the first row of the same message (one row per recipient): `id` for the first.
    pub event: i64,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub created_at: String,
    pub state: State,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub server_reply: Option<String>,
    pub sent_at: Option<String>,
}

/// The wait before the next attempt after `attempts` failed ones: 1 min, 5 min, 15 min, 1 h, then
/// every 6 h. A message is never given up on for a passing failure.
pub fn retry_delay(attempts: i64) -> Duration {
    match attempts {
        ..=1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(15),
        4 => Duration::hours(1),
        _ => Duration::hours(6),
    }
}

/// How long a claimed message is reserved for the worker that claimed it. Longer than any SMTP
/// exchange (the mailer times out sooner), so a live worker's claim never expires under it.
pub const LEASE: Duration = Duration::minutes(5);

/// Adds a message for the account email and every recipient of its kind
/// ([`super::recipients`]), inside the caller's transaction (the event's own): one row per
/// address, each delivered and retried on its own, so a mailbox that refuses it holds up no
/// other. Returns the first row's id, which every row of the message carries as its `event`.
///
/// Every row of the outbox is numbered here (so on PostgreSQL its identity is never used).
pub fn enqueue(tx: Conn<'_>, kind: MessageKind, subject: &str, body: &str, now: Timestamp) -> Result<i64> {
    let account_created: String = tx.query_row("SELECT created_at FROM account WHERE id = 1", &[], |r| r.get(0))?;
    let to = super::recipients::addresses_for(tx, kind)?;
    // The write lock is held, so max + 1 is ours alone; the Message-ID is fixed with the row.
    let first: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM outbox", &[], |r| r.get(0))?;
    let account_tag = parse_ts(&account_created, "created_at").map(|t| t.timestamp()).unwrap_or_default();
    let now_s = fmt_ts(&now);
    for (id, to) in (first..).zip(&to) {
        let message_id = format!("<outbox.{id}.{account_tag}.{}@faxcredit.local>", now.timestamp());
        tx.execute(
            "INSERT INTO outbox (id, kind, to_addr, subject, body, message_id, created_at, next_attempt_at, event)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
            &[&id, &kind.as_str(), to, &subject, &body, &message_id, &now_s, &first],
        )?;
    }
    Ok(first)
}

/// Attaches a file to a message in the outbox, in the transaction that wrote the message: a
/// retry sends the same bytes. `message_id` is what [`enqueue`] returned (the message's event):
/// the row of every recipient of the message carries the file.
pub fn attach(tx: Conn<'_>, message_id: i64, file_name: &str, content_type: &str, data: &[u8]) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox_attachments (message_id, n, file_name, content_type, data)
         SELECT ?1, coalesce(max(n), 0) + 1, CAST(?2 AS TEXT), CAST(?3 AS TEXT), ?4
         FROM outbox_attachments WHERE message_id = ?1",
        &[&message_id, &file_name, &content_type, &data],
    )?;
    Ok(())
}

fn attachments(conn: Conn<'_>, message_id: i64) -> Result<Vec<Attachment>> {
    conn.query(
        "SELECT file_name, content_type, data FROM outbox_attachments WHERE message_id = ?1 ORDER BY n",
        &[&message_id],
        |r| Ok(Attachment { file_name: r.get(0)?, content_type: r.get(1)?, data: r.get(2)? }),
    )
}

/// The newest `limit` messages, newest first, with the state the app shows.
pub fn messages(db: &Db, limit: i64) -> Result<Vec<Message>> {
    let configured = super::email_settings(db)?.is_some();
    let sql = "SELECT id, kind, to_addr, subject, body, message_id, created_at, state, attempts,
                      next_attempt_at, last_error, server_reply, sent_at, coalesce(event, id)
               FROM outbox ORDER BY id DESC LIMIT ?1";
    db.conn().query(sql, &[&limit.clamp(1, 10_000)], |r| {
        let stored: String = r.get(7)?;
        let attempts: i64 = r.get(8)?;
        let state = match stored.as_str() {
            "sent" => State::Sent,
            "failed" => State::Failed,
            _ if !configured => State::NotConfigured,
            _ if attempts > 0 => State::Retrying,
            _ => State::Pending,
        };
        Ok(Message {
            id: r.get(0)?,
            event: r.get(13)?,
            kind: r.get(1)?,
            to: r.get(2)?,
            subject: r.get(3)?,
            body: r.get(4)?,
            message_id: r.get(5)?,
            created_at: r.get(6)?,
            state,
            attempts,
            next_attempt_at: if stored == "pending" { Some(r.get(9)?) } else { None },
            last_error: r.get(10)?,
            server_reply: r.get(11)?,
            sent_at: r.get(12)?,
        })
    })
}

/// One message handed to a [`Mailer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub date: Timestamp,
    /// Files sent with the message (a receipt PDF).
    pub attachments: Vec<Attachment>,
}

/// A file sent with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Why a send failed, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// The server refused the message for good (a 5xx answer): retrying would be refused again.
    pub permanent: bool,
    pub message: String,
}

/// Sends one message and returns the server's answer.
pub trait Mailer {
    fn send(&self, mail: &Mail) -> std::result::Result<String, SendFailure>;
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
    /// Messages waiting because no mailer was given (email not set up).
    pub waiting: u32,
}

/// At most this many messages per call, so one call is bounded.
const BATCH: u32 = 200;

/// Sends every due message through `mailer` (`None`: email not set up, nothing is tried).
pub fn deliver_due(db: &mut Db, clock: &dyn Clock, mailer: Option<&dyn Mailer>) -> Result<DeliveryReport> {
    let mut report = DeliveryReport::default();
    let Some(mailer) = mailer else {
        let waiting: i64 =
            db.conn().query_row("SELECT count(*) FROM outbox WHERE state = 'pending'", &[], |r| r.get(0))?;
        report.waiting = u32::try_from(waiting).unwrap_or(u32::MAX);
        return Ok(report);
    };
    for _ in 0..BATCH {
        let Some((id, mail, attempts)) = claim(db, clock.now())? else { break };
        let outcome = mailer.send(&mail);
        let now = clock.now();
        match outcome {
            Ok(reply) => {
                db.write(|tx| {
                    tx.execute(
                        "UPDATE outbox SET state = 'sent', sent_at = ?2, server_reply = ?3, lease_until = NULL,
                           last_error = NULL WHERE id = ?1",
                        &[&id, &fmt_ts(&now), &reply],
                    )
                })?;
                report.sent += 1;
            }
            Err(f) if f.permanent => {
                db.write(|tx| {
                    tx.execute(
                        "UPDATE outbox SET state = 'failed', last_error = ?2, lease_until = NULL WHERE id = ?1",
                        &[&id, &f.message],
                    )
                })?;
                report.failed += 1;
            }
            Err(f) => {
                let next = fmt_ts(&(now + retry_delay(attempts)));
                db.write(|tx| {
                    tx.execute(
                        "UPDATE outbox SET next_attempt_at = ?2, last_error = ?3, lease_until = NULL WHERE id = ?1",
                        &[&id, &next, &f.message],
                    )
                })?;
                report.retrying += 1;
            }
        }
    }
    Ok(report)
}

/// A claimed row: id, address, subject, body, Message-ID, created at, attempts (this one
/// counted), and the message's event (the row its attachments hang on).
type Claimed = (i64, String, String, String, String, String, i64, i64);

fn claimed(r: &Row<'_>) -> Result<Claimed> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

/// Takes the oldest due message under a lease and counts the attempt before sending it, so a
/// crash mid-send is still an attempt and the message is tried again once the lease expires.
fn claim(db: &mut Db, now: Timestamp) -> Result<Option<(i64, Mail, i64)>> {
    let now_s = fmt_ts(&now);
    let until = fmt_ts(&(now + LEASE));
    let row = match db.backend() {
        Backend::Sqlite => db.write(|tx| {
            let row = tx.query_opt(
                "SELECT id, to_addr, subject, body, message_id, created_at, attempts + 1, coalesce(event, id)
                 FROM outbox
                 WHERE state = 'pending' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)
                 ORDER BY next_attempt_at, id LIMIT 1",
                &[&now_s],
                claimed,
            )?;
            if let Some(r) = &row {
                tx.execute(
                    "UPDATE outbox SET lease_until = ?2, attempts = attempts + 1 WHERE id = ?1",
                    &[&r.0, &until],
                )?;
            }
            Ok(row)
        })?,
        // One statement, its own transaction: the row is locked as it is chosen, and a row
        // another sender holds is passed over, not waited for.
        Backend::Postgres => db.conn().query_opt(
            "UPDATE outbox SET lease_until = ?2, attempts = attempts + 1
             WHERE id = (SELECT id FROM outbox
                         WHERE state = 'pending' AND next_attempt_at <= ?1
                           AND (lease_until IS NULL OR lease_until <= ?1)
                         ORDER BY next_attempt_at, id LIMIT 1
                         FOR UPDATE SKIP LOCKED)
             RETURNING id, to_addr, subject, body, message_id, created_at, attempts, coalesce(event, id)",
            &[&now_s, &until],
            claimed,
        )?,
    };
    let Some((id, to, subject, body, message_id, created, attempts, event)) = row else { return Ok(None) };
    // A message's attachments are written with it and never change.
    let attachments = attachments(db.conn(), event)?;
    let date = parse_ts(&created, "created_at")?;
    Ok(Some((id, Mail { to, subject, body, message_id, date, attachments }, attempts)))
}

/// Puts a failed (or waiting) message back in line to be tried at once: the app's Retry button.
pub fn retry_now(db: &mut Db, id: i64, now: Timestamp) -> Result<()> {
    db.write(|tx| {
        let n = tx.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, lease_until = NULL
             WHERE id = ?1 AND state IN ('pending', 'failed')",
            &[&id, &fmt_ts(&now)],
        )?;
        if n == 0 {
            let exists: bool = tx.query_row("SELECT count(*) > 0 FROM outbox WHERE id = ?1", &[&id], |r| r.get(0))?;
            return Err(if exists {
                Error::Conflict(format!("message {id} was already sent"))
            } else {
                Error::NotFound(format!("no message {id}"))
            });
        }
        Ok(())
    })
}
