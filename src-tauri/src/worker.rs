//! The app's background worker, on its own thread and its own database connection so that the
//! window never waits on a mail server or a payment processor. Every few seconds, and at once
//! when woken: it finishes orders left pending, delivers the outbox by SMTP, and tells the window
//! when the ledger changed (also when another program, such as the CLI, billed faxes), with a
//! desktop notification for each new message.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use faxcredit::notify;
use std::sync::Arc;

use faxcredit::services::Services;
use faxcredit::{Db, Error};
use tauri::{AppHandle, Emitter, Runtime};

/// How often the worker looks without being woken.
const TICK: Duration = Duration::from_secs(3);

/// Wakes the worker (after a save, a purchase, a retry).
#[derive(Clone)]
pub struct Wake(Sender<()>);

impl Wake {
    pub fn now(&self) {
        let _ = self.0.send(());
    }
}

pub fn start<R: Runtime>(app: AppHandle<R>, db_path: PathBuf, services: Arc<Services>) -> Wake {
    let (tx, rx) = channel();
    std::thread::Builder::new()
        .name("fax-credit-worker".into())
        .spawn(move || run(app, db_path, services, rx))
        .map(|_| ())
        .unwrap_or_else(|e| eprintln!("fax-credit: cannot start the background worker: {e}"));
    Wake(tx)
}

struct Seen {
    data_version: i64,
    last_message: i64,
}

fn run<R: Runtime>(app: AppHandle<R>, db_path: PathBuf, services: Arc<Services>, wake: Receiver<()>) {
    let mut db: Option<Db> = None;
    let mut seen: Option<Seen> = None;
    loop {
        if db.is_none() && db_path.exists() {
            // Not yet set up (first run), or an account not yet created: try again next tick.
            db = Db::open(&db_path).ok().filter(|d| faxcredit::account::account(d).is_ok());
        }
        if let Some(d) = db.as_mut() {
            let result = d.verify_files().and_then(|()| tick(&app, d, &services, &mut seen));
            match result {
                Err(Error::LedgerReplaced(change)) => {
                    // Another program removed or replaced the ledger's files: close this
                    // connection (without touching them) and open the ledger again next time;
                    // the window's own connection does the same and tells the user.
                    eprintln!("fax-credit: background work stopped: {change}");
                    db = None;
                    seen = None;
                    let _ = app.emit(crate::events::LEDGER_CHANGED, ());
                    continue;
                }
                Err(e) => eprintln!("fax-credit: background work: {e}"),
                Ok(()) => {}
            }
        }
        match wake.recv_timeout(TICK) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn tick<R: Runtime>(
    app: &AppHandle<R>,
    db: &mut Db,
    services: &Services,
    seen: &mut Option<Seen>,
) -> Result<(), Error> {
    let reconciled = reconcile(db, services);
    let mailer = match services.mailer(db) {
        Ok(m) => m,
        Err(e) => {
            // No keyring for the SMTP password: mail waits (and shows why) until there is one.
            eprintln!("fax-credit: email not sent: {e}");
            None
        }
    };
    let delivered = notify::deliver_due(db, services.clock(), mailer.as_ref().map(|m| m as &dyn notify::Mailer))?;
    let mut changed = reconciled || delivered.sent + delivered.retrying + delivered.failed > 0;

    // `data_version` moves whenever another connection (the window's, the CLI's) commits.
    let data_version: i64 = db.sqlite()?.query_row("PRAGMA data_version", [], |r| r.get(0))?;
    let last_message: i64 = db.sqlite()?.query_row("SELECT coalesce(max(id), 0) FROM outbox", [], |r| r.get(0))?;
    let Some(prev) = seen.as_ref() else {
        *seen = Some(Seen { data_version, last_message });
        return Ok(());
    };
    if last_message > prev.last_message {
        // One notification per message, however many recipients it has (a row each).
        for m in notify::messages(db, last_message - prev.last_message)?.iter().rev().filter(|m| m.event == m.id) {
            desktop_notification(app, &m.subject, &m.body);
        }
    }
    changed |= data_version != prev.data_version || last_message != prev.last_message;
    if changed {
        let _ = app.emit(crate::events::LEDGER_CHANGED, ());
    }
    *seen = Some(Seen { data_version, last_message });
    Ok(())
}

/// Finishes orders left pending (a crash, a repeat order placed by another program) and starts
/// the retries that are due. Returns whether anything changed.
fn reconcile(db: &mut Db, services: &Services) -> bool {
    if !faxcredit::orders::has_open_orders(db).unwrap_or(false) {
        return false;
    }
    match services.with_purchaser(db, faxcredit::orders::reconcile) {
        Ok(r) => r.paid + r.declined + r.retried > 0,
        Err(e) => {
            eprintln!("fax-credit: orders left pending, tried again shortly: {e}");
            false
        }
    }
}

fn desktop_notification<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    use tauri_plugin_notification::NotificationExt;
    let first = body.split("\r\n\r\n").next().unwrap_or(body);
    if let Err(e) = app.notification().builder().title(title).body(first).show() {
        // No notification service (a bare X server): the message is still in Notifications.
        eprintln!("fax-credit: desktop notification not shown: {e}");
    }
}
