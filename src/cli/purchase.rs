//! `payment-card set | show | remove`, `packages`, `purchase PACKAGE`, `orders [export]`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use clap::Subcommand;

use super::io::{actor, print_json};
use super::secrets::with_purchaser;
use faxcredit::db::Db;
use faxcredit::error::{Error, Result};
use faxcredit::payments::payment_method::{self, CardInput};
use faxcredit::time::Timestamp;

#[derive(Debug, Subcommand)]
pub enum PaymentCardCommand {
    /// Store the card: number, expiry (MM/YY), holder and, optionally, the CVV (checked, never
    /// stored) on standard input, one a line. Only the OS keyring keeps it.
    Set,
    /// Show the brand, last four digits and expiry of the stored card.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Remove the stored card from the keyring.
    Remove,
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Save the PDF receipt of a paid order.
    Receipt {
        /// The order's id (`faxcredit orders` lists them).
        id: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
    },
    /// Export the order history to CSV.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Leave out the UTF-8 byte-order mark (written by default so Excel reads the file as UTF-8).
        #[arg(long)]
        no_bom: bool,
    },
}

fn read_lines(n: usize) -> Result<Vec<String>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("card number, expiry (MM/YY), holder, CVV: one a line");
    }
    let mut lines = Vec::new();
    for line in stdin.lock().lines().take(n) {
        lines.push(line?.trim_end_matches('\r').to_string());
    }
    Ok(lines)
}

pub fn payment_card(path: &faxcredit::db::Location, cmd: PaymentCardCommand, now: Timestamp) -> Result<i32> {
    let mut db = Db::open(path)?;
    match cmd {
        PaymentCardCommand::Set => {
            let mut l = read_lines(4)?.into_iter();
            let mut next = |field: &str| {
                l.next()
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| Error::invalid(field, "missing on standard input"))
            };
            let number = next("number")?;
            let expiry = next("expiry")?;
            let holder = next("holder")?;
            let cvv = next("cvv").ok();
            let input = CardInput { number, expiry, holder, cvv };
            // Check before touching the keyring, so a typo never needs one.
            payment_method::validate(&input, now)?;
            let store = super::services().secrets(&mut db)?;
            let c = payment_method::set(&mut db, store.as_ref(), &input, &actor(), now)?;
            outln!("payment card stored in the system keyring: {} •••• {}, expires {}", c.brand, c.last4, c.expiry);
        }
        PaymentCardCommand::Show { json } => {
            let c = payment_method::on_file(&db, now)?;
            if json {
                print_json(&c)?;
            } else if let Some(c) = c {
                let note = if c.expired { " (expired)" } else { "" };
                outln!("{} •••• {}, expires {}{note}", c.brand, c.last4, c.expiry);
            } else {
                outln!("no payment card on file");
            }
        }
        PaymentCardCommand::Remove => {
            let store = super::services().secrets(&mut db)?;
            let removed = payment_method::remove(&mut db, store.as_ref(), &actor(), now)?;
            outln!("{}", if removed { "payment card removed" } else { "there was no payment card" });
        }
    }
    Ok(0)
}

pub fn packages(path: &faxcredit::db::Location, json: bool) -> Result<i32> {
    let db = Db::open(path)?;
    let acct = faxcredit::account::account(&db)?;
    let list: Vec<_> = faxcredit::catalog::packages(&db)?.into_iter().filter(|p| p.active).collect();
    let rate = faxcredit::rates::main_rate(&db)?;
    if json {
        let rows: Vec<_> = list
            .iter()
            .map(|p| {
                serde_json::json!({
                    "id": p.id, "name": p.name, "price": p.face_value.to_string(), "bonus": p.bonus.to_string(),
                    "credit": p.original_balance.to_string(),
                    "price_per_page": faxcredit::rates::price_per_page(p, &rate).map(|d| d.to_string()),
                })
            })
            .collect();
        return print_json(&rows).map(|()| 0);
    }
    outln!("{:<4} {:<12} {:>10} {:>10} {:>10} {:>14}", "ID", "PACKAGE", "PRICE", "BONUS", "CREDIT", "PER PAGE");
    for p in &list {
        let per = faxcredit::rates::price_per_page(p, &rate).map(|d| d.to_string()).unwrap_or_default();
        outln!(
            "{:<4} {:<12} {:>10} {:>10} {:>10} {:>14}",
            p.id,
            p.name,
            p.face_value,
            p.bonus,
            p.original_balance,
            per
        );
    }
    outln!(
        "({} {}; per page at the main rate, {} a page)",
        acct.currency,
        if acct.kind == faxcredit::account::AccountKind::Credit {
            "credit account: packages cannot be bought"
        } else {
            "prepaid"
        },
        rate.cost_per_unit
    );
    Ok(0)
}

pub fn purchase(path: &faxcredit::db::Location, package: &str, key: Option<String>, po: Option<String>) -> Result<i32> {
    // A bad PO reference is refused before anything else.
    let po = po.as_deref().map(faxcredit::orders::receipt::validate_po).transpose()?.flatten();
    let mut db = Db::open(path)?;
    faxcredit::account::require_prepaid(db.conn(), "buying credit")?;
    let key = key.unwrap_or_else(new_key);
    let o = with_purchaser(&mut db, |db, p| {
        faxcredit::orders::purchase_with_po(db, p, package, &key, false, po.as_deref(), &actor())
    })?;
    // The charge in the currency's two decimals, as the receipt and the emails say it.
    let charged = faxcredit::money::parse_amount(&o.amount, "amount")
        .and_then(|d| faxcredit::money::to_units(d, "amount"))
        .map(|u| faxcredit::money::fmt_for_people(u, &o.currency))
        .unwrap_or_else(|_| format!("{} {}", o.amount, o.currency));
    outln!(
        "card {} bought: {} for {charged} with {} •••• {} (order {})",
        o.new_card.unwrap_or_default(),
        o.package,
        o.card_brand,
        o.card_last4,
        o.id
    );
    Ok(0)
}

/// A fresh purchase key: time and randomness, so two purchases never share one.
fn new_key() -> String {
    use argon2::password_hash::{rand_core::OsRng, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    format!("manual:{}", salt.as_str().chars().filter(char::is_ascii_alphanumeric).collect::<String>())
}

pub fn orders(path: &faxcredit::db::Location, cmd: Option<OrdersCommand>, json: bool) -> Result<i32> {
    let db = Db::open(path)?;
    match cmd {
        Some(OrdersCommand::Receipt { id, out }) => {
            let id: i64 =
                id.trim().parse().map_err(|_| Error::invalid("order", format!("{id:?} is not an order id")))?;
            let r = faxcredit::export::save_receipt(&db, id, &out)?;
            outln!("receipt {} of order {} saved to {}", r.number, r.order_id, out.display());
        }
        Some(OrdersCommand::Export { out, no_bom }) => {
            let n = faxcredit::export::export_orders_with(&db, &out, faxcredit::export::CsvOptions { bom: !no_bom })?;
            outln!("exported {n} orders to {}", out.display());
        }
        None => {
            let list = faxcredit::orders::orders(&db)?;
            if json {
                return print_json(&list).map(|()| 0);
            }
            if list.is_empty() {
                outln!("no orders yet");
            }
            for o in &list {
                let card = o.new_card.map(|c| format!("card {c}")).unwrap_or_default();
                let why = o.reason.as_deref().unwrap_or("");
                outln!(
                    "{:>5}  {}  {:<9}  {:<10}  {:>10} {}  {} •••• {}  {:<8}  {card} {why}",
                    o.id,
                    o.created_at,
                    o.kind.as_str(),
                    o.package,
                    o.amount,
                    o.currency,
                    o.card_brand,
                    o.card_last4,
                    o.status.as_str()
                );
                if o.attempt_history.len() > 1 {
                    for a in &o.attempt_history {
                        outln!(
                            "       attempt {}  {}  {} •••• {}  {}  {}",
                            a.n,
                            a.started_at,
                            a.card_brand,
                            a.card_last4,
                            a.outcome,
                            a.reason.as_deref().unwrap_or("")
                        );
                    }
                }
            }
        }
    }
    Ok(0)
}
