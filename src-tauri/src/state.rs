//! The app's state: the ledger (opened at start, or created by the first-run setup), the
//! logged-in session, and the running export's cancel flag.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use faxcredit::account::{Kind, Role, User};
use faxcredit::time::{Clock, SystemClock};
use faxcredit::{Db, Error, ErrorBody};
use serde::Serialize;

use crate::args::AppArgs;

/// Who is logged in.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub user: String,
    pub role: Role,
    pub account: String,
    pub kind: Kind,
    pub currency: String,
}

pub struct AppState {
    pub db_path: PathBuf,
    pub demo: bool,
    /// `Ok(None)`: no database yet (first run). `Err`: it exists but cannot be used.
    db: Mutex<Result<Option<Db>, ErrorBody>>,
    session: Mutex<Option<Session>>,
    pub export_cancel: Mutex<Option<Arc<AtomicBool>>>,
    worker: Mutex<Option<crate::worker::Wake>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn forbidden(what: &str) -> ErrorBody {
    ErrorBody::from(&Error::Forbidden(what.into()))
}

impl AppState {
    /// Opens the database the arguments name; with `--demo`, creates and seeds it on first use.
    pub fn open(args: &AppArgs) -> AppState {
        let path = args.db_path();
        let db = if args.demo {
            faxcredit::demo::open_or_create(&path, SystemClock.now()).map(Some)
        } else if path.exists() {
            Db::open(&path).and_then(|db| match faxcredit::account::account(&db) {
                Ok(_) => Ok(Some(db)),
                Err(Error::NotInitialized) => Ok(None),
                Err(e) => Err(e),
            })
        } else {
            Ok(None)
        };
        AppState {
            db_path: path,
            demo: args.demo,
            db: Mutex::new(db.map_err(|e| ErrorBody::from(&e))),
            session: Mutex::new(None),
            export_cancel: Mutex::new(None),
            worker: Mutex::new(None),
        }
    }

    /// `Ok(true)` when an account exists; `Ok(false)` before the first-run setup.
    pub fn initialized(&self) -> Result<bool, ErrorBody> {
        match &*lock(&self.db) {
            Ok(db) => Ok(db.is_some()),
            Err(e) => Err(e.clone()),
        }
    }

    /// Runs `f` on the open ledger.
    pub fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> Result<T, Error>) -> Result<T, ErrorBody> {
        match &mut *lock(&self.db) {
            Ok(Some(db)) => f(db).map_err(|e| ErrorBody::from(&e)),
            Ok(None) => Err(ErrorBody::from(&Error::NotInitialized)),
            Err(e) => Err(e.clone()),
        }
    }

    pub fn set_worker(&self, wake: crate::worker::Wake) {
        *lock(&self.worker) = Some(wake);
    }

    /// Asks the background worker to look now (after a save, a purchase, a retry).
    pub fn wake_worker(&self) {
        if let Some(w) = &*lock(&self.worker) {
            w.now();
        }
    }

    /// Installs a freshly created database (first-run setup).
    pub fn set_db(&self, db: Db) {
        *lock(&self.db) = Ok(Some(db));
    }

    pub fn session(&self) -> Option<Session> {
        lock(&self.session).clone()
    }

    pub fn log_in(&self, user: &User) -> Result<Session, ErrorBody> {
        let account = self.with_db(|db| faxcredit::account::account(db))?;
        let s = Session {
            user: user.name.clone(),
            role: user.role,
            account: account.name,
            kind: account.kind,
            currency: account.currency,
        };
        *lock(&self.session) = Some(s.clone());
        Ok(s)
    }

    pub fn log_out(&self) {
        *lock(&self.session) = None;
    }

    /// The session of a logged-in account manager, or `forbidden`: every manager command
    /// starts here, so the backend refuses what the UI hides.
    pub fn require_manager(&self) -> Result<Session, ErrorBody> {
        match self.session() {
            None => Err(forbidden("log in first")),
            Some(s) if s.role != Role::Manager => {
                Err(forbidden("only account managers can open Outbound Fax Credit; ask a manager of this account"))
            }
            Some(s) => Ok(s),
        }
    }
}
