//! The app's background worker, on its own thread and its own database connection so that the
//! window never waits on a mail server or a payment processor. Every few seconds, and at once
//! when woken: it finishes orders left pending, delivers the outbox by SMTP, and tells the window
//! when the ledger changed (also when another program, such as the CLI, billed faxes), with a
//! desktop notification for each new message. Another program's commits are seen in `PRAGMA
//! data_version` on a SQLite file, and heard at once on a shared ledger (`listen.rs`).

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use faxcredit::db::Location;
use faxcredit::notify;
use faxcredit::sql::Backend;
use std::sync::Arc;

use faxcredit::services::Services;
use faxcredit::{Db, Error};
use tauri::{AppHandle, Emitter, Runtime};

/// How often the worker looks without being woken.
const TICK: Duration = Duration::from_secs(3);

enum Msg {
    /// Look now (after a save, a purchase, a retry).
    Wake,
    /// The app uses another ledger from now on.
    Ledger(Location),
    /// A commit to the shared ledger was heard.
    Heard,
}

/// Wakes the worker, or moves it to another ledger.
#[derive(Clone)]
pub struct Wake(Sender<Msg>);

impl Wake {
    pub fn now(&self) {
        let _ = self.0.send(Msg::Wake);
    }

    pub fn ledger(&self, at: Location) {
        let _ = self.0.send(Msg::Ledger(at));
    }
}

pub fn start<R: Runtime>(app: AppHandle<R>, at: Location, services: Arc<Services>) -> Wake {
    let (tx, rx) = channel();
    let ear = tx.clone();
    std::thread::Builder::new()
        .name("fax-credit-worker".into())
        .spawn(move || run(app, at, services, rx, ear))
        .map(|_| ())
        .unwrap_or_else(|e| eprintln!("fax-credit: cannot start the background worker: {e}"));
    Wake(tx)
}

struct Seen {
    /// SQLite's count of other connections' commits (`None` on PostgreSQL, which is heard).
    data_version: Option<i64>,
    last_message: i64,
}

fn run<R: Runtime>(app: AppHandle<R>, mut at: Location, services: Arc<Services>, rx: Receiver<Msg>, ear: Sender<Msg>) {
    let mut db: Option<Db> = None;
    let mut seen: Option<Seen> = None;
    let mut listening = None;
    let mut heard = false;
    let mut complaints = Complaints::default();
    loop {
        if db.as_ref().is_some_and(Db::is_lost) {
            db = None; // The server restarted: a new session below.
        }
        if db.is_none() && at.file().is_none_or(|p| p.exists()) {
            // Not yet set up (first run), or an account not yet created: try again next tick.
            db = Db::open(&at).ok().filter(|d| faxcredit::account::account(d).is_ok());
            if db.is_some() && listening.is_none() {
                let ear = ear.clone();
                listening = crate::listen::start(&at, move || ear.send(Msg::Heard).is_ok());
            }
        }
        if let Some(d) = db.as_mut() {
            let result = d.verify_files().and_then(|()| tick(&app, d, &services, &mut seen, heard, &mut complaints));
            heard = false;
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
                Err(e) => complaints.say("background work", &e),
                Ok(()) => {}
            }
        }
        match rx.recv_timeout(TICK) {
            Ok(Msg::Wake) | Err(RecvTimeoutError::Timeout) => {}
            Ok(Msg::Heard) => heard = true,
            Ok(Msg::Ledger(next)) => {
                (at, db, seen, listening) = (next, None, None, None);
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// What went wrong in the background, said once until it changes: a module not yet on
/// PostgreSQL, or a mail server down, would otherwise repeat it every few seconds.
#[derive(Default)]
struct Complaints(Vec<(&'static str, String)>);

impl Complaints {
    fn say(&mut self, what: &'static str, e: &Error) {
        let text = e.to_string();
        match self.0.iter_mut().find(|(w, _)| *w == what) {
            Some((_, last)) if *last == text => {}
            Some((_, last)) => {
                eprintln!("fax-credit: {what}: {text}");
                *last = text;
            }
            None => {
                eprintln!("fax-credit: {what}: {text}");
                self.0.push((what, text));
            }
        }
    }
}

fn tick<R: Runtime>(
    app: &AppHandle<R>,
    db: &mut Db,
    services: &Services,
    seen: &mut Option<Seen>,
    heard: bool,
    complaints: &mut Complaints,
) -> Result<(), Error> {
    let mut changed = heard || reconcile(db, services);
    let mailer = match services.mailer(db) {
        Ok(m) => m,
        Err(e) => {
            // No keyring for the SMTP password: mail waits (and shows why) until there is one.
            complaints.say("email not sent", &e);
            None
        }
    };
    match notify::deliver_due(db, services.clock(), mailer.as_ref().map(|m| m as &dyn notify::Mailer)) {
        Ok(d) => changed |= d.sent + d.retrying + d.failed > 0,
        // The rest (telling the window) goes on without the mail.
        Err(e) => complaints.say("email not delivered", &e),
    }

    // `data_version` moves whenever another connection (the window's, the CLI's) commits; a
    // shared ledger's commits are heard instead.
    let data_version = match db.backend() {
        Backend::Sqlite => Some(db.conn().query_row("PRAGMA data_version", &[], |r| r.get::<i64>(0))?),
        Backend::Postgres => None,
    };
    let last_message: i64 = db.conn().query_row("SELECT coalesce(max(id), 0) FROM outbox", &[], |r| r.get(0))?;
    let Some(prev) = seen.as_ref() else {
        *seen = Some(Seen { data_version, last_message });
        if changed {
            let _ = app.emit(crate::events::LEDGER_CHANGED, ());
        }
        return Ok(());
    };
    if last_message > prev.last_message {
        // One notification per message, however many recipients it has (a row each).
        match notify::messages(db, last_message - prev.last_message) {
            Ok(new) => {
                for m in new.iter().rev().filter(|m| m.event == m.id) {
                    desktop_notification(app, &m.subject, &m.body);
                }
            }
            Err(e) => complaints.say("desktop notifications", &e),
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
