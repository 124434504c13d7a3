//! The repeat order under races and crashes: writers crossing 95% at once, reconcilers racing,
//! a process dying between the order and the charge or the charge and its record; and on the
//! real binary, gateway processes crossing 95% at once. One card, one charge, always.

mod common;

use common::buying::account;
use common::counting::Counting;
use common::t;
use faxcredit::billing::bill;
use faxcredit::orders::{self, Crash};
use faxcredit::payments::{Fault, Sandbox};
use faxcredit::time::FixedClock;
use faxcredit::Db;

on_both! {
    fn crashes_between_order_and_charge_or_charge_and_record_still_buy_exactly_once(backend) {
        // The order is committed with the fax that crossed 95%; a process that dies before charging
        // simply never reconciles. One that dies after the charge leaves it charged, not recorded.
        for crash in [None, Some(Crash::AfterCharge)] {
            let mut a = account(&backend, "4242424242424242", None);
            a.bill("f1", 96);
            if crash.is_some() {
                a.reconcile_with(crash);
                assert_eq!((a.charges(), a.calls.count()), (1, 1));
            }
            assert_eq!(a.bought(), 0, "{crash:?}");
            assert_eq!(a.reconcile().paid, 1, "{crash:?}");
            assert_eq!(a.reconcile().paid, 0, "{crash:?}");
            assert_eq!((a.bought(), a.charges()), (1, 1), "{crash:?}");
            // The protocol called the processor once, or, after dying past the charge, once more
            // with the same key (answered with the first answer); never after the card was bought.
            let calls = if crash.is_some() { 2 } else { 1 };
            assert_eq!(a.calls.keys(), vec!["repeat:1001"; calls], "{crash:?}");
        }
    }
}

on_both! {
    fn several_writers_crossing_95_percent_at_once_order_one_card(backend) {
        let a = account(&backend, "4242424242424242", None);
        let at = a.s.location();
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let at = at.clone();
                std::thread::spawn(move || {
                    let mut db = Db::open(&at).unwrap();
                    let (mut billed, mut refused) = (0, 0);
                    for i in 0..30 {
                        match bill(&mut db, &common::fax(&format!("w{w}-{i}"), 1), t("2026-11-24T10:00:00Z")) {
                            Ok(faxcredit::ledger::Outcome::Billed { .. }) => billed += 1,
                            Err(e) if e.code() == "quota_exceeded" => refused += 1,
                            other => panic!("writer {w}, fax {i}: {other:?}"),
                        }
                    }
                    (billed, refused)
                })
            })
            .collect();
        let counts: Vec<(i32, i32)> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        // 120 faxes of 0.10 against 10.00, no card bought meanwhile: 100 billed, whoever sent them,
        // and 20 refused; none failed on the order another writer placed.
        let billed: i32 = counts.iter().map(|c| c.0).sum();
        let refused: i32 = counts.iter().map(|c| c.1).sum();
        assert_eq!((billed, refused), (100, 20), "{counts:?}");
        let mut a = a;
        let list = orders::orders(&a.s.db).unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!((list[0].key.as_str(), list[0].trigger_card), ("repeat:1001", Some(1001)));
        assert_eq!(common::card(&mut a.s.db, 1001).used.to_string(), "10.0000");
        // Four writers reconcile at once: still one card, one charge.
        let recon: Vec<_> = (0..4)
            .map(|_| {
                let (at, secrets, calls) = (at.clone(), a.secrets.clone(), a.calls.clone());
                std::thread::spawn(move || {
                    let mut db = Db::open(&at).unwrap();
                    let gw = Counting { inner: Sandbox::for_ledger(&at, Fault::None), calls };
                    let clock = FixedClock::new(t("2026-11-24T10:00:00Z"));
                    let p = common::buying::purchaser(&gw, &secrets, &clock);
                    orders::reconcile(&mut db, &p).unwrap()
                })
            })
            .collect();
        let paid: u32 = recon.into_iter().map(|r| r.join().unwrap().paid).sum();
        assert!(paid >= 1);
        assert_eq!((a.bought(), a.charges()), (1, 1));
        // Reconcilers racing may each ask the processor, always with the order's one key.
        let keys = a.calls.keys();
        assert!((1..=4).contains(&keys.len()) && keys.iter().all(|k| k == "repeat:1001"), "{keys:?}");
        common::assert_sound(&mut a.s.db);
        assert_eq!(a.reconcile(), orders::ReconcileReport::default(), "nothing left to do");
        assert_eq!(a.calls.count(), keys.len(), "and no call once bought");
    }
}

/// The real binary, as the gateways run it.
const BIN: &str = env!("CARGO_BIN_EXE_faxcredit");

/// Four gateways bill in one private keyring session (the CLI keeps the payment card only in a
/// real keyring). Each bills its faxes one process per fax, and sends a refused fax again, as a
/// gateway does (up to 5 times). Prints `<fax id> <exit code>` a line in `dir/gateway-N.out`, its
/// errors in `gateway-N.err`.
const GATEWAYS: &str = r#"
set -u
printf '4242424242424242\n12/30\nRace Test\n' | "$BIN" --db "$DB" payment-card set >/dev/null || exit 91
for g in 1 2 3 4; do
  (
    for i in $(seq 1 "$FAXES"); do
      for try in 1 2 3 4 5; do
        "$BIN" --db "$DB" bill --id "g$g-$i" --user bob --to "+1 212 555 0100" --pages 1 --at 2026-11-24T10:00:00Z >/dev/null
        rc=$?
        [ "$rc" -ne 3 ] && break
      done
      echo "g$g-$i $rc"
    done
  ) >"$DIR/gateway-$g.out" 2>"$DIR/gateway-$g.err" &
done
wait
"#;

on_both! {
    /// Four gateway processes bill at once across 95% of the card (issue 15: the repeat order
    /// under racing gateways): whichever fax crosses places the order, once (`repeat:<card>` is
    /// unique), and every process that finds it pending when it starts or ends races to charge it
    /// with the order's one key: one order, one charge, one card; every fax billed once.
    fn four_gateway_processes_crossing_95_percent_buy_one_card_with_one_charge(backend) {
        let mut s = common::prepaid_on(&backend);
        let at = t("2026-11-24T09:00:00Z");
        faxcredit::ledger::apply_card(&mut s.db, common::dec("10.00"), common::dec("0"), at).unwrap();
        faxcredit::repeat::set(&mut s.db, "starter", None, &common::tester(), at).unwrap();
        bill(&mut s.db, &common::fax("before", 90), at).unwrap(); // 9.00 of 10.00: 90%
        let env: [(&str, &std::ffi::OsStr); 5] = [
            ("BIN", BIN.as_ref()),
            ("DB", &s.arg),
            ("DIR", s.dir.path().as_os_str()),
            ("FAXES", "5".as_ref()),
            ("FAXCREDIT_NOW", "2026-11-24T10:00:00Z".as_ref()),
        ];
        let Some(run) = common::keyring::in_private_keyring(module_path!(), s.dir.path(), GATEWAYS, &env) else {
            return;
        };
        assert!(run.status.success(), "the gateways' session: {}", String::from_utf8_lossy(&run.stderr));
        let (mut results, mut refused, mut charging) = (Vec::new(), 0, 0);
        for g in 1..=4 {
            let read = |ext: &str| std::fs::read_to_string(s.dir.path().join(format!("gateway-{g}.{ext}"))).unwrap();
            results.extend(read("out").lines().map(str::to_string));
            for line in read("err").lines() {
                refused += usize::from(line.ends_with("[quota_exceeded]"));
                charging += usize::from(line.starts_with("faxcredit: finished pending orders"));
                let known = line.ends_with("[quota_exceeded]") || line.starts_with("faxcredit: finished pending orders");
                assert!(known, "gateway {g}: {line}");
            }
        }
        eprintln!("{}: {refused} refusals sent again, {charging} processes charged the order", backend.name());
        assert_eq!(results.len(), 20, "{results:?}");
        assert!(results.iter().all(|r| r.ends_with(" 0")), "every fax billed in the end: {results:?}");
        let list = orders::orders(&s.db).unwrap();
        assert_eq!(list.len(), 1, "one order: {list:?}");
        assert_eq!((list[0].key.as_str(), list[0].status), ("repeat:1001", orders::Status::Paid));
        assert_eq!(s.sandbox(Fault::None).approved_keys().unwrap(), ["repeat:1001"], "one charge");
        assert_eq!(s.count("SELECT count(*) FROM cards WHERE source = 'purchase'"), 1, "one card");
        assert_eq!(s.count("SELECT count(*) FROM faxes"), 21);
        assert_eq!(common::card(&mut s.db, 1001).used.to_string(), "10.0000");
        assert_eq!(common::card(&mut s.db, 1002).used.to_string(), "1.0000");
        common::assert_sound(&mut s.db);
    }
}
