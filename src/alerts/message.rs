//! The low-credit alert: one outbox message for the levels a billed fax crossed, written in the
//! billing transaction (after the biller has written the cards' use and the day's spend), to the
//! account email and the recipients of alerts.

use super::crossing::{days_left, Crossing};
use super::levels::{lasts_words, percent_text, recent_spend, remaining_in, window_words};
use crate::error::Result;
use crate::money::fmt_for_people;
use crate::notify::outbox::{enqueue, MessageKind};
use crate::sql::Conn;
use crate::time::Timestamp;

/// Queues the alert for `crossings` (not empty); returns the outbox id.
pub(crate) fn queue(tx: Conn<'_>, crossings: &[Crossing], now: Timestamp) -> Result<i64> {
    let (name, currency, kind): (String, String, String) =
        tx.query_row("SELECT name, currency, kind FROM account WHERE id = 1", &[], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let credit = kind == "credit";
    let money = |v: i64| fmt_for_people(v, &currency);
    let remaining = remaining_in(tx)?;
    let (spent, days) = recent_spend(tx, now)?;
    let whose = if credit { "This month's credit" } else { "The credit" };

    let mut why = Vec::new();
    for c in crossings {
        match *c {
            Crossing::Amount { level } => why.push(format!("It fell to your alert level of {}.", money(level))),
            Crossing::Percent { level, card } => {
                let (used, original): (i64, i64) =
                    tx.query_row("SELECT used, original_balance FROM cards WHERE id = ?1", &[&card], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                why.push(if used >= original {
                    format!("Card {card} passed your alert level of {}% used and is used up.", percent_text(level))
                } else {
                    format!(
                        "Card {card} reached your alert level of {}% used: {} of its {} left.",
                        percent_text(level),
                        money(original - used),
                        money(original)
                    )
                });
            }
        }
    }
    let window = window_words(days);
    let pace = match days_left(remaining, spent, days) {
        None => format!("No faxes were billed in {window}, so there is no recent pace to say how long it lasts."),
        Some(d) => format!(
            "At the average spend of {window} ({} a day), that lasts {}.",
            fmt_for_people(spent / days, &currency),
            lasts_words(d, now)
        ),
    };
    let subject = format!("Fax Credit: low credit on {name}: {} left", money(remaining));
    let body = format!(
        "{whose} of the account {name} is low: {} left on the open cards. {} {pace}\r\n\r\n{}\r\n\r\n\
         You get this alert once each time the credit crosses one of your levels. Change them in Fax Credit \
         (Settings > Alerts) or with `faxcredit alerts set`.\r\n",
        money(remaining),
        why.join(" "),
        what_now(tx, credit, now)?,
    );
    enqueue(tx, MessageKind::LowCredit, &subject, &body, now)
}

/// What comes next: the month's renewal (credit accounts), the repeat order, or what to do.
fn what_now(tx: Conn<'_>, credit: bool, now: Timestamp) -> Result<String> {
    if credit {
        return Ok(format!(
            "The month's credit renews on {}. Until then, faxes are refused with 205000 - Quota Exceeded once it \
             is used up.",
            {
                let zone = crate::account::time_zone(tx)?;
                zone.day(&zone.start_of_next_month(&now)).format("%Y-%m-%d")
            }
        ));
    }
    let repeat: Option<(String, Option<String>)> = tx.query_opt(
        "SELECT p.name, r.paused_reason FROM repeat_order r JOIN packages p ON p.id = r.package_id WHERE r.id = 1",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(match repeat {
        Some((package, None)) => {
            format!("Your repeat order buys a {package} card automatically when the card in use reaches 95% used.")
        }
        Some((package, Some(why))) => format!(
            "Your repeat order ({package}) is paused ({why}): resume it, or buy credit in Fax Credit \
             (Settings > Outbound Fax Credit > Purchase)."
        ),
        None => "Buy credit in Fax Credit (Settings > Outbound Fax Credit > Purchase), or set up a Repeat Order \
                 so that a new card is bought automatically at 95% use."
            .to_string(),
    })
}
