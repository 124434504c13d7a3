//! The app's command line: `--demo` (the seeded demo account in the user's data directory,
//! created on first use) and `--db PATH|URL` (a file, or a shared ledger's `postgres://` URL).
//! Unknown arguments (from WebDriver or the OS) are ignored.

use std::ffi::OsString;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppArgs {
    pub demo: bool,
    pub db: Option<OsString>,
}

impl AppArgs {
    pub fn parse(args: impl IntoIterator<Item = String>) -> AppArgs {
        let mut out = AppArgs::default();
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--demo" => out.demo = true,
                "--db" => out.db = it.next().map(OsString::from),
                _ => {
                    if let Some(p) = a.strip_prefix("--db=") {
                        out.db = Some(OsString::from(p));
                    }
                }
            }
        }
        out
    }

    /// The text of `--version` or `--help`, printed instead of starting the app.
    pub fn version_or_help(args: impl IntoIterator<Item = String>) -> Option<String> {
        let version = format!("fax-credit {}", env!("CARGO_PKG_VERSION"));
        args.into_iter().find_map(|a| match a.as_str() {
            "--version" | "-V" => Some(version.clone()),
            "--help" | "-h" => Some(format!(
                "{version}\nThe Fax Credit desktop app: the prepaid cards and fax costs of an outbound fax account.\n\n\
                 Usage: fax-credit [--demo] [--db PATH|URL]\n\n  \
                 --demo           open the seeded demo account ({})\n  \
                 --db PATH|URL    open this ledger: a file, or a shared ledger's postgres:// URL\n                   \
                 (default: the shared ledger chosen in the app, else {})\n  \
                 -V, --version\n  -h, --help\n\nThe command line for gateways and scripts is `faxcredit` (see `man faxcredit`).",
                faxcredit::paths::demo_db().display(),
                faxcredit::paths::default_db().display()
            )),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_workspace_version_instead_of_starting() {
        let v = AppArgs::version_or_help(["--version".to_string()]).unwrap();
        assert_eq!(v, format!("fax-credit {}", env!("CARGO_PKG_VERSION")));
        assert!(AppArgs::version_or_help(["-h".to_string()]).unwrap().contains("--db PATH|URL"));
        assert_eq!(AppArgs::version_or_help(["--demo".to_string()]), None);
    }

    #[test]
    fn reads_demo_and_db_and_ignores_the_rest() {
        let a = AppArgs::parse(["--demo", "--webdriver-port", "--db", "/tmp/x.db"].map(String::from));
        assert_eq!(a, AppArgs { demo: true, db: Some(OsString::from("/tmp/x.db")) });
        assert_eq!(AppArgs::parse(["--db=postgres://h/d".to_string()]).db, Some(OsString::from("postgres://h/d")));
        assert_eq!(AppArgs::parse(Vec::<String>::new()), AppArgs::default());
    }
}
