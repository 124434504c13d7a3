//! Start-up, first-run setup, login and logout.

use faxcredit::account::{self, AccountKind, NewAccount, Role};
use faxcredit::{Db, Error, ErrorBody};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::state::{AppState, Session};

#[derive(Debug, Serialize)]
pub struct DemoUser {
    pub name: &'static str,
    pub role: Role,
}

#[derive(Debug, Serialize)]
pub struct AppStatus {
    pub initialized: bool,
    /// The ledger's place as shown: its file, or a shared ledger's URL without the password.
    pub db_path: String,
    /// Where the ledger lives, and whether a shared one could not be opened.
    pub ledger: super::ledger::LedgerInfo,
    pub demo: bool,
    pub demo_users: Vec<DemoUser>,
    pub demo_password: Option<&'static str>,
    pub session: Option<Session>,
    /// The session's locale for numbers (`de-DE`, or `C` for a bare C/POSIX session); `None` when
    /// the environment does not say.
    pub env_locale: Option<String>,
}

/// Settings → About: what this app is and where its data lives.
#[derive(Debug, Serialize)]
pub struct About {
    pub name: &'static str,
    pub version: &'static str,
    pub license: &'static str,
    pub database: String,
    pub data_dir: String,
    pub keyring_service: &'static str,
}

#[tauri::command]
pub fn about(state: State<'_, AppState>) -> About {
    About {
        name: "Fax Credit",
        version: env!("CARGO_PKG_VERSION"),
        license: env!("CARGO_PKG_LICENSE"),
        database: state.shown(),
        data_dir: faxcredit::paths::data_dir().display().to_string(),
        keyring_service: faxcredit::secrets::SERVICE,
    }
}

#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> Result<AppStatus, ErrorBody> {
    // A shared ledger that cannot be opened is not a dead end: the page shows why and offers
    // to connect again. A file that cannot be opened is.
    let ledger = super::ledger::LedgerInfo::of(&state);
    let initialized = if ledger.open_error.is_some() { false } else { state.initialized()? };
    let demo = state.place().demo;
    Ok(AppStatus {
        initialized,
        db_path: state.shown(),
        ledger,
        demo,
        demo_users: if demo {
            faxcredit::demo::DEMO_USERS.iter().map(|(name, role)| DemoUser { name, role: *role }).collect()
        } else {
            Vec::new()
        },
        demo_password: demo.then_some(faxcredit::demo::DEMO_PASSWORD),
        session: state.session(),
        env_locale: crate::locale::env_locale(|k| std::env::var(k).ok()),
    })
}

#[derive(Debug, Deserialize)]
pub struct SetupInput {
    pub name: String,
    pub kind: AccountKind,
    pub email: String,
    pub currency: String,
    pub credit_limit: Option<String>,
    pub manager: String,
    pub password: String,
}

/// The first run: creates the database, the account and its first manager, and logs in.
#[tauri::command]
pub async fn setup_account(state: State<'_, AppState>, input: SetupInput) -> Result<Session, ErrorBody> {
    if state.initialized()? {
        return Err(ErrorBody::from(&Error::AlreadyInitialized("this database".into())));
    }
    let at = state.location();
    let now = state.now();
    let (db, user) = tauri::async_runtime::spawn_blocking(move || -> Result<(Db, account::User), Error> {
        let credit_limit = input
            .credit_limit
            .filter(|s| !s.trim().is_empty())
            .map(|s| faxcredit::money::parse_amount(&s, "credit limit"))
            .transpose()?;
        let new = NewAccount {
            name: input.name,
            kind: input.kind,
            email: input.email,
            currency: input.currency,
            credit_limit,
        };
        // Validate everything on a scratch database before a file (or a schema) is created.
        let mut probe = Db::in_memory()?;
        faxcredit::setup::create_account_with_manager(&mut probe, &new, &input.manager, &input.password, now)?;
        let mut db = Db::create(&at)?;
        let (_, user) =
            faxcredit::setup::create_account_with_manager(&mut db, &new, &input.manager, &input.password, now)?;
        Ok((db, user))
    })
    .await
    .map_err(ErrorBody::internal)?
    .map_err(|e| ErrorBody::from(&e))?;
    state.set_db(db);
    state.log_in(&user)
}

/// Checks the Argon2id hash off the main thread; a wrong password waits a moment before it
/// answers, and after five failures the name is locked for a growing time (`too_many_attempts`).
#[tauri::command]
pub async fn login(state: State<'_, AppState>, name: String, password: String) -> Result<Session, ErrorBody> {
    let at = state.location();
    state.initialized()?;
    let now = state.now();
    let result = tauri::async_runtime::spawn_blocking(move || -> Result<account::User, Error> {
        let mut db = Db::open(&at)?;
        let r = account::login(&mut db, &name, &password, now);
        if matches!(r, Err(Error::BadCredentials)) {
            std::thread::sleep(std::time::Duration::from_millis(800));
        }
        r
    })
    .await
    .map_err(ErrorBody::internal)?;
    match result {
        Ok(user) => state.log_in(&user),
        Err(e) => Err(ErrorBody::from(&e)),
    }
}

#[tauri::command]
pub fn logout(state: State<'_, AppState>) {
    state.log_out();
}

#[tauri::command]
pub fn current_session(state: State<'_, AppState>) -> Option<Session> {
    state.session()
}
