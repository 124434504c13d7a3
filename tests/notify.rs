//! Email notifications end to end against a real SMTP server on loopback: the outbox row
//! written with its event arrives with the right recipient and subject; with the server down it
//! waits and arrives once the server is back; nothing is lost or sent twice.

mod common;

use common::smtp::{Behaviour, SmtpServer};
use common::t;
use faxcredit::notify::{self, outbox, EmailSettings, MessageKind, Security, SmtpMailer, State};
use faxcredit::time::{Clock, FixedClock};
use faxcredit::Db;

fn settings(port: u16) -> EmailSettings {
    EmailSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: None,
        from: "fax-credit@test.example".into(),
    }
}

fn queue(db: &mut Db, subject: &str, at: &str) -> i64 {
    db.write(|tx| {
        notify::enqueue(tx, MessageKind::RepeatOrderSuccess, subject, "Card 1002 bought: Standard, 50.00 USD.", t(at))
    })
    .unwrap()
}

fn deliver(db: &mut Db, clock: &dyn Clock, port: u16) -> notify::DeliveryReport {
    let mailer = SmtpMailer::new(&settings(port), None).unwrap();
    notify::deliver_due(db, clock, Some(&mailer)).unwrap()
}

on_both! {
    fn delivers_a_message_to_the_account_email_with_its_subject_and_message_id(backend) {
        let mut s = common::prepaid_on(&backend);
        let server = SmtpServer::start();
        notify::set_email_settings(&mut s.db, settings(server.port()), &common::tester(), t("2026-11-24T09:00:00Z"))
            .unwrap();
        let id =
            queue(&mut s.db, "Fax Credit: card 1002 bought automatically (Standard, 50.00 USD)", "2026-11-24T10:00:00Z");
        let clock = FixedClock::new(t("2026-11-24T10:00:01Z"));
        let r = deliver(&mut s.db, &clock, server.port());
        assert_eq!((r.sent, r.retrying, r.failed), (1, 0, 0));

        let got = server.received();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].to, vec!["billing@test.example".to_string()]);
        assert_eq!(got[0].from, "fax-credit@test.example");
        assert_eq!(got[0].header("Subject").unwrap(), "Fax Credit: card 1002 bought automatically (Standard, 50.00 USD)");
        assert!(got[0].data.contains("Standard, 50.00 USD"));
        let list = notify::messages(&s.db, 10).unwrap();
        assert_eq!(list[0].id, id);
        assert_eq!(list[0].state, State::Sent);
        assert_eq!(got[0].header("Message-ID").unwrap(), list[0].message_id);
        assert!(list[0].server_reply.as_deref().unwrap().starts_with("250"));

        // Delivering again sends nothing more.
        let r = deliver(&mut s.db, &clock, server.port());
        assert_eq!(r.sent, 0);
        assert_eq!(server.received().len(), 1);
    }
}

on_both! {
    fn waits_while_the_server_is_down_and_delivers_once_it_is_back(backend) {
        let mut s = common::prepaid_on(&backend);
        let server = SmtpServer::start();
        let port = server.port();
        let stopped = server.stop();
        queue(&mut s.db, "first", "2026-11-24T10:00:00Z");
        queue(&mut s.db, "second", "2026-11-24T10:00:00Z");
        let clock = FixedClock::new(t("2026-11-24T10:00:00Z"));

        let r = deliver(&mut s.db, &clock, port);
        assert_eq!((r.sent, r.retrying), (0, 2));
        let list = notify::messages(&s.db, 10).unwrap();
        assert!(list.iter().all(|m| m.state == State::NotConfigured), "no settings stored yet: {list:?}");
        notify::set_email_settings(&mut s.db, settings(port), &common::tester(), t("2026-11-24T10:00:00Z")).unwrap();
        let list = notify::messages(&s.db, 10).unwrap();
        assert!(list.iter().all(|m| m.state == State::Retrying && m.attempts == 1 && m.last_error.is_some()));

        // Not yet due: nothing is tried, even with the server back.
        let server = stopped.restart();
        let r = deliver(&mut s.db, &clock, port);
        assert_eq!((r.sent, r.retrying), (0, 0));
        assert_eq!(server.connections(), 0);

        clock.set(t("2026-11-24T10:01:00Z"));
        let r = deliver(&mut s.db, &clock, port);
        assert_eq!(r.sent, 2);
        let mut subjects: Vec<String> = server.received().iter().map(|m| m.header("Subject").unwrap()).collect();
        subjects.sort();
        assert_eq!(subjects, ["first", "second"]);
        clock.set(t("2026-11-25T10:00:00Z"));
        assert_eq!(deliver(&mut s.db, &clock, port).sent, 0);
        assert_eq!(server.received().len(), 2);
    }
}

on_both! {
    fn retries_a_message_whose_connection_dropped_midway_and_backs_off(backend) {
        let mut s = common::prepaid_on(&backend);
        let server = SmtpServer::start();
        server.then(&[Behaviour::DropMidMessage, Behaviour::Transient]);
        queue(&mut s.db, "dropped", "2026-11-24T10:00:00Z");
        let clock = FixedClock::new(t("2026-11-24T10:00:00Z"));

        assert_eq!(deliver(&mut s.db, &clock, server.port()).retrying, 1);
        let m = &notify::messages(&s.db, 1).unwrap()[0];
        assert_eq!(m.next_attempt_at.as_deref(), Some("2026-11-24T10:01:00Z"));

        clock.set(t("2026-11-24T10:01:00Z"));
        assert_eq!(deliver(&mut s.db, &clock, server.port()).retrying, 1);
        let m = &notify::messages(&s.db, 1).unwrap()[0];
        assert_eq!(m.next_attempt_at.as_deref(), Some("2026-11-24T10:06:00Z"), "second wait is 5 minutes");
        assert!(m.last_error.as_deref().unwrap().contains("451"), "{:?}", m.last_error);

        clock.set(t("2026-11-24T10:06:00Z"));
        assert_eq!(deliver(&mut s.db, &clock, server.port()).sent, 1);
        assert_eq!(server.received().len(), 1, "the dropped half-message was not taken as a message");
    }
}

on_both! {
    fn keeps_a_refused_message_visible_and_sends_it_when_retried_by_hand(backend) {
        let mut s = common::prepaid_on(&backend);
        let server = SmtpServer::start();
        server.then(&[Behaviour::Permanent]);
        notify::set_email_settings(&mut s.db, settings(server.port()), &common::tester(), t("2026-11-24T09:00:00Z"))
            .unwrap();
        let id = queue(&mut s.db, "refused", "2026-11-24T10:00:00Z");
        let clock = FixedClock::new(t("2026-11-24T10:00:00Z"));
        assert_eq!(deliver(&mut s.db, &clock, server.port()).failed, 1);
        let m = &notify::messages(&s.db, 1).unwrap()[0];
        assert_eq!(m.state, State::Failed);
        assert!(m.last_error.as_deref().unwrap().contains("550"));
        clock.set(t("2026-11-25T10:00:00Z"));
        assert_eq!(deliver(&mut s.db, &clock, server.port()).sent, 0, "a refused message is not retried by itself");

        outbox::retry_now(&mut s.db, id, clock.now()).unwrap();
        assert_eq!(deliver(&mut s.db, &clock, server.port()).sent, 1);
        assert_eq!(server.received().len(), 1);
        assert_eq!(outbox::retry_now(&mut s.db, id, clock.now()).unwrap_err().code(), "conflict");
        assert_eq!(outbox::retry_now(&mut s.db, 999, clock.now()).unwrap_err().code(), "not_found");
    }
}

on_both! {
    /// Two senders at once (the app's worker and `faxcredit outbox --deliver`): each claims a
    /// message under its lease (on PostgreSQL, `FOR UPDATE SKIP LOCKED`), so every message is sent
    /// once, by one of them.
    fn two_workers_at_once_send_every_message_exactly_once(backend) {
        const N: u32 = 200;
        let mut s = common::prepaid_on(&backend);
        let server = SmtpServer::start();
        for i in 0..N {
            queue(&mut s.db, &format!("message {i}"), "2026-11-24T10:00:00Z");
        }
        let at = s.location();
        let port = server.port();
        let start = std::sync::Arc::new(std::sync::Barrier::new(2));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (at, start) = (at.clone(), start.clone());
                std::thread::spawn(move || {
                    let mut db = Db::open(&at).unwrap();
                    let clock = FixedClock::new(t("2026-11-24T10:00:00Z"));
                    start.wait();
                    deliver(&mut db, &clock, port).sent
                })
            })
            .collect();
        let sent: Vec<u32> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        assert_eq!(sent.iter().sum::<u32>(), N, "{sent:?}");
        let mut ids: Vec<String> = server.received().iter().map(|m| m.header("Message-ID").unwrap()).collect();
        assert_eq!(ids.len(), N as usize, "received");
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), N as usize, "each message once");
        let states = notify::messages(&s.db, 1000).unwrap();
        assert!(states.iter().all(|m| m.state == State::Sent && m.attempts == 1), "{states:?}");
    }
}

#[test]
fn test_email_returns_the_server_answer_or_its_refusal() {
    let server = SmtpServer::start();
    let mailer = SmtpMailer::new(&settings(server.port()), None).unwrap();
    let reply = mailer.send_test("billing@test.example", t("2026-11-24T10:00:00Z")).unwrap();
    assert!(reply.starts_with("250"), "{reply}");
    assert_eq!(server.received()[0].header("Subject").unwrap(), "Fax Credit: test email");

    server.then(&[Behaviour::Permanent]);
    let e = mailer.send_test("billing@test.example", t("2026-11-24T10:00:00Z")).unwrap_err();
    assert_eq!(e.code(), "smtp_failed");
    assert!(e.to_string().contains("550"), "{e}");
    let port = server.port();
    drop(server);
    let mailer = SmtpMailer::new(&settings(port), None).unwrap();
    let e = mailer.send_test("billing@test.example", t("2026-11-24T10:00:00Z")).unwrap_err();
    assert_eq!(e.code(), "smtp_failed");
}

on_both! {
    fn a_refused_fax_is_emailed_once_per_depletion(backend) {
        use faxcredit::billing::bill;
        use faxcredit::ledger::apply_card;
        let mut s = common::prepaid_on(&backend);
        apply_card(&mut s.db, common::dec("1.00"), common::dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        bill(&mut s.db, &common::fax("a", 8), t("2026-11-02T00:00:00Z")).unwrap();
        for id in ["b", "c", "d"] {
            assert_eq!(
                bill(&mut s.db, &common::fax(id, 5), t("2026-11-03T00:00:00Z")).unwrap_err().code(),
                "quota_exceeded"
            );
        }
        // The low-credit alert (the default level, 80% of the card) came first; refusals are these.
        let refusals = |db: &faxcredit::Db| -> Vec<notify::Message> {
            notify::messages(db, 10).unwrap().into_iter().filter(|m| m.kind == "quota_exceeded").collect()
        };
        let list = refusals(&s.db);
        assert_eq!(list.len(), 1, "{list:?}");
        assert!(list[0].body.contains("costs 0.50 USD; the open cards hold 0.20 USD"), "{}", list[0].body);

        apply_card(&mut s.db, common::dec("0.30"), common::dec("0"), t("2026-11-04T00:00:00Z")).unwrap();
        bill(&mut s.db, &common::fax("b", 5), t("2026-11-04T00:00:01Z")).unwrap();
        assert_eq!(bill(&mut s.db, &common::fax("e", 5), t("2026-11-05T00:00:00Z")).unwrap_err().code(), "quota_exceeded");
        assert_eq!(refusals(&s.db).len(), 2, "a new card starts a new depletion");
        common::assert_sound(&mut s.db);
    }
}

/// The addresses a message of `kind` is written to, in the order of its rows.
fn addressed(db: &mut Db, kind: MessageKind) -> Vec<String> {
    let event = db.write(|tx| notify::enqueue(tx, kind, "s", "b", t("2026-11-01T10:00:00Z"))).unwrap();
    let rows = notify::messages(db, 1000).unwrap();
    rows.into_iter().rev().filter(|m| m.event == event).map(|m| m.to).collect()
}

on_both! {
    fn each_message_goes_to_the_account_email_and_the_recipients_of_its_sort_once(backend) {
        use notify::Only;
        let mut s = common::prepaid_on(&backend);
        let me = faxcredit::audit::Actor::cli("ops");
        let now = t("2026-11-01T10:00:00Z");
        notify::add_recipient(&mut s.db, "finance@test.example", None, &me, now).unwrap();
        notify::add_recipient(&mut s.db, "alerts@test.example", Some(Only::Alerts), &me, now).unwrap();
        notify::add_recipient(&mut s.db, "buyer@test.example", Some(Only::Purchases), &me, now).unwrap();
        assert_eq!(
            addressed(&mut s.db, MessageKind::LowCredit),
            ["billing@test.example", "finance@test.example", "alerts@test.example"]
        );
        assert_eq!(
            addressed(&mut s.db, MessageKind::RepeatOrderFailure),
            ["billing@test.example", "finance@test.example", "buyer@test.example"]
        );
        assert_eq!(addressed(&mut s.db, MessageKind::QuotaExceeded), ["billing@test.example", "finance@test.example"]);
        // Added again: what it gets changes, it is not listed twice.
        notify::add_recipient(&mut s.db, "FINANCE@test.example", Some(Only::Refusals), &me, now).unwrap();
        assert_eq!(addressed(&mut s.db, MessageKind::LowCredit), ["billing@test.example", "alerts@test.example"]);
        assert_eq!(notify::recipients(&s.db).unwrap().len(), 4);
        notify::remove_recipient(&mut s.db, "Alerts@Test.example", &me, now).unwrap();
        assert_eq!(addressed(&mut s.db, MessageKind::LowCredit), ["billing@test.example"]);
        let log: Vec<String> =
            faxcredit::audit::entries(&s.db, 10, None).unwrap().into_iter().map(|e| e.detail).collect();
        assert_eq!(log[0], "alerts@test.example");
        assert_eq!(log[1], "FINANCE@test.example: now refusals only");
    }
}

on_both! {
    fn refuses_a_bad_address_the_account_email_and_an_unknown_one_and_changes_nothing(backend) {
        let mut s = common::prepaid_on(&backend);
        let me = faxcredit::audit::Actor::app("alice");
        let now = t("2026-11-01T10:00:00Z");
        let before = faxcredit::audit::entries(&s.db, 100, None).unwrap().len();
        for bad in ["not-an-address", "a@b", "two@@x.example", "sp ace@x.example", "", "a\"b@x.example"] {
            let e = notify::add_recipient(&mut s.db, bad, None, &me, now).unwrap_err();
            assert_eq!((e.code(), e.exit_code()), ("invalid_input".to_string(), 2), "{bad}");
            assert!(matches!(&e, faxcredit::Error::Invalid { field, .. } if field == "email"), "{bad}: {e}");
        }
        let e = notify::add_recipient(&mut s.db, "Billing@Test.example", None, &me, now).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        let e = notify::remove_recipient(&mut s.db, "billing@test.example", &me, now).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert_eq!(notify::remove_recipient(&mut s.db, "nobody@test.example", &me, now).unwrap_err().code(), "not_found");
        assert_eq!(notify::Only::parse("invoices").unwrap_err().code(), "invalid_input");
        assert_eq!(notify::recipients(&s.db).unwrap().len(), 1);
        assert_eq!(faxcredit::audit::entries(&s.db, 100, None).unwrap().len(), before, "nothing logged");
    }
}

on_both! {
    fn stores_replaces_and_clears_the_email_settings(backend) {
        let mut s = common::prepaid_on(&backend);
        let now = t("2026-11-24T10:00:00Z");
        let me = common::tester();
        let before = faxcredit::audit::entries(&s.db, 100, None).unwrap().len();
        assert_eq!(notify::email_settings(&s.db).unwrap(), None);
        let good = EmailSettings {
            host: "smtp.example.com".into(),
            port: 587,
            security: Security::Starttls,
            username: Some("alice".into()),
            from: "fax@example.com".into(),
        };
        notify::set_email_settings(&mut s.db, good.clone(), &me, now).unwrap();
        assert_eq!(notify::email_settings(&s.db).unwrap(), Some(good.clone()));
        let other = EmailSettings { security: Security::Tls, port: 465, username: Some("  ".into()), ..good };
        notify::set_email_settings(&mut s.db, other, &me, now).unwrap();
        let stored = notify::email_settings(&s.db).unwrap().unwrap();
        assert_eq!((stored.port, stored.security, stored.username), (465, Security::Tls, None));
        notify::clear_email_settings(&mut s.db, &me, now).unwrap();
        assert_eq!(notify::email_settings(&s.db).unwrap(), None);
        let log: Vec<(String, String)> =
            faxcredit::audit::entries(&s.db, 100, None).unwrap().into_iter().map(|e| (e.action, e.detail)).collect();
        assert_eq!(log.len() - before, 3);
        assert_eq!(log[0], ("email_settings_removed".into(), "was smtp.example.com".into()));
        assert_eq!(log[1].0, "email_settings_saved");
    }
}
