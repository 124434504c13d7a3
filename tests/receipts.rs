//! Receipts: every paid order has a PDF receipt whose text (read back with `pdftotext`, from
//! Debian's poppler-utils) holds every field finance asks for; numbers run 1, 2, 3 in the order
//! of payment; an order that is not paid has none; the receipt rides on the purchase email
//! when the account asks for it, through a real SMTP server on loopback.

mod common;

use std::path::Path;
use std::process::Command;

use common::smtp::SmtpServer;
use common::{t, Backend, TestDb};
use faxcredit::billing_details::{set_billing_details, BillingDetailsInput};
use faxcredit::orders::{self, Order, Status};
use faxcredit::payments::payment_method::{self, CardInput};
use faxcredit::payments::Fault;
use faxcredit::secrets::MemoryStore;
use faxcredit::time::FixedClock;

/// The manager these tests act as (written to the audit log).
fn manager() -> faxcredit::audit::Actor {
    faxcredit::audit::Actor::app("alice")
}

struct Shop {
    s: TestDb,
    secrets: MemoryStore,
    clock: FixedClock,
}

fn shop(backend: &Backend) -> Shop {
    let mut s = common::prepaid_on(backend);
    let secrets = MemoryStore::default();
    let input =
        CardInput { number: "4242424242424242".into(), expiry: "12/28".into(), holder: "Alice".into(), cvv: None };
    payment_method::set(&mut s.db, &secrets, &input, &manager(), t("2026-11-24T09:00:00Z")).unwrap();
    Shop { s, secrets, clock: FixedClock::new(t("2026-11-24T10:00:00Z")) }
}

impl Shop {
    fn buy(&mut self, package: &str, key: &str, po: Option<&str>) -> faxcredit::Result<Order> {
        let gw = self.s.sandbox(Fault::None);
        let p = common::buying::purchaser(&gw, &self.secrets, &self.clock);
        orders::purchase_with_po(&mut self.s.db, &p, package, key, false, po, &manager())
    }
    fn store_card(&mut self, number: &str) {
        let input = CardInput { number: number.into(), expiry: "12/28".into(), holder: "Alice".into(), cvv: None };
        payment_method::set(&mut self.s.db, &self.secrets, &input, &manager(), t("2026-11-24T09:30:00Z")).unwrap();
    }
}

/// The text of a PDF, as `pdftotext` reads it.
fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils; `cargo xtask deps` installs it)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn details(shop: &mut Shop) {
    let input = BillingDetailsInput {
        billing_address: Some("Müllerstraße 12\n10115 Berlin\nGermany".into()),
        tax_id: Some("DE 123456789".into()),
        email_receipts: None,
    };
    set_billing_details(&mut shop.s.db, &input, &manager(), t("2026-11-24T09:00:00Z")).unwrap();
}

on_both! {
    fn a_paid_order_has_a_pdf_receipt_whose_text_holds_every_field(backend) {
        let mut shop = shop(&backend);
        details(&mut shop);
        let o = shop.buy("Standard", "manual:r1", Some("PO-2026-0042")).unwrap();
        let file = shop.s.dir.path().join("receipt.pdf");
        let r = faxcredit::export::save_receipt(&shop.s.db, o.id, &file).unwrap();
        assert_eq!(r.number, 1);
        let text = pdf_text(&file);
        let charge = o.charge_id.clone().expect("a paid order has its charge id");
        for want in ["Receipt", "Test Co", "Müllerstraße 12", "10115 Berlin", "Tax ID: DE 123456789", "Visa •••• 4242"]
        {
            assert!(text.contains(want), "the receipt's text lacks {want:?}:\n{text}");
        }
        // Each label with its value on its line.
        for (label, value) in [
            ("Receipt number", "1".to_string()),
            ("Date", "2026-11-24".into()),
            ("Order", o.id.to_string()),
            ("PO reference", "PO-2026-0042".into()),
            ("Package", "Standard".into()),
            ("Credit bought", "52.50 USD (50.00 USD face value + 2.50 USD bonus)".into()),
            ("Prepaid card", o.new_card.unwrap().to_string()),
            ("Amount charged", "50.00 USD".into()),
            ("Paid with", "Visa •••• 4242".into()),
            ("Processor charge ID", charge.clone()),
        ] {
            let line = text.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("no {label:?} in:\n{text}"));
            let after = &line[line.find(label).unwrap() + label.len()..];
            let after = after.trim_start();
            assert!(after == value || after.starts_with(&format!("{value} ")), "{label}: {line:?}, want {value:?}");
        }
    }
}

on_both! {
    fn receipt_numbers_follow_the_order_of_payment_and_an_unpaid_order_has_none(backend) {
        let mut shop = shop(&backend);
        let first = shop.buy("Starter", "manual:a", None).unwrap();
        shop.store_card("4000000000009995"); // insufficient funds
        let declined = shop.buy("Business", "manual:b", None).unwrap_err();
        assert_eq!(declined.code(), "payment_declined");
        shop.store_card("4242424242424242");
        let second = shop.buy("Pro", "manual:c", None).unwrap();
        let number = |id| orders::receipt(shop.s.db.conn(), id).unwrap().number;
        assert_eq!((number(first.id), number(second.id)), (1, 2), "the declined order took no number");
        let b = orders::orders(&shop.s.db).unwrap().into_iter().find(|o| o.key == "manual:b").unwrap();
        assert_eq!(b.status, Status::Declined);
        let file = shop.s.dir.path().join("declined.pdf");
        let e = faxcredit::export::save_receipt(&shop.s.db, b.id, &file).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().starts_with(&format!("order: order {} is declined, not paid", b.id)), "{e}");
        assert!(!file.exists(), "nothing written for an order without a receipt");
        // Numbers are never changed nor deleted.
        assert!(shop.s.db.conn().execute("UPDATE receipts SET number = 9", &[]).is_err());
        assert!(shop.s.db.conn().execute("DELETE FROM receipts", &[]).is_err());
    }
}

on_both! {
    fn a_po_reference_that_cannot_be_printed_is_refused_before_any_order(backend) {
        let mut shop = shop(&backend);
        let e = shop.buy("Starter", "manual:x", Some(&"P".repeat(61))).unwrap_err();
        assert_eq!((e.code().as_str(), e.to_string().starts_with("po: ")), ("invalid_input", true), "{e}");
        assert!(orders::orders(&shop.s.db).unwrap().is_empty(), "no order written");
    }
}

on_both! {
    /// The CLI saves a paid order's receipt and refuses a declined one with exit 2 and one line.
    fn the_cli_saves_a_receipt_and_refuses_an_unpaid_order(backend) {
        let mut shop = shop(&backend);
        details(&mut shop);
        let o = shop.buy("Standard", "manual:cli", Some("PO-77")).unwrap();
        shop.store_card("4000000000000002");
        let _ = shop.buy("Starter", "manual:no", None);
        let declined = orders::orders(&shop.s.db).unwrap().into_iter().find(|o| o.key == "manual:no").unwrap();
        let bin = env!("CARGO_BIN_EXE_faxcredit");
        let db = shop.s.arg.clone();
        let file = shop.s.dir.path().join("r.pdf");
        let id = o.id.to_string();
        let out = common::cli_with_stdin(bin, &db, &["orders", "receipt", &id, "--out", file.to_str().unwrap()], "");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = pdf_text(&file);
        assert!(text.contains("PO-77") && text.contains("Tax ID: DE 123456789"), "{text}");
        let bad = shop.s.dir.path().join("bad.pdf");
        let id = declined.id.to_string();
        let out = common::cli_with_stdin(bin, &db, &["orders", "receipt", &id, "--out", bad.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("only a paid order has a receipt [invalid_input]"), "{err}");
        assert!(!bad.exists());
        let out = common::cli_with_stdin(bin, &db, &["purchase", "starter", "--po", &"x".repeat(61)], "");
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("faxcredit: po: "));
    }
}

on_both! {
    /// With receipts by email on, the automatic purchase's email carries the receipt PDF; a real
    /// SMTP server receives it and the PDF inside reads back.
    fn the_purchase_email_carries_the_receipt_when_asked(backend) {
        use faxcredit::notify::{self, EmailSettings, Security, SmtpMailer};
        for wanted in [true, false] {
            let mut shop = shop(&backend);
            details(&mut shop);
            let on = BillingDetailsInput { email_receipts: Some(wanted), ..Default::default() };
            set_billing_details(&mut shop.s.db, &on, &manager(), t("2026-11-24T09:00:00Z")).unwrap();
            faxcredit::ledger::apply_card(&mut shop.s.db, common::dec("1.00"), common::dec("0"), t("2026-11-01T00:00:00Z"))
                .unwrap();
            faxcredit::repeat::set(&mut shop.s.db, "starter", None, &manager(), t("2026-11-01T00:00:00Z")).unwrap();
            // A second mailbox for purchases: its copy carries the receipt too.
            notify::add_recipient(
                &mut shop.s.db,
                "finance@shop.example",
                Some(notify::Only::Purchases),
                &manager(),
                t("2026-11-01T00:00:00Z"),
            )
            .unwrap();
            faxcredit::billing::bill(&mut shop.s.db, &common::fax("f1", 10), t("2026-11-24T10:00:00Z")).unwrap();
            let gw = shop.s.sandbox(Fault::None);
            let p = common::buying::purchaser(&gw, &shop.secrets, &shop.clock);
            let r = orders::reconcile(&mut shop.s.db, &p).unwrap();
            assert_eq!(r.paid, 1, "the repeat order bought a card");
            let server = SmtpServer::start();
            let settings = EmailSettings {
                host: "127.0.0.1".into(),
                port: server.port(),
                security: Security::None,
                username: None,
                from: "fax-credit@test.example".into(),
            };
            let mailer = SmtpMailer::new(&settings, None).unwrap();
            let sent = notify::deliver_due(&mut shop.s.db, &shop.clock, Some(&mailer)).unwrap();
            let got: Vec<_> = server.received().into_iter().filter(|m| m.data.contains("bought automatically")).collect();
            assert_eq!(got.len(), 2, "the account email and finance, {} sent", sent.sent);
            if wanted {
                assert!(got[1].data.contains("filename=\"receipt-1.pdf\""), "finance's copy carries the receipt");
            }
            let data = &got[0].data;
            assert!(data.contains("bought automatically"), "the purchase email");
            if !wanted {
                assert!(!data.contains("application/pdf"), "no receipt unless asked");
                continue;
            }
            assert!(data.contains("multipart/mixed"), "{data}");
            assert!(data.contains("filename=\"receipt-1.pdf\""), "{data}");
            let pdf = attachment(data);
            let file = shop.s.dir.path().join("mailed.pdf");
            std::fs::write(&file, pdf).unwrap();
            let text = pdf_text(&file);
            assert!(text.contains("Starter") && text.contains("Receipt number") && text.contains("Test Co"), "{text}");
        }
    }
}

/// The base64 body of the message's PDF part, decoded.
fn attachment(data: &str) -> Vec<u8> {
    let at = data.find("Content-Type: application/pdf").expect("a PDF part");
    let part = &data[at..];
    let body_start = part.find("\r\n\r\n").unwrap() + 4;
    let body = &part[body_start..];
    let end = body.find("\r\n--").unwrap_or(body.len());
    let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    decode_base64(&b64)
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|&b| b != b'=').map(val).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &v)| acc | (u32::from(v) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}
