//! The app's state: the open ledger (or why it could not be opened).

use std::path::PathBuf;
use std::sync::Mutex;

use faxcredit::time::{Clock, SystemClock};
use faxcredit::{Db, Error, ErrorBody};

use crate::args::AppArgs;

pub struct AppState {
    pub db: Mutex<Result<Db, ErrorBody>>,
    pub db_path: PathBuf,
    pub demo: bool,
}

impl AppState {
    /// Opens the database the arguments name; with `--demo`, creates and seeds it on first use.
    pub fn open(args: &AppArgs) -> AppState {
        let path = args.db_path();
        let db = if args.demo { faxcredit::demo::open_or_create(&path, SystemClock.now()) } else { Db::open(&path) };
        AppState { db: Mutex::new(db.map_err(|e| ErrorBody::from(&e))), db_path: path, demo: args.demo }
    }

    /// Runs `f` on the open ledger; a poisoned lock or a database that failed to open becomes
    /// a typed error.
    pub fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> Result<T, Error>) -> Result<T, ErrorBody> {
        let mut guard = self.db.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Ok(db) => f(db).map_err(|e| ErrorBody::from(&e)),
            Err(e) => Err(e.clone()),
        }
    }
}
