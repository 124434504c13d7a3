//! Real InterFAX records as the REST API publishes them, billed by the ledger: senders the
//! account has never seen, servers' clock skew, faxes in process, summaries of faxes billed
//! before, retries stamped with a later time, and times compared as times, on both storage
//! engines. `check` holds after every step.

mod common;

use common::*;
use faxcredit::account::{self, Role};
use faxcredit::billing::bill_record;
use faxcredit::import::{import_reader, Format, RecordStatus};
use faxcredit::ledger::{self, apply_card, ActivityQuery, Outcome, RawFax, Record};
use faxcredit::time::fmt_ts;

/// A completed fax by `jsmith`, a name the account has never seen, as `GET /outbound/faxes/{id}`
/// returns it: numeric id, times without offset, completion 4 s before submission.
const FULL: &str = r#"{"id":661829201,"uri":"https://rest.interfax.net/outbound/faxes/661829201","status":0,"userId":"jsmith","pagesSubmitted":2,"contact":null,"destinationFax":"0012125550147","replyEmail":null,"pagesSent":2,"completionTime":"2024-03-05T14:22:37","senderCSID":"HARBOR","subject":null,"submitTime":"2024-03-05T14:22:41","units":2.00,"costPerUnit":0.1000,"pageSize":"Letter","attemptsMade":1,"attemptsToPerform":3,"priority":2,"duration":48}"#;

/// The same fax as the `completed` endpoint summarizes it.
const SUMMARY: &str = r#"{"id":661829201,"uri":"https://rest.interfax.net/outbound/faxes/661829201","status":0,"userId":"jsmith","pagesSent":2,"completionTime":"2024-03-05T14:22:37","remoteCSID":"212 555 0147","duration":48,"priority":2,"units":2.00,"costPerUnit":0.1000,"attemptsMade":1}"#;

fn record(json: &str) -> Record {
    RawFax::from_json(json).unwrap().read().unwrap()
}

fn now() -> faxcredit::time::Timestamp {
    t("2026-11-02T12:00:00Z")
}

fn user_names(s: &TestDb) -> Vec<(String, bool)> {
    account::users(&s.db).unwrap().into_iter().map(|u| (u.name, u.login)).collect()
}

fn with_card(backend: &Backend, value: &str) -> TestDb {
    let mut s = prepaid_on(backend);
    apply_card(&mut s.db, dec(value), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
    s
}

on_both! {
    fn a_sender_the_account_has_never_seen_is_registered_without_a_login_and_billed(backend) {
        let mut s = with_card(&backend, "100");
        let out = bill_record(&mut s.db, &record(FULL), now()).unwrap();
        let Outcome::Billed { cost, .. } = out else { panic!("{out:?}") };
        assert_eq!(cost.to_string(), "0.2000");
        assert!(user_names(&s).contains(&("jsmith".into(), false)), "{:?}", user_names(&s));
        let page = ledger::activity_page(
            &mut s.db,
            &ActivityQuery { card_id: 1001, limit: 10, user: Some("jsmith".into()), ..ActivityQuery::default() },
        )
        .unwrap();
        assert_eq!(page.lines.len(), 1, "the sender is in the user filter");
        assert_eq!(page.lines[0].user, "jsmith");
        // A sender cannot log in, whatever the password.
        assert_eq!(account::verify_login(&s.db, "jsmith", "").unwrap_err().code(), "bad_credentials");
        // Its next fax finds it: one user, two faxes.
        let next = FULL.replace("661829201", "661829202");
        assert!(matches!(bill_record(&mut s.db, &record(&next), now()).unwrap(), Outcome::Billed { .. }));
        assert_eq!(user_names(&s).iter().filter(|(n, _)| n == "jsmith").count(), 1);
        assert_sound(&mut s.db);
    }
}

on_both! {
    fn a_sender_is_registered_only_when_its_fax_is_billed(backend) {
        // 0.10 of credit: jsmith's 0.20 fax is refused, and jsmith is not registered.
        let mut s = with_card(&backend, "0.10");
        let before = user_names(&s);
        assert_eq!(bill_record(&mut s.db, &record(FULL), now()).unwrap_err().code(), "quota_exceeded");
        assert_eq!(user_names(&s), before);
        // A fax billed under bob and sent again under a new name conflicts; in an import batch,
        // which commits, the new name is not registered either.
        apply_card(&mut s.db, dec("10"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        let bobs = FULL.replace("jsmith", "bob").replace("2.00", "1.00");
        let file = format!("{bobs}\n{FULL}\n");
        let mut statuses = Vec::new();
        import_reader(&mut s.db, file.as_bytes(), Format::Ndjson, now(), &mut |r| {
            statuses.push((r.status, r.code.clone()))
        })
        .unwrap();
        assert_eq!(
            statuses,
            [(RecordStatus::Billed, None), (RecordStatus::Different, Some("exists_with_different_user".into()))]
        );
        assert_eq!(user_names(&s), before);
        assert_sound(&mut s.db);
    }
}

on_both! {
    fn user_add_gives_a_fax_sender_a_login_and_keeps_its_faxes(backend) {
        let mut s = with_card(&backend, "100");
        bill_record(&mut s.db, &record(FULL), now()).unwrap();
        let sender = account::users(&s.db).unwrap().into_iter().find(|u| u.name == "jsmith").unwrap();
        let u = account::add_user(&mut s.db, "JSmith", Role::Manager, "jsmith-password", now()).unwrap();
        assert_eq!((u.id, u.name.as_str(), u.role, u.login), (sender.id, "jsmith", Role::Manager, true));
        assert_eq!(account::verify_login(&s.db, "jsmith", "jsmith-password").unwrap().id, sender.id);
        assert_eq!(
            account::add_user(&mut s.db, "jsmith", Role::User, "another-password", now()).unwrap_err().code(),
            "conflict",
            "a login is given once"
        );
        let Outcome::Exists { .. } = bill_record(&mut s.db, &record(FULL), now()).unwrap() else { panic!() };
        assert_sound(&mut s.db);
    }
}

on_both! {
    fn a_completion_time_before_the_submit_time_is_stored_as_given(backend) {
        let mut s = with_card(&backend, "100");
        bill_record(&mut s.db, &record(FULL), now()).unwrap();
        let page = ledger::activity_page(&mut s.db, &ActivityQuery { card_id: 1001, limit: 1, ..ActivityQuery::default() })
            .unwrap();
        let l = &page.lines[0];
        assert_eq!(
            (l.submit_time.as_str(), l.completion_time.as_deref()),
            ("2024-03-05T14:22:41Z", Some("2024-03-05T14:22:37Z"))
        );
        // Eleven minutes is not skew: refused, naming both times, and nothing is billed.
        let late = FULL.replace("661829201", "7").replace("14:22:37", "14:11:40");
        let e = RawFax::from_json(&late).unwrap().read().unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("2024-03-05T14:11:40Z") && e.to_string().contains("2024-03-05T14:22:41Z"), "{e}");
        assert_sound(&mut s.db);
    }
}

on_both! {
    fn an_in_process_record_is_pending_and_the_completed_fax_bills_as_new(backend) {
        let mut s = with_card(&backend, "100");
        let in_process = FULL
            .replace(r#""status":0"#, r#""status":-3"#)
            .replace("2024-03-05T14:22:37", "0001-01-01T00:00:00")
            .replace(r#""units":2.00"#, r#""units":0"#)
            .replace(r#""pagesSent":2"#, r#""pagesSent":0"#);
        let before = ledger::cards(&mut s.db).unwrap();
        let users = user_names(&s);
        assert_eq!(
            bill_record(&mut s.db, &record(&in_process), now()).unwrap(),
            Outcome::Pending { fax_id: "661829201".into(), status: -3 }
        );
        assert_eq!(ledger::cards(&mut s.db).unwrap(), before, "nothing billed");
        assert_eq!(user_names(&s), users, "nobody registered");
        assert_eq!(ledger::check(&mut s.db).unwrap().faxes, 0);
        let Outcome::Billed { cost, .. } = bill_record(&mut s.db, &record(FULL), now()).unwrap() else { panic!() };
        assert_eq!(cost.to_string(), "0.2000");
        // An in-process snapshot met after the completed fax is still only `pending`.
        assert!(matches!(bill_record(&mut s.db, &record(&in_process), now()).unwrap(), Outcome::Pending { .. }));
        assert_sound(&mut s.db);
    }
}

on_both! {
    fn a_summary_of_a_billed_fax_is_exists_and_one_that_differs_names_the_field(backend) {
        let mut s = with_card(&backend, "100");
        bill_record(&mut s.db, &record(FULL), now()).unwrap();
        let before = ledger::cards(&mut s.db).unwrap();
        assert_eq!(
            bill_record(&mut s.db, &record(SUMMARY), now()).unwrap(),
            Outcome::Exists { fax_id: "661829201".into() }
        );
        let e =
            bill_record(&mut s.db, &record(&SUMMARY.replace(r#""duration":48"#, r#""duration":49"#)), now()).unwrap_err();
        assert_eq!(e.code(), "exists_with_different_duration");
        assert_eq!(ledger::cards(&mut s.db).unwrap(), before);
        assert_sound(&mut s.db);
    }
}

on_both! {
    fn a_summary_of_a_fax_never_billed_names_the_first_missing_field_and_changes_nothing(backend) {
        let mut s = with_card(&backend, "100");
        let users = user_names(&s);
        let e = bill_record(&mut s.db, &record(SUMMARY), now()).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert_eq!(e.to_string(), "destinationFax: is required");
        assert_eq!(user_names(&s), users);
        assert_eq!(ledger::check(&mut s.db).unwrap().faxes, 0);
    }
}

on_both! {
    fn a_retry_stamped_a_second_later_is_exists_and_keeps_the_first_stamp(backend) {
        let mut s = with_card(&backend, "100");
        let cli_bill = RawFax { submit_time: None, ..raw("G-1", 3) };
        let first = t("2026-11-02T12:00:00Z");
        let second = t("2026-11-02T12:00:01Z");
        assert!(matches!(
            bill_record(&mut s.db, &cli_bill.read_stamped(first).unwrap(), first).unwrap(),
            Outcome::Billed { .. }
        ));
        assert_eq!(
            bill_record(&mut s.db, &cli_bill.read_stamped(second).unwrap(), second).unwrap(),
            Outcome::Exists { fax_id: "G-1".into() }
        );
        let page = ledger::activity_page(&mut s.db, &ActivityQuery { card_id: 1001, limit: 5, ..ActivityQuery::default() })
            .unwrap();
        assert_eq!(page.lines.len(), 1);
        assert_eq!(page.lines[0].submit_time, fmt_ts(&first));
        // A time that is given is compared: another time is another fax.
        let given = RawFax { submit_time: Some("2026-11-02T12:00:01Z".into()), ..cli_bill };
        let e = bill_record(&mut s.db, &given.read_stamped(second).unwrap(), second).unwrap_err();
        assert_eq!(e.code(), "exists_with_different_submit_time");
        assert_sound(&mut s.db);
    }
}

on_both! {
    fn activity_filters_compare_times_not_their_text(backend) {
        let mut s = with_card(&backend, "100");
        for (id, at) in [("A", "2026-11-01T09:30:00Z"), ("B", "2026-11-01T09:30:01Z")] {
            let r = RawFax { submit_time: Some(at.into()), ..raw(id, 1) };
            bill_record(&mut s.db, &r.read().unwrap(), now()).unwrap();
        }
        let ids = |s: &mut TestDb, from: Option<&str>, to: Option<&str>| -> Vec<String> {
            let q =
                ActivityQuery { card_id: 1001, limit: 10, from: from.map(t), to: to.map(t), ..ActivityQuery::default() };
            ledger::activity_page(&mut s.db, &q).unwrap().lines.into_iter().map(|l| l.fax_id).collect()
        };
        // A fax at 09:30:00 is before a bound of 09:30:00.5, and not at or after it.
        assert_eq!(ids(&mut s, None, Some("2026-11-01T09:30:00.5Z")), ["A"]);
        assert_eq!(ids(&mut s, Some("2026-11-01T09:30:00.5Z"), None), ["B"]);
        assert_eq!(ids(&mut s, Some("2026-11-01T09:29:59.999Z"), Some("2026-11-01T09:30:01Z")), ["A"]);
        // Offsets are times too.
        assert_eq!(ids(&mut s, Some("2026-11-01T10:30:01+01:00"), None), ["B"]);
    }
}
