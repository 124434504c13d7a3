//! Where the ledger lives: the first run's choice of a shared ledger on PostgreSQL (Test
//! connection, then connect), connecting again when a shared ledger cannot be opened, and
//! Settings → Shared ledger…, which moves a file up to PostgreSQL (`migrate::to_postgres`) with
//! a progress bar. A shared ledger's password goes to the OS keyring, its URL, user and TLS mode
//! to the app's settings (unless `--db` or `--demo` chose the ledger for this run).

use faxcredit::db::{Location, PgSettings};
use faxcredit::migrate::Summary;
use faxcredit::setup::ServerAnswer;
use faxcredit::{Db, Error, ErrorBody};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};

use faxcredit::secrets::ledger_password_entry;

use crate::ledger_place::{remember_password, AppSettings, Place};
use crate::state::{forbidden, AppState};

/// Where the ledger lives, for the page.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerInfo {
    /// A shared ledger on PostgreSQL; else a file on this computer.
    pub shared: bool,
    /// The file, or the URL without its password.
    pub place: String,
    /// Chosen on the command line (`--db`, `--demo`): the app does not remember a change.
    pub pinned: bool,
    /// A shared ledger's URL, user and TLS settings, for a form to start from (no password).
    pub settings: Option<PgSettings>,
    /// Why the shared ledger cannot be opened now; the page offers to connect again.
    pub open_error: Option<ErrorBody>,
    /// No account is open and the command line chose nothing: the page may offer a shared
    /// ledger instead of a file on this computer.
    pub can_choose: bool,
    /// The keyring holds a password for the shared ledger's URL and user.
    pub password_kept: bool,
}

impl LedgerInfo {
    pub fn of(state: &AppState) -> LedgerInfo {
        let place = state.place();
        let settings = match &place.location {
            Location::Postgres(url) => Some(PgSettings::of(url)),
            Location::File(_) => None,
        };
        let password_kept = settings
            .as_ref()
            .and_then(|s| s.shown().ok())
            .is_some_and(|shown| matches!(state.services.logins().get(&ledger_password_entry(&shown)), Ok(Some(_))));
        LedgerInfo {
            password_kept,
            shared: settings.is_some(),
            place: place.location.to_string(),
            pinned: place.pinned,
            settings,
            open_error: state.shared_ledger_error(),
            can_choose: !place.pinned && !state.has_account(),
        }
    }
}

/// Before an account is open anyone at the desk may point the app at a ledger; after, only a
/// manager.
fn may_look_for_a_ledger(state: &AppState) -> Result<(), ErrorBody> {
    if state.has_account() {
        state.require_manager()?;
    }
    Ok(())
}

/// The password to use: the one typed, else the keyring's for this URL and user (none when the
/// keyring has none or cannot be reached: the server's refusal then says what is missing).
fn password_for(state: &AppState, settings: &PgSettings, typed: Option<String>) -> Result<Option<String>, Error> {
    if let Some(p) = typed.filter(|p| !p.is_empty()) {
        return Ok(Some(p));
    }
    match state.services.logins().get(&ledger_password_entry(&settings.shown()?)) {
        Ok(saved) => Ok(saved),
        Err(e) => {
            eprintln!("fax-credit: the shared ledger's password was not read from the keyring: {e}");
            Ok(None)
        }
    }
}

/// The ledger `settings` names, logged in with [`password_for`].
fn login(state: &AppState, settings: &PgSettings, typed: Option<String>) -> Result<Location, Error> {
    settings.location(password_for(state, settings, typed)?.as_deref())
}

/// Test connection: what the server answers (its version, the account its schema holds), or
/// its one clear refusal. Nothing is saved.
#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    settings: PgSettings,
    password: Option<String>,
) -> Result<ServerAnswer, ErrorBody> {
    may_look_for_a_ledger(&state)?;
    let at = login(&state, &settings, password).map_err(|e| ErrorBody::from(&e))?;
    tauri::async_runtime::spawn_blocking(move || faxcredit::setup::probe(&at))
        .await
        .map_err(ErrorBody::internal)?
        .map_err(|e| ErrorBody::from(&e))
}

/// Uses the shared ledger `settings` names from now on (first run, or when the one in use
/// cannot be opened): connects, keeps the password in the keyring and the rest in the app's
/// settings, and answers with the app's new status (log in, or create the account there).
/// Nothing is saved unless the server let us in.
#[tauri::command]
pub async fn use_shared_ledger(
    state: State<'_, AppState>,
    settings: PgSettings,
    password: Option<String>,
) -> Result<super::session::AppStatus, ErrorBody> {
    if state.has_account() {
        return Err(forbidden("a ledger is open: a manager moves it from Settings → Shared ledger"));
    }
    let typed = password.clone().filter(|p| !p.is_empty());
    let at = login(&state, &settings, password).map_err(|e| ErrorBody::from(&e))?;
    let opened = at.clone();
    let db = tauri::async_runtime::spawn_blocking(move || open_if_there(&opened))
        .await
        .map_err(ErrorBody::internal)?
        .map_err(|e| ErrorBody::from(&e))?;
    let pinned = state.place().pinned;
    remember(&state, &settings, typed.as_deref(), pinned).map_err(|e| ErrorBody::from(&e))?;
    state.switch_to(Place { location: at, pinned, demo: false }, db);
    super::session::app_status(state)
}

/// The ledger at `at` if it holds an account; `None` for an empty schema (the first run
/// creates it there).
fn open_if_there(at: &Location) -> Result<Option<Db>, Error> {
    match Db::open(at) {
        Ok(db) => match faxcredit::account::account(&db) {
            Ok(_) => Ok(Some(db)),
            Err(Error::NotInitialized) => Ok(None),
            Err(e) => Err(e),
        },
        Err(Error::NoDatabase(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The password in the keyring (when one was typed) and the shared ledger in the settings
/// (unless the command line chose the ledger).
fn remember(state: &AppState, settings: &PgSettings, password: Option<&str>, pinned: bool) -> Result<(), Error> {
    if password.is_some() {
        remember_password(settings, password, state.services.logins().as_ref())?;
    }
    if !pinned {
        AppSettings { shared_ledger: Some(settings.clone()) }.save(&state.files.settings)?;
    }
    Ok(())
}

/// Keeps the ledger on this computer after all (first run, or a shared ledger that cannot be
/// reached any more): the file in the data folder, and the settings forget the shared one.
#[tauri::command]
pub fn use_local_ledger(state: State<'_, AppState>) -> Result<super::session::AppStatus, ErrorBody> {
    if state.has_account() || state.place().pinned {
        return Err(forbidden("the ledger in use was chosen already; start the app without --db to choose"));
    }
    AppSettings::default().save(&state.files.settings).map_err(|e| ErrorBody::from(&e))?;
    let place = Place::local(&state.files);
    let db = match place.location.file() {
        Some(p) if p.exists() => open_if_there(&place.location).map_err(|e| ErrorBody::from(&e))?,
        _ => None,
    };
    state.switch_to(place, db);
    super::session::app_status(state)
}

/// Rows copied so far and in all, while a ledger moves up.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MoveProgress {
    pub done: u64,
    pub total: u64,
}

/// What a move did: the copy's summary (tables, rows, both sides' checks and totals), how
/// long it took, and whether the app now uses the shared ledger (only when both sides agree).
#[derive(Debug, Serialize)]
pub struct Moved {
    pub summary: Summary,
    pub ok: bool,
    pub seconds: f64,
    pub place: String,
    pub pinned: bool,
}

/// Settings → Shared ledger…: copies this computer's ledger into the empty PostgreSQL schema
/// `settings` names, with progress events, and uses it from now on when both sides check out
/// and add up to the same totals. The file is left as it was.
#[tauri::command]
pub async fn move_to_postgres<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: PgSettings,
    password: Option<String>,
) -> Result<Moved, ErrorBody> {
    state.require_manager()?;
    let place = state.place();
    if place.location.file().is_none() {
        return Err(ErrorBody::from(&Error::invalid("url", "the ledger is on PostgreSQL already")));
    }
    let typed = password.filter(|p| !p.is_empty());
    let password = password_for(&state, &settings, typed.clone()).map_err(|e| ErrorBody::from(&e))?;
    let url = settings.url_text(password.as_deref()).map_err(|e| ErrorBody::from(&e))?;
    let target = settings.location(password.as_deref()).map_err(|e| ErrorBody::from(&e))?;
    // The typed password is kept first: with no keyring, nothing is copied.
    if typed.is_some() {
        remember_password(&settings, typed.as_deref(), state.services.logins().as_ref())
            .map_err(|e| ErrorBody::from(&e))?;
    }
    let source = place.location.clone();
    let (summary, seconds, db) = tauri::async_runtime::spawn_blocking(move || -> Result<_, Error> {
        let mut src = Db::open(&source)?;
        let started = std::time::Instant::now();
        let summary = faxcredit::migrate::to_postgres(&mut src, &url, &mut |done, total| {
            let _ = app.emit(crate::events::MOVE_PROGRESS, MoveProgress { done, total });
        })?;
        let seconds = started.elapsed().as_secs_f64();
        let db = if summary.ok() { Some(Db::open(&target)?) } else { None };
        Ok((summary, seconds, db.map(|d| (d, target))))
    })
    .await
    .map_err(ErrorBody::internal)?
    .map_err(|e| ErrorBody::from(&e))?;
    let ok = db.is_some();
    if let Some((db, at)) = db {
        remember(&state, &settings, None, place.pinned).map_err(|e| ErrorBody::from(&e))?;
        state.switch_to(Place { location: at, pinned: place.pinned, demo: false }, Some(db));
    }
    Ok(Moved { summary, ok, seconds, place: state.shown(), pinned: place.pinned })
}
