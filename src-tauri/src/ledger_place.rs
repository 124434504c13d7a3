//! Where this app's ledger lives: `--db` (a path or a URL) or `--demo` when given (the ledger
//! is then pinned for the run), else the shared ledger remembered in the app's settings file
//! (`paths::app_settings`: its URL, user and TLS mode, never its password), else the file in
//! the data folder. A shared ledger's password comes from the OS keyring, one entry per URL and
//! user (`secrets::ledger_password_entry`), and is put into the ledger's URL in memory only.

use std::path::{Path, PathBuf};

use faxcredit::db::{Location, PgSettings};
use faxcredit::secrets::{ledger_password_entry, SecretStore};
use faxcredit::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::args::AppArgs;

/// The app's settings file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSettings {
    /// The shared ledger the app opens; `None`: the file in the data folder.
    #[serde(default)]
    pub shared_ledger: Option<PgSettings>,
}

impl AppSettings {
    /// The settings in `file`; none yet is the defaults. A file that cannot be read is an
    /// error, not the defaults: the app must not quietly open another ledger.
    pub fn load(file: &Path) -> Result<AppSettings> {
        match std::fs::read(file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::invalid(
                    "settings",
                    format!("{} is not the app's settings ({e}); fix or remove it", file.display()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AppSettings::default()),
            Err(e) => Err(Error::Io(e)),
        }
    }

    /// Writes the settings whole (a file beside it, then renamed over it), readable by their
    /// owner only.
    pub fn save(&self, file: &Path) -> Result<()> {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_vec_pretty(self).map_err(|e| Error::Invariant(e.to_string()))?;
        let tmp = file.with_extension("json.tmp");
        write_private(&tmp, &text)?;
        std::fs::rename(&tmp, file)?;
        Ok(())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// The app's own files: its settings, and the ledger it keeps on this computer.
#[derive(Debug, Clone)]
pub struct AppFiles {
    pub settings: PathBuf,
    pub local_ledger: PathBuf,
}

impl AppFiles {
    /// In the user's data folder (`paths`).
    pub fn system() -> AppFiles {
        AppFiles { settings: faxcredit::paths::app_settings(), local_ledger: faxcredit::paths::default_db() }
    }
}

/// The ledger this run opens.
#[derive(Debug, Clone)]
pub struct Place {
    pub location: Location,
    /// Chosen on the command line (`--db`, `--demo`): the settings file neither chose it nor
    /// changes it.
    pub pinned: bool,
    pub demo: bool,
}

impl Place {
    /// The ledger the arguments, else the settings, name. A malformed `--db` URL or settings
    /// file is the error.
    pub fn choose(args: &AppArgs, files: &AppFiles) -> Result<Place> {
        if let Some(db) = &args.db {
            return Ok(Place { location: Location::parse(db)?, pinned: true, demo: args.demo });
        }
        if args.demo {
            return Ok(Place { location: Location::File(faxcredit::paths::demo_db()), pinned: true, demo: true });
        }
        match AppSettings::load(&files.settings)?.shared_ledger {
            Some(shared) => Ok(Place { location: shared.location(None)?, pinned: false, demo: false }),
            None => Ok(Place::local(files)),
        }
    }

    /// The ledger on this computer: the data folder's file, whatever the settings said.
    pub fn local(files: &AppFiles) -> Place {
        Place { location: Location::File(files.local_ledger.clone()), pinned: false, demo: false }
    }
}

/// `at` with the password the keyring keeps for its URL and user, when its URL has none. No
/// keyring, or no entry, leaves it as it is: `PGPASSWORD`, `~/.pgpass` or a server that asks
/// for no password may still let it in, and if not, its refusal says what is missing.
pub fn with_saved_password(at: Location, logins: &dyn SecretStore) -> Location {
    match at {
        Location::Postgres(mut url) if !url.has_password() => {
            match logins.get(&ledger_password_entry(&url.shown)) {
                Ok(Some(password)) => url.set_password(&password),
                Ok(None) => {}
                Err(e) => eprintln!("fax-credit: the shared ledger's password was not read from the keyring: {e}"),
            }
            Location::Postgres(url)
        }
        other => other,
    }
}

/// Keeps `password` in the keyring for the shared ledger `settings` names (an empty one: none
/// is kept, and any kept before is removed). Nothing is stored anywhere else.
pub fn remember_password(settings: &PgSettings, password: Option<&str>, logins: &dyn SecretStore) -> Result<()> {
    let entry = ledger_password_entry(&settings.shown()?);
    match password.filter(|p| !p.is_empty()) {
        Some(p) => logins.set(&entry, p),
        None => logins.delete(&entry),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faxcredit::secrets::MemoryStore;

    fn shared() -> PgSettings {
        PgSettings {
            url: "postgres://db.example/fax?schema=acme".into(),
            user: "desk".into(),
            tls: "verify-full".into(),
            root_cert: None,
        }
    }

    #[test]
    fn the_settings_remember_a_shared_ledger_without_its_password_and_only_for_their_owner() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/app-settings.json");
        assert_eq!(AppSettings::load(&file).unwrap(), AppSettings::default(), "none yet: the defaults");
        let files = AppFiles { settings: file.clone(), local_ledger: dir.path().join("local.db") };
        assert_eq!(
            Place::choose(&AppArgs::default(), &files).unwrap().location.file(),
            Some(files.local_ledger.as_path())
        );
        let settings = AppSettings { shared_ledger: Some(shared()) };
        settings.save(&file).unwrap();
        assert_eq!(AppSettings::load(&file).unwrap(), settings);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let files = AppFiles { settings: file.clone(), local_ledger: dir.path().join("local.db") };
        let place = Place::choose(&AppArgs::default(), &files).unwrap();
        assert!(!place.pinned);
        assert_eq!(place.location.to_string(), "postgres://desk@db.example/fax?schema=acme");
        // --db wins, and pins the ledger.
        let args = AppArgs { demo: false, db: Some("/tmp/x.db".into()) };
        let place = Place::choose(&args, &files).unwrap();
        assert!(place.pinned && place.location.file() == Some(Path::new("/tmp/x.db")));
        std::fs::write(&file, b"{not json").unwrap();
        let e = Place::choose(&AppArgs::default(), &files).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{e}");
    }

    #[test]
    fn the_password_comes_from_the_keyring_entry_of_its_url_and_user() {
        let logins = MemoryStore::default();
        let s = shared();
        remember_password(&s, Some("s3cret"), &logins).unwrap();
        assert_eq!(
            logins.get_for_test("postgres-password.postgres://desk@db.example/fax?schema=acme").as_deref(),
            Some("s3cret")
        );
        let Location::Postgres(url) = with_saved_password(s.location(None).unwrap(), &logins) else { panic!() };
        assert!(url.has_password());
        let Location::Postgres(other) =
            with_saved_password(PgSettings { user: "gateway".into(), ..shared() }.location(None).unwrap(), &logins)
        else {
            panic!()
        };
        assert!(!other.has_password(), "another user's entry is another entry");
        remember_password(&s, Some(""), &logins).unwrap();
        let Location::Postgres(url) = with_saved_password(s.location(None).unwrap(), &logins) else { panic!() };
        assert!(!url.has_password(), "an empty password removes the entry");
    }
}
