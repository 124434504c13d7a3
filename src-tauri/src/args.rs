//! The app's command line: `--demo` (the seeded demo account in the user's data directory,
//! created on first use) and `--db PATH`. Unknown arguments (from WebDriver or the OS) are
//! ignored.

use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppArgs {
    pub demo: bool,
    pub db: Option<PathBuf>,
}

impl AppArgs {
    pub fn parse(args: impl IntoIterator<Item = String>) -> AppArgs {
        let mut out = AppArgs::default();
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--demo" => out.demo = true,
                "--db" => out.db = it.next().map(PathBuf::from),
                _ => {
                    if let Some(p) = a.strip_prefix("--db=") {
                        out.db = Some(PathBuf::from(p));
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
                 Usage: fax-credit [--demo] [--db PATH]\n\n  \
                 --demo       open the seeded demo account ({})\n  \
                 --db PATH    open this ledger (default: {})\n  \
                 -V, --version\n  -h, --help\n\nThe command line for gateways and scripts is `faxcredit` (see `man faxcredit`).",
                faxcredit::paths::demo_db().display(),
                faxcredit::paths::default_db().display()
            )),
            _ => None,
        })
    }

    /// The database this run opens.
    pub fn db_path(&self) -> PathBuf {
        match (&self.db, self.demo) {
            (Some(p), _) => p.clone(),
            (None, true) => faxcredit::paths::demo_db(),
            (None, false) => faxcredit::paths::default_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_workspace_version_instead_of_starting() {
        let v = AppArgs::version_or_help(["--version".to_string()]).unwrap();
        assert_eq!(v, format!("fax-credit {}", env!("CARGO_PKG_VERSION")));
        assert!(AppArgs::version_or_help(["-h".to_string()]).unwrap().contains("--db PATH"));
        assert_eq!(AppArgs::version_or_help(["--demo".to_string()]), None);
    }

    #[test]
    fn reads_demo_and_db_and_ignores_the_rest() {
        let a = AppArgs::parse(["--demo", "--webdriver-port", "--db", "/tmp/x.db"].map(String::from));
        assert_eq!(a, AppArgs { demo: true, db: Some(PathBuf::from("/tmp/x.db")) });
        assert_eq!(AppArgs::parse(["--db=/a.db".to_string()]).db_path(), PathBuf::from("/a.db"));
        assert!(AppArgs::parse(Vec::<String>::new()).db_path().ends_with("com.faxcredit.app/faxcredit.db"));
        assert!(AppArgs::parse(["--demo".to_string()]).db_path().ends_with("com.faxcredit.app/demo.db"));
    }
}
