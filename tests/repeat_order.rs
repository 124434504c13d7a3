//! The repeat order: one card bought when the card in use reaches 95%, never two; declines
//! retried on schedule then paused; the cap; the emails. On both backends (`on_both!`); races and
//! crashes are in tests/repeat_order_races.rs.

mod common;

use common::buying::{account, lines_of};
use common::t;
use faxcredit::ledger::apply_card;
use faxcredit::notify;
use faxcredit::orders::{self, Status};
use faxcredit::payments::Fault;
use faxcredit::repeat;
use faxcredit::time::FixedClock;

on_both! {
    fn billing_across_95_percent_buys_exactly_one_card_and_emails_it(backend) {
        let mut a = account(&backend, "4242424242424242", None);
        a.bill("f1", 90); // 9.00 of 10.00: 90%
        assert_eq!(orders::orders(&a.s.db).unwrap().len(), 0);
        a.bill("f2", 5); // 9.50: 95%
        let o = &orders::orders(&a.s.db).unwrap()[0];
        assert_eq!((o.key.as_str(), o.status, o.kind.as_str()), ("repeat:1001", Status::Pending, "automatic"));
        assert_eq!(a.reconcile().paid, 1);
        a.bill("f3", 3);
        a.bill("f4", 10); // takes the first card to 100%, spills onto the new one
        assert_eq!(a.reconcile().paid, 0);
        assert_eq!((a.bought(), a.charges()), (1, 1));
        assert_eq!(a.calls.keys(), ["repeat:1001"], "one call to the processor");
        let o = &orders::orders(&a.s.db).unwrap()[0];
        assert_eq!((o.status, o.new_card, o.trigger_card), (Status::Paid, Some(1002), Some(1001)));
        assert_eq!(a.log_events(), ["set", "ordered", "bought"]);
        let mails = a.mails();
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert!(mails[0].contains("card 1002 bought automatically (Starter, 20.00 USD)"), "{mails:?}");
        common::assert_sound(&mut a.s.db);
    }
}

on_both! {
    fn is_skipped_and_logged_when_another_open_card_still_holds_credit(backend) {
        let mut a = account(&backend, "4242424242424242", None);
        apply_card(&mut a.s.db, common::dec("5.00"), common::dec("0"), t("2026-11-02T00:00:00Z")).unwrap();
        a.bill("f1", 96);
        assert!(orders::orders(&a.s.db).unwrap().is_empty());
        assert_eq!(a.log_events(), ["set", "skipped"]);
        assert!(repeat::log(&a.s.db, 1).unwrap()[0].detail.contains("5.00 USD"));
        // The second card reaching 95% has no other credit behind it: it orders.
        a.bill("f2", 4 + 48);
        assert_eq!(orders::orders(&a.s.db).unwrap()[0].trigger_card, Some(1002));
    }
}

on_both! {
    fn a_decline_is_emailed_once_retried_at_1h_6h_24h_then_pauses(backend) {
        let mut a = account(&backend, "4000000000009995", None);
        a.bill("f1", 95);
        assert_eq!(a.reconcile().declined, 1);
        let o = orders::orders(&a.s.db).unwrap()[0].clone();
        assert_eq!((o.status, o.next_retry_at.as_deref()), (Status::Declined, Some("2026-11-24T11:00:00Z")));
        assert_eq!(a.mails().len(), 1);
        assert!(a.mails()[0].contains("automatic purchase failed"));

        // Not due yet: nothing happens.
        a.clock.set(t("2026-11-24T10:59:59Z"));
        assert_eq!(a.reconcile(), orders::ReconcileReport::default());
        for (at, next) in [
            ("2026-11-24T11:00:00Z", Some("2026-11-24T17:00:00Z")),
            ("2026-11-24T17:00:00Z", Some("2026-11-25T17:00:00Z")),
            ("2026-11-25T17:00:00Z", None),
        ] {
            a.clock.set(t(at));
            let r = a.reconcile();
            assert_eq!((r.retried, r.declined), (1, 1), "{at}");
            assert_eq!(orders::orders(&a.s.db).unwrap()[0].next_retry_at.as_deref(), next, "{at}");
        }
        let o = orders::orders(&a.s.db).unwrap()[0].clone();
        assert_eq!((o.status, o.attempts), (Status::Failed, 4));
        let r = repeat::show(&a.s.db).unwrap().unwrap();
        assert!(r.paused_reason.unwrap().contains("insufficient funds"));
        assert_eq!(a.mails().len(), 1, "emailed once");
        assert_eq!(a.log_events(), ["set", "ordered", "declined", "declined", "declined", "paused"]);
        a.clock.set(t("2026-12-30T00:00:00Z"));
        assert_eq!(a.reconcile(), orders::ReconcileReport::default(), "a failed order is never retried again");
        assert_eq!((a.bought(), a.charges()), (0, 0));
        assert_eq!(a.s.sandbox(Fault::None).approved_keys().unwrap().len(), 0);
        let keys = a.calls.keys();
        assert_eq!((keys.len(), a.calls.approved()), (4, 0), "the first charge and 3 retries, all declined: {keys:?}");
        assert_eq!(keys.iter().collect::<std::collections::BTreeSet<_>>().len(), 4, "each retry a new processor key");

        // While paused, a card reaching 95% orders nothing; resuming re-arms it.
        let now = t("2026-12-30T00:00:00Z");
        apply_card(&mut a.s.db, common::dec("10.00"), common::dec("0"), now).unwrap();
        a.bill("p1", 5 + 95); // card 1001 used up, card 1002 to 95%
        assert!(orders::orders(&a.s.db).unwrap().iter().all(|o| o.trigger_card != Some(1002)));
        let last = &repeat::log(&a.s.db, 1).unwrap()[0];
        assert_eq!((last.event.as_str(), last.card_id), ("skipped", Some(1002)), "{last:?}");
        // Resuming re-arms it and looks at once: the card in use is already at 95%, so it orders now.
        repeat::resume(&mut a.s.db, &common::tester(), now).unwrap();
        assert!(repeat::show(&a.s.db).unwrap().unwrap().paused_at.is_none());
        let o = orders::orders(&a.s.db).unwrap().into_iter().find(|o| o.trigger_card == Some(1002)).expect("re-armed");
        assert_eq!((o.key.as_str(), o.status), ("repeat:1002", Status::Pending));
    }
}

on_both! {
    fn the_monthly_cap_stops_automatic_purchases_and_says_so(backend) {
        let mut a = account(&backend, "4242424242424242", Some("30.00"));
        a.bill("f1", 95);
        assert_eq!(a.reconcile().paid, 1); // 20.00 of 30.00
        a.bill("f2", 5 + 190); // the new 20.00 card to 95%: 40.00 would pass the cap
        assert_eq!(a.reconcile().paid, 0);
        assert_eq!((a.bought(), a.calls.count()), (1, 1), "capped: no call to the processor");
        assert_eq!(a.log_events(), ["set", "ordered", "bought", "capped"]);
        let mails = a.mails();
        assert!(mails.last().unwrap().contains("monthly cap reached"), "{mails:?}");
        // Next month the cap starts again.
        a.clock.set(t("2026-12-01T00:00:00Z"));
        apply_card(&mut a.s.db, common::dec("20.00"), common::dec("0"), t("2026-12-01T00:00:00Z")).unwrap();
        a.bill("f3", 10 + 190); // 1.00 left on card 1002, then card 1003 to 95%
        assert_eq!(a.reconcile().paid, 1);
        assert_eq!((a.bought(), a.calls.count()), (2, 2));
    }
}

on_both! {
    fn credit_accounts_have_no_repeat_order(backend) {
        let mut s = common::account_on(&backend, faxcredit::account::AccountKind::Credit);
        let e = repeat::set(&mut s.db, "Starter", None, &common::tester(), t("2026-11-24T10:00:00Z")).unwrap_err();
        assert_eq!((e.code().as_str(), e.exit_code()), ("not_prepaid", 5));
    }
}

on_both! {
    /// Issue 13, item 1: a fax that crosses from 90% past 100% is refused, and the refusal orders the
    /// next card for the card in use; sent again, the fax bills on it. The quota email says a card is
    /// being bought; more refusals before it is paid order nothing more.
    fn a_refused_fax_orders_the_next_card_and_bills_on_it_when_sent_again(backend) {
        let mut a = account(&backend, "4242424242424242", None);
        a.bill("f1", 90); // 9.00 of 10.00: 90%, below the trigger
        let e = a.try_bill("f2", 15).unwrap_err(); // 1.50 with 1.00 left
        assert_eq!(e.code(), "quota_exceeded");
        let o = a.order("repeat:1001");
        assert_eq!((o.status, o.trigger_card, o.kind.as_str()), (Status::Pending, Some(1001), "automatic"));
        let quota = notify::messages(&a.s.db, 10).unwrap().into_iter().find(|m| m.kind == "quota_exceeded").unwrap();
        assert!(quota.body.contains("A new Starter card (20.00 USD) is being bought now"), "{}", quota.body);
        assert!(!quota.body.contains("set up a Repeat Order"), "{}", quota.body);
        assert_eq!(a.try_bill("f3", 20).unwrap_err().code(), "quota_exceeded");
        assert_eq!(orders::orders(&a.s.db).unwrap().len(), 1, "one order per card");

        assert_eq!(a.reconcile().paid, 1);
        let billed = a.try_bill("f2", 15).unwrap();
        assert_eq!(lines_of(&billed), [(1001, "1.0000".to_string()), (1002, "0.5000".to_string())]);
        assert_eq!((a.bought(), a.charges()), (1, 1));
        assert_eq!(a.log_events(), ["set", "ordered", "bought"]);
        common::assert_sound(&mut a.s.db);
    }
}

on_both! {
    /// Issue 13, item 2: a repeat order set, or resumed, while the card in use is already past 95%
    /// buys at once instead of waiting for a trigger that already passed.
    fn setting_or_resuming_the_repeat_order_past_95_percent_buys_at_once(backend) {
        let mut a = account(&backend, "4242424242424242", None);
        let now = a.now();
        repeat::remove(&mut a.s.db, &common::tester(), now).unwrap();
        a.bill("f1", 96);
        assert!(orders::orders(&a.s.db).unwrap().is_empty());
        let now = a.now();
        repeat::set(&mut a.s.db, "Starter", None, &common::tester(), now).unwrap();
        assert_eq!(a.order("repeat:1001").status, Status::Pending);
        assert_eq!(a.reconcile().paid, 1);
        assert_eq!(lines_of(&a.try_bill("f2", 10).unwrap()), [(1001, "0.4000".into()), (1002, "0.6000".into())]);

        // Declined on every retry, the repeat order pauses; a good card and Resume buy at once.
        let mut b = account(&backend, "4000000000009995", None);
        b.bill("f1", 95);
        assert_eq!(b.reconcile().declined, 1);
        for at in ["2026-11-24T11:00:00Z", "2026-11-24T17:00:00Z", "2026-11-25T17:00:00Z"] {
            b.clock.set(t(at));
            b.reconcile();
        }
        assert!(repeat::show(&b.s.db).unwrap().unwrap().paused_at.is_some());
        b.store_card("4242424242424242");
        let now = b.now();
        repeat::resume(&mut b.s.db, &common::tester(), now).unwrap();
        assert_eq!(b.reconcile().paid, 1);
        let o = b.order("repeat:1001");
        assert_eq!((o.status, o.attempts, o.card_last4.as_str()), (Status::Paid, 5, "4242"));
        assert_eq!(b.bought(), 1);
        common::assert_sound(&mut b.s.db);
    }
}

on_both! {
    /// Issue 13, item 3: the cap counts a declined order that waits for its retry, so a second card
    /// reaching 95% meanwhile does not order past the cap.
    fn the_cap_counts_the_accounts_month(backend) {
        // In Auckland, 11:30 UTC on 30 November is already 1 December: the cap starts again there,
        // though in UTC the month (and 20.00 of the 30.00 cap) would still be November's.
        let mut a = account(&backend, "4242424242424242", Some("30.00"));
        faxcredit::account::set_time_zone(
            &mut a.s.db,
            Some("Pacific/Auckland"),
            &faxcredit::audit::Actor::cli("test"),
            common::t("2026-01-01T00:00:00Z"),
        )
        .unwrap();
        a.clock.set(t("2026-11-30T10:00:00Z"));
        a.bill("f1", 95);
        assert_eq!(a.reconcile().paid, 1);
        a.clock.set(t("2026-11-30T11:30:00Z"));
        a.bill("f2", 5 + 190);
        assert_eq!(a.reconcile().paid, 1, "{:?}", a.log_events());
        assert_eq!(a.bought(), 2);
        let months: Vec<String> = orders::orders(&a.s.db)
            .unwrap()
            .into_iter()
            .filter(|o| o.kind == orders::OrderKind::Automatic)
            .map(|o| {
                a.s.db.conn().query_row("SELECT cap_month FROM orders WHERE id = ?1", &[&o.id], |r| r.get(0)).unwrap()
            })
            .collect();
        assert_eq!(months, ["2026-12", "2026-11"]);
    }
}

on_both! {
    fn a_declined_order_awaiting_its_retry_counts_against_the_cap(backend) {
        let mut a = account(&backend, "4000000000009995", Some("30.00"));
        a.bill("f1", 95);
        assert_eq!(a.reconcile().declined, 1); // 20.00 awaiting its retry
        let now = a.now();
        apply_card(&mut a.s.db, common::dec("10.00"), common::dec("0"), now).unwrap();
        a.bill("f2", 5 + 95); // card 1001 used up, card 1002 to 95%
        assert_eq!(orders::orders(&a.s.db).unwrap().len(), 1, "no second order past the cap");
        let log = repeat::log(&a.s.db, 1).unwrap().remove(0);
        assert_eq!((log.event.as_str(), log.card_id), ("capped", Some(1002)));
        assert!(log.detail.contains("20.00 USD bought automatically"), "{}", log.detail);

        // The manager stores a good card: the waiting order is retried at once, under the cap.
        a.store_card("4242424242424242");
        assert_eq!(a.reconcile().paid, 1);
        assert_eq!(a.bought_automatically(), 200_000);
        common::assert_sound(&mut a.s.db);
    }
}

on_both! {
    /// Issue 13, item 3: every retry asks the rule again: credit applied meanwhile, or a cap lowered
    /// below what the retry would spend, cancels it with the reason in the order and the log.
    fn every_retry_rechecks_the_cap_and_the_other_cards_and_a_cancelled_one_says_why(backend) {
        let mut a = account(&backend, "4000000000009995", None);
        a.bill("f1", 95);
        assert_eq!(a.reconcile().declined, 1);
        let now = a.now();
        apply_card(&mut a.s.db, common::dec("20.00"), common::dec("0"), now).unwrap();
        a.clock.set(t("2026-11-24T11:00:00Z"));
        assert_eq!(a.reconcile().retried, 0);
        let o = a.order("repeat:1001");
        assert_eq!(o.status, Status::Cancelled);
        assert!(o.reason.as_deref().unwrap().contains("other open cards hold 20.00 USD"), "{:?}", o.reason);
        assert_eq!(a.log_events().last().map(String::as_str), Some("cancelled"));
        assert_eq!((a.bought(), a.charges()), (0, 0));

        let mut b = account(&backend, "4000000000009995", Some("30.00"));
        b.bill("f1", 95);
        assert_eq!(b.reconcile().declined, 1);
        let now = b.now();
        repeat::set(&mut b.s.db, "Starter", Some(common::dec("10.00")), &common::tester(), now).unwrap();
        b.clock.set(t("2026-11-24T11:00:00Z"));
        assert_eq!(b.reconcile().retried, 0);
        let o = b.order("repeat:1001");
        assert_eq!(o.status, Status::Cancelled);
        assert!(o.reason.as_deref().unwrap().contains("monthly cap of 10.00 USD"), "{:?}", o.reason);
        assert_eq!((b.bought(), b.charges()), (0, 0));
    }
}

on_both! {
    /// Issue 13, item 4: a retry charged to a new card shows that card, not the declined one, and no
    /// decline reason once paid; the history keeps every attempt with its own card and outcome.
    fn each_attempt_records_the_card_it_charged_and_success_clears_the_decline(backend) {
        let mut a = account(&backend, "4000000000009995", None);
        a.bill("f1", 95);
        assert_eq!(a.reconcile().declined, 1);
        a.store_card("4242424242424242");
        assert_eq!(a.reconcile().paid, 1);
        let o = a.order("repeat:1001");
        assert_eq!((o.status, o.card_last4.as_str(), o.card_brand.as_str()), (Status::Paid, "4242", "Visa"));
        assert_eq!((o.reason.as_deref(), o.decline_code.as_deref()), (None, None));
        let tried: Vec<(i64, &str, &str)> =
            o.attempt_history.iter().map(|h| (h.n, h.card_last4.as_str(), h.outcome.as_str())).collect();
        assert_eq!(tried, [(1, "9995", "declined"), (2, "4242", "paid")]);
        assert!(o.attempt_history[0].reason.as_deref().unwrap().contains("insufficient funds"));
        assert_eq!(o.attempt_history[1].charge_key, "repeat:1001#2");
    }
}

// One import batch (one transaction, the cards' use added up in memory) that runs the first card
// past 95% while a second still holds credit, then runs the second past 95%: the trigger sees
// every fax billed before it in the batch, skips, then orders once.
on_both! {
    fn an_import_batch_crossing_95_percent_on_two_cards_skips_then_orders_once(backend) {
        let mut a = account(&backend, "4242424242424242", None);
        apply_card(&mut a.s.db, common::dec("5.00"), common::dec("0"), t("2026-11-02T00:00:00Z")).unwrap();
        let lines = ndjson(&[("i1", 50), ("i2", 46), ("i3", 4), ("i4", 30), ("i5", 18), ("i6", 1)]);
        let now = t("2026-11-24T10:00:00Z");
        let sum = faxcredit::import::import_reader(
            &mut a.s.db,
            lines.as_bytes(),
            faxcredit::import::Format::Ndjson,
            now,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(sum.billed, 6);
        assert_eq!(a.log_events(), ["set", "skipped", "ordered"]);
        let o = &orders::orders(&a.s.db).unwrap()[0];
        assert_eq!((o.key.as_str(), o.trigger_card), ("repeat:1002", Some(1002)));
        // 10.00 used on the first card, 4.90 of 5.00 on the second: exact, after one batch.
        assert_eq!(common::card(&mut a.s.db, 1001).used.to_string(), "10.0000");
        assert_eq!(common::card(&mut a.s.db, 1002).used.to_string(), "4.9000");
        let s = faxcredit::ledger::summary(&mut a.s.db, now, 90).unwrap();
        assert_eq!((s.spend_this_month.to_string(), s.faxes_this_month), ("14.9000".to_string(), 6));
        common::assert_sound(&mut a.s.db);
    }
}

// Issue 13, item 5: within one import, the faxes after the one that placed a repeat order bill
// on the card it bought, not only the next batch's.
on_both! {
    fn an_import_bills_the_faxes_after_a_repeat_purchase_on_the_new_card(backend) {
        let mut a = account(&backend, "4242424242424242", None);
        let lines = ndjson(&[("i1", 96), ("i2", 10), ("i3", 10), ("i4", 10), ("i5", 10)]);
        let (gw, secrets, now) = (a.s.sandbox(Fault::None), a.secrets.clone(), a.now());
        let mut bought = 0;
        let sum = faxcredit::import::import_reader_with(
            &mut a.s.db,
            lines.as_bytes(),
            faxcredit::import::Format::Ndjson,
            now,
            &mut |_| {},
            &mut |db| {
                let clock = FixedClock::new(now);
                let p = common::buying::purchaser(&gw, &secrets, &clock);
                bought += orders::reconcile(db, &p).unwrap().paid;
            },
        )
        .unwrap();
        assert_eq!(bought, 1);
        assert_eq!((sum.billed, sum.refused), (5, 0));
        assert_eq!(common::card(&mut a.s.db, 1001).used.to_string(), "10.0000");
        assert_eq!(common::card(&mut a.s.db, 1002).used.to_string(), "3.6000");
        common::assert_sound(&mut a.s.db);
    }
}

/// InterFAX records of bob's faxes (id, pages), one per line, as an import reads them.
fn ndjson(faxes: &[(&str, i64)]) -> String {
    faxes
        .iter()
        .map(|(id, pages)| {
            format!(
                "{{\"id\":\"{id}\",\"userId\":\"bob\",\"destinationFax\":\"+12125550100\",\
                 \"submitTime\":\"2026-11-24T09:00:00Z\",\"pagesSent\":{pages},\"status\":0}}\n"
            )
        })
        .collect()
}
