//! One test body, run on both storage backends: `on_both! { fn name(backend) { … } }` makes the
//! tests `name::sqlite` and `name::postgres`, each on a fresh ledger of its own. The PostgreSQL
//! one runs in a new schema on the server that `FAXCREDIT_TEST_PG` names (a URL; `cargo xtask
//! test` starts a private cluster and exports it), dropped when the test ends. Without the
//! variable the PostgreSQL half says on stderr that it was skipped, and passes; with
//! `FAXCREDIT_REQUIRE_PG=1` it fails instead.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use faxcredit::db::Location;

/// Where a test's ledger lives.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The server's URL, as `FAXCREDIT_TEST_PG` gives it.
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL server of the tests; `None`, after a line on stderr, when there is none
    /// (a panic when `FAXCREDIT_REQUIRE_PG=1`).
    pub fn postgres(test: &str) -> Option<Backend> {
        match std::env::var("FAXCREDIT_TEST_PG").ok().filter(|u| !u.is_empty()) {
            Some(url) => Some(Backend::Postgres(url)),
            None if std::env::var("FAXCREDIT_REQUIRE_PG").is_ok_and(|v| v == "1") => {
                panic!("{test}: FAXCREDIT_REQUIRE_PG=1 but FAXCREDIT_TEST_PG names no PostgreSQL server")
            }
            None => {
                // Straight to stderr, past the test harness's capture, so a run shows what it skipped.
                let _ = writeln!(std::io::stderr(), "skipped {test} on PostgreSQL: FAXCREDIT_TEST_PG is not set");
                None
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// A new, empty place for a ledger on this backend (nothing created yet), with a folder for
    /// the test's other files. A PostgreSQL schema is dropped with `guard`.
    pub fn fresh(&self) -> Fresh {
        let dir = tempfile::tempdir().unwrap();
        match self {
            Backend::Sqlite => Fresh { arg: dir.path().join("ledger.db").into(), dir, guard: Dropped(None) },
            Backend::Postgres(server) => {
                static N: AtomicUsize = AtomicUsize::new(0);
                let schema = format!("t{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
                let sep = if server.contains('?') { '&' } else { '?' };
                let url: OsString = format!("{server}{sep}schema={schema}").into();
                Fresh { arg: url.clone(), dir, guard: Dropped(Some((url, schema))) }
            }
        }
    }
}

/// A fresh ledger's place: `arg` is what `--db` takes (a path or a URL), `dir` a folder for the
/// test's other files (exports, the sandbox processor's records).
pub struct Fresh {
    pub arg: OsString,
    pub dir: tempfile::TempDir,
    pub guard: Dropped,
}

impl Fresh {
    pub fn location(&self) -> Location {
        Location::parse(&self.arg).unwrap()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Drops a test's PostgreSQL schema (URL, name) when the test ends, passed or not, and the
/// sandbox processor's records beside it (`"<schema>.sandbox-payments"`).
pub struct Dropped(Option<(OsString, String)>);

impl Drop for Dropped {
    fn drop(&mut self) {
        let Some((url, schema)) = &self.0 else { return };
        let Location::Postgres(pg) = Location::parse(url).unwrap() else { return };
        if let Ok(mut client) = postgres::Config::from(pg.config.clone()).connect(postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; DROP SCHEMA IF EXISTS \"{schema}.sandbox-payments\" CASCADE"
            ));
        }
    }
}

/// `on_both! { fn name(backend) { … } }`: the tests `name::sqlite` and `name::postgres`, the
/// body run with `backend: Backend` for each. The body builds its ledger from it
/// (`common::account_on(&backend, kind)`, `backend.fresh()`).
#[macro_export]
macro_rules! on_both {
    ($(#[$meta:meta])* fn $name:ident($backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn run($backend: $crate::common::backends::Backend) $body

            #[test]
            fn sqlite() {
                run($crate::common::backends::Backend::Sqlite)
            }

            #[test]
            fn postgres() {
                let test = concat!(module_path!(), "::postgres");
                if let Some(backend) = $crate::common::backends::Backend::postgres(test) {
                    run(backend)
                }
            }
        }
    };
}
