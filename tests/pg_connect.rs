//! Pointing a desk at a shared ledger (the app's "Test connection" and its first start): the
//! server's answer (its version, the account its schema holds or none), and the failures a
//! person meets there, each one clear line naming what to fix: nothing listens, a password is
//! wanted, the password is wrong, the server's certificate is not signed by a trusted root. The
//! failures are met on a fake server (`common::fake_pg`), which can refuse every password and
//! show a certificate; the answer on the real server of `FAXCREDIT_TEST_PG`.

mod common;

use common::fake_pg::{self, Tls};
use common::{account_on, Backend};
use faxcredit::account::AccountKind;
use faxcredit::db::{Location, PgSettings};
use faxcredit::setup::probe;

fn at_port(port: u16, tls: &str, root: Option<&std::path::Path>, password: Option<&str>) -> Location {
    PgSettings {
        url: format!("postgres://127.0.0.1:{port}/fax?schema=acme"),
        user: "desk".into(),
        tls: tls.into(),
        root_cert: root.map(|p| p.display().to_string()),
    }
    .location(password)
    .unwrap()
}

/// The one line a failed probe gives, after checking it is `database_unavailable` and never
/// shows the password.
fn refusal(at: &Location) -> String {
    let e = probe(at).unwrap_err();
    assert_eq!(e.code(), "database_unavailable", "{e}");
    let text = e.to_string();
    assert!(!text.contains("hunter2") && !text.contains('\n'), "{text}");
    text
}

#[test]
fn nothing_listening_is_a_refused_connection_naming_the_host_and_port() {
    let text = refusal(&at_port(fake_pg::closed_port(), "disable", None, None));
    assert!(text.contains("the server refused the connection: nothing listens at that host and port"), "{text}");
    assert!(text.contains("postgres://desk@127.0.0.1:"), "names where it looked: {text}");
}

#[test]
fn a_server_that_wants_a_password_says_so_and_a_wrong_one_is_a_refused_login() {
    let port = fake_pg::start(Tls::Refused, 2);
    let text = refusal(&at_port(port, "prefer", None, None));
    assert!(text.contains("the server asks for a password and none was given"), "{text}");
    let text = refusal(&at_port(port, "prefer", None, Some("hunter2")));
    assert!(text.contains("the server refused the login: password authentication failed for user \"desk\""), "{text}");
}

#[test]
fn a_certificate_signed_by_an_untrusted_root_is_named_and_its_root_fixes_it() {
    let port = fake_pg::start(Tls::Offered, 3);
    for mode in ["verify-full", "verify-ca"] {
        let text = refusal(&at_port(port, mode, None, Some("hunter2")));
        assert!(
            text.contains("the server's TLS certificate is not signed by a root this computer trusts"),
            "{mode}: {text}"
        );
    }
    // With the authority's certificate as the root, TLS passes and the login is what fails.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ca.pem");
    std::fs::write(&root, fake_pg::CA_PEM).unwrap();
    let text = refusal(&at_port(port, "verify-full", Some(&root), Some("hunter2")));
    assert!(text.contains("the server refused the login"), "{text}");
}

#[test]
fn the_server_answers_with_its_version_and_the_account_its_schema_holds() {
    let Some(pg) = Backend::postgres("the_server_answers_with_its_version_and_the_account_its_schema_holds") else {
        return;
    };
    let fresh = pg.fresh();
    let empty = probe(&fresh.location()).unwrap();
    assert!(empty.server.starts_with("PostgreSQL 1"), "{empty:?}");
    assert_eq!((&empty.account, empty.kind), (&None, None), "an empty schema holds no account yet");
    assert_eq!(empty.ledger, fresh.location().to_string(), "the ledger's place, as the app shows it");
    let s = account_on(&pg, AccountKind::Credit);
    let full = probe(&Location::parse(&s.arg).unwrap()).unwrap();
    assert_eq!((full.account.as_deref(), full.kind), (Some("Test Co"), Some(AccountKind::Credit)));
    // A file has no server to ask.
    let e = probe(&Location::File("ledger.db".into())).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
}
