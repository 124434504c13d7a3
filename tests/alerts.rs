//! Low-credit alerts through billing (issue 16, item 1) and the recipients of every message
//! (item 2): each level warns once per crossing, in the billing transaction, with the days the
//! credit lasts at the recent pace; a low-credit alert and a purchase email reach two
//! recipients on a real SMTP server on loopback.

mod common;

use common::smtp::SmtpServer;
use common::{account_on, dec, fax, prepaid_on, t, tester};
use faxcredit::account::AccountKind;
use faxcredit::alerts::{self, Level};
use faxcredit::billing::bill;
use faxcredit::ledger::{apply_card, Biller, NoReactions};
use faxcredit::notify::{self, EmailSettings, Only, Security};
use faxcredit::Db;

fn set(db: &mut Db, levels: &[&str]) {
    let levels = alerts::parse_levels(levels).unwrap();
    alerts::set_levels(db, &levels, &tester(), t("2026-11-01T00:00:00Z")).unwrap();
}

/// The low-credit messages queued so far, oldest first: (subject, body).
fn alerts_queued(db: &Db) -> Vec<(String, String)> {
    notify::messages(db, 1000)
        .unwrap()
        .into_iter()
        .rev()
        .filter(|m| m.kind == "low_credit")
        .map(|m| (m.subject, m.body))
        .collect()
}

on_both! {
    fn each_level_warns_once_per_crossing_and_again_only_after_a_new_card(backend) {
        let mut s = prepaid_on(&backend);
        apply_card(&mut s.db, dec("100.00"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        set(&mut s.db, &["50.00", "20.00", "80%"]);
        let now = t("2026-11-02T10:00:00Z");
        let mut after_each = Vec::new();
        // Ten faxes of 10.00 (100 pages at 0.10).
        for i in 1..=10 {
            bill(&mut s.db, &fax(&format!("f{i}"), 100), now).unwrap();
            after_each.push(alerts_queued(&s.db).len());
        }
        // 50.00 left after the 5th; 20.00 left (and 80% used) after the 8th: one message for both.
        assert_eq!(after_each, [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
        let sent = alerts_queued(&s.db);
        assert_eq!(sent[0].0, "Fax Credit: low credit on Test Co: 50.00 USD left");
        assert!(sent[0].1.contains("It fell to your alert level of 50.00 USD."), "{}", sent[0].1);
        assert!(sent[1].1.contains("It fell to your alert level of 20.00 USD."), "{}", sent[1].1);
        assert!(sent[1].1.contains("Card 1001 reached your alert level of 80% used: 20.00 USD of its 100.00 USD left."));

        // A new card lifts the credit above every level: each warns again on its next crossing.
        apply_card(&mut s.db, dec("100.00"), dec("0"), t("2026-11-03T00:00:00Z")).unwrap();
        for i in 11..=16 {
            bill(&mut s.db, &fax(&format!("f{i}"), 100), t("2026-11-03T10:00:00Z")).unwrap();
        }
        let sent = alerts_queued(&s.db);
        assert_eq!(
            sent.len(),
            3,
            "50.00 crossed again on the new card: {:?}",
            sent.iter().map(|m| &m.0).collect::<Vec<_>>()
        );
        assert!(sent[2].0.ends_with("50.00 USD left"));
        common::assert_sound(&mut s.db);
    }
}

on_both! {
    fn the_alert_says_how_many_days_the_credit_lasts_at_the_recent_pace(backend) {
        let mut s = prepaid_on(&backend); // opened 2026-10-15
        apply_card(&mut s.db, dec("100.00"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        set(&mut s.db, &["50.00"]);
        // 5.00 a day from Nov 1: the 10th fax (Nov 10) takes the credit to 50.00.
        for day in 1..=10 {
            bill(&mut s.db, &fax(&format!("d{day}"), 50), t(&format!("2026-11-{day:02}T09:00:00Z"))).unwrap();
        }
        let sent = alerts_queued(&s.db);
        assert_eq!(sent.len(), 1);
        // 50.00 spent over the 27 days since the account was opened: 50.00 lasts 27 more days.
        assert!(
            sent[0].1.contains(
                "At the average spend of the 27 days since the account was opened (1.85 USD a day), that lasts about 27 \
                 days (until about 2026-12-07)."
            ),
            "{}",
            sent[0].1
        );
        let status = alerts::status(&mut s.db, t("2026-11-10T12:00:00Z")).unwrap();
        assert_eq!((status.days_left, status.days_counted), (Some(27), 27));
        assert!(status.levels[0].passed);
        assert_eq!(status.remaining.to_string(), "50.0000");
    }
}

on_both! {
    fn a_credit_account_is_warned_on_the_months_credit_and_again_the_next_month(backend) {
        let mut s = account_on(&backend, AccountKind::Credit); // 10.00 a month, the default level: 80% of it
        assert_eq!(alerts::levels(&s.db).unwrap(), vec![Level::Percent(8000)]);
        for i in 1..=9 {
            bill(&mut s.db, &fax(&format!("n{i}"), 10), t("2026-11-20T10:00:00Z")).unwrap();
        }
        let sent = alerts_queued(&s.db);
        assert_eq!(sent.len(), 1, "at 8.00 of 10.00");
        assert!(sent[0].1.starts_with("This month's credit of the account Test Co is low: 2.00 USD left"), "{}", sent[0].1);
        assert!(sent[0].1.contains("The month's credit renews on 2026-12-01."), "{}", sent[0].1);
        for i in 1..=8 {
            bill(&mut s.db, &fax(&format!("d{i}"), 10), t("2026-12-02T10:00:00Z")).unwrap();
        }
        assert_eq!(alerts_queued(&s.db).len(), 2, "December's card crossed 80% too");
    }
}

on_both! {
    fn the_alert_is_written_in_the_billing_transaction_and_rolls_back_with_it(backend) {
        let mut s = prepaid_on(&backend);
        apply_card(&mut s.db, dec("10.00"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        let rolled_back = s.db.write(|tx| {
            let mut reactions = NoReactions;
            let mut biller = Biller::new(tx, &mut reactions)?;
            biller.bill(&fax("big", 90), t("2026-11-02T10:00:00Z"))?;
            biller.finish()?;
            let queued: i64 = tx.query_row("SELECT count(*) FROM outbox WHERE kind = 'low_credit'", &[], |r| r.get(0))?;
            assert_eq!(queued, 1, "queued inside the transaction");
            // The transaction fails after it: the fax is not billed, so it warned of nothing.
            Err::<(), _>(faxcredit::Error::Cancelled)
        });
        assert!(rolled_back.is_err());
        assert!(alerts_queued(&s.db).is_empty());
        bill(&mut s.db, &fax("big", 90), t("2026-11-02T10:00:00Z")).unwrap();
        assert_eq!(alerts_queued(&s.db).len(), 1);
    }
}

on_both! {
    fn no_levels_no_alerts(backend) {
        let mut s = prepaid_on(&backend);
        apply_card(&mut s.db, dec("10.00"), dec("0"), t("2026-11-01T00:00:00Z")).unwrap();
        alerts::clear_levels(&mut s.db, &tester(), t("2026-11-01T00:00:00Z")).unwrap();
        for i in 1..=10 {
            bill(&mut s.db, &fax(&format!("f{i}"), 10), t("2026-11-02T10:00:00Z")).unwrap();
        }
        assert!(alerts_queued(&s.db).is_empty());
        let log = faxcredit::audit::entries(&s.db, 10, None).unwrap();
        assert_eq!((log[0].action.as_str(), log[0].detail.as_str()), ("alerts_cleared", "was 80%"));
    }
}

on_both! {
    /// Issue 16: the low-credit alert and a purchase email, received by a real SMTP server on
    /// loopback at two recipients (and only there: a third address takes alerts only).
    fn a_low_credit_alert_and_a_purchase_email_reach_two_recipients_on_a_real_smtp_server(backend) {
        use faxcredit::orders;
        use faxcredit::payments::payment_method::{self, CardInput};
        use faxcredit::payments::Fault;
        use faxcredit::secrets::MemoryStore;
        use faxcredit::time::FixedClock;

        let server = SmtpServer::start();
        let mut s = prepaid_on(&backend);
        let now = t("2026-11-24T10:00:00Z");
        let me = tester();
        notify::add_recipient(&mut s.db, "finance@test.example", None, &me, now).unwrap();
        notify::add_recipient(&mut s.db, "oncall@test.example", Some(Only::Alerts), &me, now).unwrap();
        let settings = EmailSettings {
            host: "127.0.0.1".into(),
            port: server.port(),
            security: Security::None,
            username: None,
            from: "fax-credit@test.example".into(),
        };
        notify::set_email_settings(&mut s.db, settings.clone(), &me, now).unwrap();
        let secrets = MemoryStore::default();
        let card = CardInput { number: "4242424242424242".into(), expiry: "12/28".into(), holder: "A".into(), cvv: None };
        payment_method::set(&mut s.db, &secrets, &card, &me, now).unwrap();
        apply_card(&mut s.db, dec("10.00"), dec("0"), now).unwrap();
        faxcredit::repeat::set(&mut s.db, "starter", None, &me, now).unwrap();

        // 9.50 of 10.00: the 80% alert, then the repeat order at 95%, bought after commit.
        bill(&mut s.db, &fax("f1", 95), now).unwrap();
        let clock = FixedClock::new(now);
        let gw = s.sandbox(Fault::None);
        let p = common::buying::purchaser(&gw, &secrets, &clock);
        assert_eq!(orders::reconcile(&mut s.db, &p).unwrap().paid, 1);

        let mailer = notify::SmtpMailer::new(&settings, None).unwrap();
        let report = notify::deliver_due(&mut s.db, &clock, Some(&mailer)).unwrap();
        assert_eq!((report.sent, report.retrying, report.failed), (5, 0, 0));
        let got = server.received();
        let to = |subject_part: &str| -> Vec<String> {
            let mut v: Vec<String> = got
                .iter()
                .filter(|m| m.header("Subject").is_some_and(|s| s.contains(subject_part)))
                .flat_map(|m| m.to.clone())
                .collect();
            v.sort();
            v
        };
        assert_eq!(to("low credit"), ["billing@test.example", "finance@test.example", "oncall@test.example"]);
        assert_eq!(to("bought automatically"), ["billing@test.example", "finance@test.example"]);
        for m in &got {
            assert_eq!(m.header("To").as_deref(), m.to.first().map(String::as_str), "each copy names its own recipient");
        }
        let alert = got.iter().find(|m| m.to == ["finance@test.example"] && m.data.contains("low credit")).unwrap();
        assert!(alert.data.contains("Card 1001 reached your alert level of 80% used"), "{}", alert.data);
        // Delivered once each: nothing is due any more.
        assert_eq!(notify::deliver_due(&mut s.db, &clock, Some(&mailer)).unwrap().sent, 0);
        assert_eq!(server.received().len(), 5);
    }
}
