//! The app's state: the ledger (opened at start, or created by the first-run setup, or chosen
//! again: a shared ledger connected to, a file moved up to PostgreSQL), the logged-in session,
//! and the running export's cancel flag.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use faxcredit::account::{AccountKind, Role, User};
use faxcredit::db::Location;
use faxcredit::services::Services;
use faxcredit::time::Timestamp;
use faxcredit::{Db, Error, ErrorBody};
use serde::Serialize;
use tauri::{Runtime, WebviewWindow};

use crate::args::AppArgs;
use crate::ledger_place::{with_saved_password, AppFiles, Place};
use crate::save_as::{save_as, start_folder, FileKind, SaveAs};

/// Who is logged in.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub user: String,
    pub role: Role,
    pub account: String,
    pub kind: AccountKind,
    pub currency: String,
    /// The account's managers, whom a user asks for what only a manager sees.
    pub managers: Vec<String>,
    /// The zone the account's days and times are shown in (IANA name); `None`: the computer's,
    /// which has no name (the page then uses its own, the same).
    pub time_zone: Option<String>,
}

impl Session {
    /// Who the audit log names for what this session does.
    pub fn actor(&self) -> faxcredit::audit::Actor {
        faxcredit::audit::Actor::app(&self.user)
    }
}

pub struct AppState {
    /// Where the ledger lives. Locked after `db` when both are.
    place: Mutex<Place>,
    /// The app's settings file and its ledger on this computer (a test's own).
    pub files: AppFiles,
    /// The clock, keyring and processor of this process (`FAXCREDIT_NOW` pins the clock).
    pub services: Arc<Services>,
    /// `Ok(None)`: no account yet (first run; on PostgreSQL, an empty schema). `Err`: the ledger
    /// exists but cannot be used (on PostgreSQL: the server cannot be reached or refused us).
    db: Mutex<Result<Option<Db>, ErrorBody>>,
    session: Mutex<Option<Session>>,
    pub export_cancel: Mutex<Option<Arc<AtomicBool>>>,
    worker: Mutex<Option<crate::worker::Wake>>,
    /// The folder of the last Save As, where the next one opens.
    last_save_dir: Mutex<Option<PathBuf>>,
    /// The files this run exported: the only ones "Open file" and "Show in folder" may name.
    exported: Mutex<Vec<PathBuf>>,
}

/// Opens the ledger at `place`: `Ok(None)` when it holds no account yet (a file not made yet,
/// an empty PostgreSQL schema), for the first run to create it there.
fn open_ledger(place: &Place, now: Timestamp) -> Result<Option<Db>, Error> {
    match (&place.location, place.demo) {
        (Location::File(path), true) => faxcredit::demo::open_or_create(path, now).map(Some),
        (Location::File(path), false) if !path.exists() => Ok(None),
        (at, _) => match Db::open(at) {
            Ok(db) => match faxcredit::account::account(&db) {
                Ok(_) => Ok(Some(db)),
                Err(Error::NotInitialized) => Ok(None),
                Err(e) => Err(e),
            },
            Err(Error::NoDatabase(_)) if at.file().is_none() => Ok(None),
            Err(e) => Err(e),
        },
    }
}

/// Runs `f`, which may use or close the ledger, where it may block. The PostgreSQL client is
/// synchronous: it blocks on a runtime of its own, which tokio refuses on a thread that drives
/// Tauri's async commands. On such a thread `f` runs after the thread leaves that runtime (its
/// other tasks move to another thread meanwhile); elsewhere (the main thread of a sync command)
/// it simply runs.
fn outside_async<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn forbidden(what: &str) -> ErrorBody {
    ErrorBody::from(&Error::Forbidden(what.into()))
}

impl AppState {
    /// Opens the ledger the arguments name, else the one the app's settings remember; with
    /// `--demo`, creates and seeds it on first use.
    pub fn open(args: &AppArgs, services: Services) -> AppState {
        AppState::open_with(args, services, AppFiles::system())
    }

    /// [`AppState::open`] with the app's files elsewhere.
    pub fn open_with(args: &AppArgs, services: Services, files: AppFiles) -> AppState {
        let (place, db) = match Place::choose(args, &files) {
            Ok(place) => {
                let location = with_saved_password(place.location.clone(), services.logins().as_ref());
                let place = Place { location, ..place };
                let db = open_ledger(&place, services.now());
                (place, db)
            }
            Err(e) => (Place { pinned: args.db.is_some() || args.demo, ..Place::local(&files) }, Err(e)),
        };
        AppState {
            place: Mutex::new(place),
            files,
            services: Arc::new(services),
            db: Mutex::new(db.map_err(|e| ErrorBody::from(&e))),
            session: Mutex::new(None),
            export_cancel: Mutex::new(None),
            worker: Mutex::new(None),
            last_save_dir: Mutex::new(None),
            exported: Mutex::new(Vec::new()),
        }
    }

    /// Where the ledger lives (a shared ledger's URL with its password, in memory).
    pub fn location(&self) -> Location {
        lock(&self.place).location.clone()
    }

    pub fn place(&self) -> Place {
        lock(&self.place).clone()
    }

    /// The ledger's place as the app shows it: the file, or the URL without its password.
    pub fn shown(&self) -> String {
        self.location().to_string()
    }

    /// `Some(error)` when the ledger is a shared one that cannot be opened now (no server, a
    /// refused login, an untrusted certificate): the page offers to connect again.
    pub fn shared_ledger_error(&self) -> Option<ErrorBody> {
        let slot = lock(&self.db);
        match (&*slot, &lock(&self.place).location) {
            (Err(e), Location::Postgres(_)) => Some(e.clone()),
            _ => None,
        }
    }

    /// Whether a ledger with an account is open: then the first run's choices (a shared ledger
    /// to connect to) are closed, and only a manager may change where the ledger lives.
    pub fn has_account(&self) -> bool {
        matches!(&*lock(&self.db), Ok(Some(_)))
    }

    /// Uses the ledger at `place` from now on: `db` is it, open (`None`: no account there yet).
    /// The background worker follows.
    pub fn switch_to(&self, place: Place, db: Option<Db>) {
        let location = place.location.clone();
        outside_async(|| {
            let mut slot = lock(&self.db);
            *slot = Ok(db); // The ledger used before is closed here.
            *lock(&self.place) = place;
        });
        if let Some(w) = &*lock(&self.worker) {
            w.ledger(location);
        }
    }

    /// The time, from the one clock of this process.
    pub fn now(&self) -> Timestamp {
        self.services.now()
    }

    /// `Ok(true)` when an account exists; `Ok(false)` before the first-run setup.
    pub fn initialized(&self) -> Result<bool, ErrorBody> {
        match &*lock(&self.db) {
            Ok(db) => Ok(db.is_some()),
            Err(e) => Err(e.clone()),
        }
    }

    /// Runs `f` on the open ledger. When the ledger's files were removed or replaced under the
    /// app by another program (see `faxcredit::db::Identity`), nothing is run: the ledger is
    /// opened again and the user is told, once, that what they did was not saved.
    pub fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> Result<T, Error>) -> Result<T, ErrorBody> {
        outside_async(|| self.with_db_here(f))
    }

    fn with_db_here<T>(&self, f: impl FnOnce(&mut Db) -> Result<T, Error>) -> Result<T, ErrorBody> {
        let mut slot = lock(&self.db);
        if matches!(&*slot, Err(e) if e.code == "ledger_replaced") {
            // An earlier reopen found another connection still on the old files: try again.
            *slot = Db::open(self.location()).map(Some).map_err(|e| ErrorBody::from(&e));
        }
        if matches!(&*slot, Ok(Some(db)) if db.is_lost()) {
            // The shared ledger's server restarted or cut us off: a new session, or its error
            // (and another try next time).
            match Db::open(self.location()) {
                Ok(db) => *slot = Ok(Some(db)),
                Err(e) => return Err(ErrorBody::from(&e)),
            }
        }
        let replaced = match &mut *slot {
            Ok(Some(db)) => match db.verify_files().map(|()| f(db)) {
                Ok(Err(Error::LedgerReplaced(change))) | Err(Error::LedgerReplaced(change)) => change,
                Ok(result) => return result.map_err(|e| ErrorBody::from(&e)),
                Err(e) => return Err(ErrorBody::from(&e)),
            },
            Ok(None) => return Err(ErrorBody::from(&Error::NotInitialized)),
            Err(e) => return Err(e.clone()),
        };
        *slot = Ok(None);
        *slot = self.reopen_after(&replaced);
        Err(ErrorBody::new(
            "ledger_reopened",
            format!(
                "Another program removed or replaced the ledger's files while Fax Credit had them open ({replaced}). \
                 Fax Credit stopped writing and opened the ledger again. Nothing from this last step was saved: \
                 please do it again."
            ),
        ))
    }

    /// Opens the ledger again once every connection of this process on the old files is closed:
    /// the background worker closes its own when it sees the change (woken here).
    fn reopen_after(&self, change: &str) -> Result<Option<Db>, ErrorBody> {
        eprintln!("fax-credit: {change}; opening the ledger again");
        let mut last = None;
        for _ in 0..50 {
            self.wake_worker();
            match Db::open(self.location()) {
                Ok(db) => return Ok(Some(db)),
                Err(e @ Error::LedgerReplaced(_)) => last = Some(e),
                Err(e) => return Err(ErrorBody::from(&e)),
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Err(ErrorBody::from(&last.unwrap_or_else(|| Error::LedgerReplaced(change.into()))))
    }

    /// The Save As dialog for a CSV file, opening where the last one saved. The path is exactly
    /// what the user confirmed; the ledger's own files are refused.
    pub async fn save_as<R: Runtime>(
        &self,
        window: &WebviewWindow<R>,
        title: &str,
        default_name: String,
    ) -> Result<Option<PathBuf>, ErrorBody> {
        self.save_as_file(window, title, default_name, FileKind::Csv).await
    }

    /// The Save As dialog for a file of `kind` (its filter), as [`AppState::save_as`].
    pub async fn save_as_file<R: Runtime>(
        &self,
        window: &WebviewWindow<R>,
        title: &str,
        default_name: String,
        kind: FileKind,
    ) -> Result<Option<PathBuf>, ErrorBody> {
        let directory = start_folder(lock(&self.last_save_dir).clone());
        let (filter_name, extension) = kind.filter();
        let req = SaveAs {
            title: title.into(),
            default_name,
            filter_name: filter_name.into(),
            extension: extension.into(),
            directory,
        };
        let chosen = save_as(window, req).await?;
        if let Some(dir) = chosen.as_ref().and_then(|p| p.parent()) {
            *lock(&self.last_save_dir) = Some(dir.to_path_buf());
        }
        Ok(chosen)
    }

    /// Remembers a file an export wrote, so the page may ask the OS to open or show it.
    pub fn note_export(&self, path: &std::path::Path) {
        let mut list = lock(&self.exported);
        list.retain(|p| p != path);
        list.push(path.to_path_buf());
    }

    /// `path` if this run exported it; the webview cannot have any other file opened.
    pub fn exported_file(&self, path: &str) -> Result<PathBuf, ErrorBody> {
        lock(&self.exported)
            .iter()
            .find(|p| p.as_os_str() == std::ffi::OsStr::new(path))
            .cloned()
            .ok_or_else(|| forbidden("only a file this app exported can be opened from it"))
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
        outside_async(|| *lock(&self.db) = Ok(Some(db)));
        self.wake_worker();
    }

    pub fn session(&self) -> Option<Session> {
        lock(&self.session).clone()
    }

    pub fn log_in(&self, user: &User) -> Result<Session, ErrorBody> {
        let (account, users) =
            self.with_db(|db| Ok((faxcredit::account::account(db)?, faxcredit::account::users(db)?)))?;
        let managers = users.into_iter().filter(|u| u.role == Role::Manager && u.login).map(|u| u.name).collect();
        let s = Session {
            managers,
            user: user.name.clone(),
            role: user.role,
            account: account.name,
            kind: account.kind,
            currency: account.currency,
            time_zone: account.time_zone,
        };
        *lock(&self.session) = Some(s.clone());
        Ok(s)
    }

    /// Today in the account's zone, `2026-11-24`: the date in an export's default file name.
    pub fn today(&self) -> Result<String, ErrorBody> {
        let now = self.now();
        self.with_db(|db| Ok(faxcredit::account::time_zone(db.conn())?.day(&now).to_string()))
    }

    /// The session follows a change of the account's zone, so a reloaded page shows it too.
    pub fn set_session_zone(&self, zone: Option<String>) {
        if let Some(s) = lock(&self.session).as_mut() {
            s.time_zone = zone;
        }
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
