//! The account rules: users, passwords, login lockout.

use super::*;
use crate::setup::create_account;
use crate::time::parse_ts;

#[test]
fn locks_a_name_after_five_failures_for_a_growing_time() {
    let mut db = Db::in_memory().unwrap();
    create_account(&mut db, &prepaid(), now()).unwrap();
    add_user(&mut db, "alice", Role::Manager, "correct horse", now()).unwrap();
    for _ in 0..FREE_FAILURES {
        assert_eq!(login(&mut db, "alice", "guess", now()).unwrap_err().code(), "bad_credentials");
    }
    // Locked: even the right password is refused, without being checked.
    let e = login(&mut db, "alice", "correct horse", now()).unwrap_err();
    assert_eq!(e.code(), "too_many_attempts");
    assert_eq!(e.exit_code(), 5);
    let later = now() + chrono::Duration::seconds(31);
    assert_eq!(login(&mut db, "ALICE", "guess", later).unwrap_err().code(), "bad_credentials");
    assert_eq!(
        login(&mut db, "alice", "correct horse", later + chrono::Duration::seconds(59)).unwrap_err().code(),
        "too_many_attempts"
    );
    let ok = later + chrono::Duration::seconds(61);
    assert_eq!(login(&mut db, "alice", "correct horse", ok).unwrap().name, "alice");
    assert_eq!(login(&mut db, "alice", "guess", ok).unwrap_err().code(), "bad_credentials", "the count starts again");
    // Unknown names are limited too, so guessing names costs the same.
    for _ in 0..FREE_FAILURES {
        let _ = login(&mut db, "mallory", "x", now());
    }
    assert_eq!(login(&mut db, "mallory", "x", now()).unwrap_err().code(), "too_many_attempts");
    assert_eq!(lockout(100), chrono::Duration::minutes(15));
}

/// Issue 13, item 6: the lock is checked and the attempt counted before the hash, in one
/// write transaction, so parallel logins cannot all get a password check.
#[test]
fn twenty_parallel_wrong_logins_get_at_most_five_password_checks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("login.db");
    let mut db = Db::create(&path).unwrap();
    create_account(&mut db, &prepaid(), now()).unwrap();
    add_user(&mut db, "alice", Role::Manager, "correct horse", now()).unwrap();
    let start = std::sync::Arc::new(std::sync::Barrier::new(20));
    let threads: Vec<_> = (0..20)
        .map(|i| {
            let (path, start) = (path.clone(), start.clone());
            std::thread::spawn(move || {
                let mut db = Db::open(&path).unwrap();
                start.wait();
                login(&mut db, "alice", &format!("guess {i}"), now()).unwrap_err().code()
            })
        })
        .collect();
    let codes: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let checked = codes.iter().filter(|c| *c == "bad_credentials").count();
    assert!(checked <= FREE_FAILURES as usize, "{checked} passwords checked: {codes:?}");
    assert_eq!(codes.iter().filter(|c| *c == "too_many_attempts").count(), 20 - checked);
    // The right password is refused too, without a check, while the name is locked.
    assert_eq!(login(&mut db, "alice", "correct horse", now()).unwrap_err().code(), "too_many_attempts");
}

fn now() -> Timestamp {
    parse_ts("2026-11-24T09:00:00Z", "t").unwrap()
}

fn prepaid() -> NewAccount {
    NewAccount {
        name: "Acme".into(),
        kind: AccountKind::Prepaid,
        email: "ops@acme.example".into(),
        currency: "usd".into(),
        credit_limit: None,
    }
}

#[test]
fn creates_an_account_once() {
    let mut db = Db::in_memory().unwrap();
    let a = create_account(&mut db, &prepaid(), now()).unwrap();
    assert_eq!(a.currency, "USD");
    let again = create_account(&mut db, &prepaid(), now()).unwrap_err();
    assert_eq!(again.code(), "already_initialized");
}

#[test]
fn refuses_bad_account_fields_and_changes_nothing() {
    let mut db = Db::in_memory().unwrap();
    for (f, v) in [("email", "nope"), ("email", "a@b"), ("currency", "DOLLARS"), ("name", "  ")] {
        let mut n = prepaid();
        match f {
            "email" => n.email = v.into(),
            "currency" => n.currency = v.into(),
            _ => n.name = v.into(),
        }
        let e = create_account(&mut db, &n, now()).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{f}={v}");
    }
    let mut credit = prepaid();
    credit.kind = AccountKind::Credit;
    assert_eq!(create_account(&mut db, &credit, now()).unwrap_err().code(), "invalid_input");
    assert_eq!(account(&db).unwrap_err().code(), "not_initialized");
}

#[test]
fn logs_in_with_the_right_password_only() {
    let mut db = Db::in_memory().unwrap();
    create_account(&mut db, &prepaid(), now()).unwrap();
    add_user(&mut db, "alice", Role::Manager, "correct horse", now()).unwrap();
    assert_eq!(verify_login(&db, "alice", "correct horse").unwrap().role, Role::Manager);
    assert_eq!(verify_login(&db, "ALICE", "correct horse").unwrap().name, "alice");
    assert_eq!(verify_login(&db, "alice", "wrong").unwrap_err().code(), "bad_credentials");
    assert_eq!(verify_login(&db, "mallory", "correct horse").unwrap_err().code(), "bad_credentials");
    let stored: String = db.sqlite().unwrap().query_row("SELECT password_hash FROM users", [], |r| r.get(0)).unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains("correct horse"));
}

#[test]
fn refuses_duplicate_and_malformed_user_names() {
    let mut db = Db::in_memory().unwrap();
    create_account(&mut db, &prepaid(), now()).unwrap();
    add_user(&mut db, "bob", Role::User, "password1", now()).unwrap();
    assert_eq!(add_user(&mut db, "BOB", Role::User, "password1", now()).unwrap_err().code(), "conflict");
    for bad in ["", "a b", "x'; DROP TABLE users;--", &"x".repeat(65)] {
        assert_eq!(add_user(&mut db, bad, Role::User, "password1", now()).unwrap_err().code(), "invalid_input");
    }
    assert_eq!(add_user(&mut db, "carol", Role::User, "short", now()).unwrap_err().code(), "invalid_input");
    assert_eq!(users(&db).unwrap().len(), 1);
}
