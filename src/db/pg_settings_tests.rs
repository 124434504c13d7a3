use super::*;

fn form(url: &str, user: &str, tls: &str) -> PgSettings {
    PgSettings { url: url.into(), user: user.into(), tls: tls.into(), root_cert: None }
}

fn pg(l: Location) -> PgUrl {
    match l {
        Location::Postgres(u) => *u,
        Location::File(p) => panic!("{} read as a file", p.display()),
    }
}

#[test]
fn the_form_opens_the_url_as_typed_with_its_user_tls_and_a_password_kept_in_memory() {
    let mut f = form("postgres://db.example:6432/fax?schema=acme", "desk", "verify-full");
    f.root_cert = Some("/etc/ssl/our ca.pem".into());
    let with = pg(f.location(Some("p@ss:w/rd ü")).unwrap());
    assert_eq!(with.config.get_user(), Some("desk"));
    assert_eq!(with.config.get_password(), Some("p@ss:w/rd ü".as_bytes()), "percent-encoded and read back");
    assert_eq!(with.sslmode, SslMode::VerifyFull);
    assert_eq!(with.sslrootcert.as_deref(), Some(std::path::Path::new("/etc/ssl/our ca.pem")));
    assert_eq!(with.schema, "acme");
    assert_eq!(with.shown, "postgres://desk@db.example:6432/fax?schema=acme");
    assert_eq!(f.shown().unwrap(), with.shown, "the same entry name with or without the password");
    assert_eq!(
        f.url_text(None).unwrap(),
        "postgres://desk@db.example:6432/fax?schema=acme&sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Four%20ca.pem",
        "no password without one"
    );
    assert!(!pg(f.location(None).unwrap()).has_password());
    // The form's TLS mode wins over one typed in the URL.
    let f = form("POSTGRESQL://h/d?sslmode=disable&application_name=desk", "u", "require");
    let u = pg(f.location(None).unwrap());
    assert_eq!((u.sslmode, u.config.get_application_name()), (SslMode::Require, Some("desk")));
}

#[test]
fn a_password_in_the_url_a_missing_user_or_a_bad_url_is_refused_beside_its_field() {
    for (f, field, says) in [
        (form("postgres://desk:secret@h/d", "desk", "prefer"), "url", "holds a password"),
        (form("postgres://h/d", " ", "prefer"), "user", "enter the PostgreSQL user"),
        (form("postgres://other@h/d", "desk", "prefer"), "url", "another user"),
        (form("mysql://h/d", "desk", "prefer"), "url", "starts with postgres://"),
        (form("postgres:///d", "desk", "prefer"), "url", "names no server"),
        (form("postgres://h/d", "desk", "sometimes"), "tls", "choose a TLS mode"),
        (form("postgres://h:port/d", "desk", "prefer"), "url", "not a PostgreSQL URL"),
        (form("postgres://h/d?schema=Acme", "desk", "prefer"), "url", "schema"),
    ] {
        let e = f.location(Some("hunter2")).unwrap_err();
        assert_eq!(
            (e.code().as_str(), crate::ErrorBody::from(&e).field.as_deref()),
            ("invalid_input", Some(field)),
            "{f:?}: {e}"
        );
        assert!(e.to_string().contains(says), "{f:?}: {e}");
        assert!(!e.to_string().contains("secret") && !e.to_string().contains("hunter2"), "{e}");
    }
    // The same user in the URL and in User is fine.
    assert!(form("postgres://desk@h/d", "desk", "prefer").location(None).is_ok());
}

#[test]
fn an_open_ledgers_url_gives_back_the_form_it_came_from() {
    let mut f = form("postgres://db.example:6432/fax?schema=acme", "desk", "verify-ca");
    f.root_cert = Some("/etc/ca.pem".into());
    let back = PgSettings::of(&pg(f.location(Some("pw")).unwrap()));
    assert_eq!(back, f);
    let plain = PgSettings::of(&pg(Location::parse(OsStr::new("postgres://u@h")).unwrap()));
    assert_eq!(
        plain,
        PgSettings {
            url: "postgres://h?schema=public".into(),
            user: "u".into(),
            tls: "prefer".into(),
            root_cert: None
        }
    );
}
