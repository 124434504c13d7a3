//! Secrets live only in the OS keyring (Keychain, Windows Credential Manager, Secret Service),
//! never in the ledger (SQLite or PostgreSQL), logs or exports: the stored payment card and the
//! SMTP password. With no keyring available, nothing is stored and the caller gets
//! `keyring_unavailable`.

use std::sync::Arc;

use crate::db::Db;
use crate::error::{Error, Result};

/// The keyring service every entry of the app is filed under.
pub const SERVICE: &str = "com.faxcredit.app";

/// A place for named secrets.
pub trait SecretStore: Send + Sync {
    fn get(&self, name: &str) -> Result<Option<String>>;
    fn set(&self, name: &str, secret: &str) -> Result<()>;
    /// Removes the secret; removing a missing one is not an error.
    fn delete(&self, name: &str) -> Result<()>;
}

/// A shared or boxed store is a store (the services hand them out).
macro_rules! forward_secret_store {
    ($($ptr:ident),*) => {$(
        impl<T: SecretStore + ?Sized> SecretStore for $ptr<T> {
            fn get(&self, name: &str) -> Result<Option<String>> {
                (**self).get(name)
            }
            fn set(&self, name: &str, secret: &str) -> Result<()> {
                (**self).set(name, secret)
            }
            fn delete(&self, name: &str) -> Result<()> {
                (**self).delete(name)
            }
        }
    )*};
}
forward_secret_store!(Arc, Box);

/// The OS keyring, with the entries of one ledger database (two databases never share a card).
pub struct KeyringStore {
    /// Connected on first use: most commands never touch a secret.
    store: std::sync::OnceLock<std::result::Result<Arc<keyring_core::CredentialStore>, String>>,
    scope: String,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore").field("scope", &self.scope).finish_non_exhaustive()
    }
}

fn unavailable(e: impl std::fmt::Display) -> Error {
    Error::KeyringUnavailable(e.to_string().replace(['\r', '\n'], " "))
}

#[cfg(target_os = "linux")]
fn os_store() -> Result<Arc<keyring_core::CredentialStore>> {
    let s = dbus_secret_service_keyring_store::Store::new().map_err(unavailable)?;
    Ok(s)
}

#[cfg(target_os = "macos")]
fn os_store() -> Result<Arc<keyring_core::CredentialStore>> {
    let s = apple_native_keyring_store::keychain::Store::new().map_err(unavailable)?;
    Ok(s)
}

#[cfg(target_os = "windows")]
fn os_store() -> Result<Arc<keyring_core::CredentialStore>> {
    let s = windows_native_keyring_store::Store::new().map_err(unavailable)?;
    Ok(s)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn os_store() -> Result<Arc<keyring_core::CredentialStore>> {
    Err(Error::KeyringUnavailable("no keyring is supported on this system".into()))
}

impl KeyringStore {
    /// The OS keyring for the account in `db`. Fails with `keyring_unavailable` when there is
    /// none (no Secret Service on the session bus, a locked keychain the user refused to open).
    /// The keyring is reached on first use.
    pub fn open(db: &mut Db) -> Result<KeyringStore> {
        let scope = scope(db)?;
        Ok(KeyringStore { store: std::sync::OnceLock::new(), scope })
    }

    /// The OS keyring's entries that belong to no ledger: the passwords of shared ledgers'
    /// logins, which the app needs before it can read the ledger (so before any scope).
    pub fn logins() -> KeyringStore {
        KeyringStore { store: std::sync::OnceLock::new(), scope: String::new() }
    }

    fn entry(&self, name: &str) -> Result<keyring_core::Entry> {
        let store = self
            .store
            .get_or_init(|| os_store().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::KeyringUnavailable(e.clone()))?;
        let user = if self.scope.is_empty() { name.to_string() } else { format!("{name}.{}", self.scope) };
        keyring_core::Entry::new_in_store(store, SERVICE, &user).map_err(unavailable)
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, name: &str) -> Result<Option<String>> {
        match self.entry(name)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }
    fn set(&self, name: &str, secret: &str) -> Result<()> {
        self.entry(name)?.set_password(secret).map_err(unavailable)
    }
    fn delete(&self, name: &str) -> Result<()> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// The keyring entry of a shared ledger's password: one per URL and user, named by the URL
/// without its password (`postgres://desk@db.example/fax?schema=acme`), in [`KeyringStore::logins`].
pub fn ledger_password_entry(shown_url: &str) -> String {
    format!("postgres-password.{shown_url}")
}

/// A random name for this database's keyring entries, made once and kept in the database (it is
/// not a secret: it only keeps two accounts' entries apart).
fn scope(db: &mut Db) -> Result<String> {
    const SCOPE: &str = "SELECT scope FROM keyring_scope WHERE id = 1";
    if let Some(s) = db.conn().query_opt(SCOPE, &[], |r| r.get(0))? {
        return Ok(s);
    }
    use argon2::password_hash::{rand_core::OsRng, SaltString};
    let fresh: String =
        SaltString::generate(&mut OsRng).as_str().chars().filter(char::is_ascii_alphanumeric).take(16).collect();
    // Another program may make the scope first: its scope stays, and is the one used.
    db.write(|tx| {
        tx.execute("INSERT INTO keyring_scope (id, scope) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING", &[&fresh])?;
        tx.query_row(SCOPE, &[], |r| r.get(0))
    })
}

/// Secrets in memory, for tests only: not in the release library (feature `test-support`).
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    map: Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>,
    refuse: bool,
}

#[cfg(any(test, feature = "test-support"))]
impl MemoryStore {
    /// A store that refuses every call, as a locked or missing keyring does.
    pub fn refusing() -> MemoryStore {
        MemoryStore { refuse: true, ..MemoryStore::default() }
    }
    /// What is stored under `name`, for assertions.
    pub fn get_for_test(&self, name: &str) -> Option<String> {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).get(name).cloned()
    }
    fn check(&self) -> Result<()> {
        if self.refuse {
            return Err(Error::KeyringUnavailable("the keyring refused (test store)".into()));
        }
        Ok(())
    }
}

#[cfg(any(test, feature = "test-support"))]
impl SecretStore for MemoryStore {
    fn get(&self, name: &str) -> Result<Option<String>> {
        self.check()?;
        Ok(self.map.lock().unwrap_or_else(|p| p.into_inner()).get(name).cloned())
    }
    fn set(&self, name: &str, secret: &str) -> Result<()> {
        self.check()?;
        self.map.lock().unwrap_or_else(|p| p.into_inner()).insert(name.into(), secret.into());
        Ok(())
    }
    fn delete(&self, name: &str) -> Result<()> {
        self.check()?;
        self.map.lock().unwrap_or_else(|p| p.into_inner()).remove(name);
        Ok(())
    }
}
