//! Human tables and machine JSON for the CLI.

use serde::Serialize;

use faxcredit::ledger::{ActivityLine, Card};

/// The card of DESIGN.md §4's JSON, exactly those fields.
#[derive(Serialize)]
pub struct CardJson<'a> {
    id: i64,
    issue_date: &'a str,
    close_date: Option<&'a str>,
    package: Option<&'a str>,
    face_value: String,
    bonus: String,
    original_balance: String,
    used: String,
    balance: String,
    percent_used: String,
    status: &'static str,
    previous_card: Option<i64>,
}

impl<'a> From<&'a Card> for CardJson<'a> {
    fn from(c: &'a Card) -> Self {
        CardJson {
            id: c.id,
            issue_date: &c.issue_date,
            close_date: c.close_date.as_deref(),
            package: c.package.as_deref(),
            face_value: c.face_value.to_string(),
            bonus: c.bonus.to_string(),
            original_balance: c.original_balance.to_string(),
            used: c.used.to_string(),
            balance: c.balance.to_string(),
            percent_used: c.percent_used.to_string(),
            status: c.status.as_str(),
            previous_card: c.previous_card,
        }
    }
}

fn date(s: &str) -> &str {
    s.get(..10).unwrap_or(s)
}

/// Left-aligned text columns, right-aligned number columns.
pub fn table(headers: &[&str], right: &[bool], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let mut parts = Vec::with_capacity(cells.len());
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            parts.push(if right[i] { format!("{}{c}", " ".repeat(pad)) } else { format!("{c}{}", " ".repeat(pad)) });
        }
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>(), &mut out);
    for r in rows {
        line(r, &mut out);
    }
    out
}

pub fn cards_table(cards: &[Card]) -> String {
    let rows: Vec<Vec<String>> = cards
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                date(&c.issue_date).to_string(),
                c.close_date.as_deref().map(date).unwrap_or("").to_string(),
                c.package.clone().unwrap_or_else(|| "custom".into()),
                c.face_value.to_string(),
                c.bonus.to_string(),
                c.original_balance.to_string(),
                c.used.to_string(),
                c.balance.to_string(),
                format!("{}%", c.percent_used),
                c.status.as_str().to_string(),
                c.previous_card.map(|p| p.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "CARD", "ISSUED", "CLOSED", "PACKAGE", "FACE", "BONUS", "ORIGINAL", "USED", "BALANCE", "USED%", "STATUS",
            "PREVIOUS",
        ],
        &[true, false, false, false, true, true, true, true, true, true, false, true],
        &rows,
    )
}

pub fn activity_rows(lines: &[ActivityLine]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|l| {
            vec![
                l.submit_time.clone(),
                l.fax_id.clone(),
                l.user.clone(),
                l.destination.clone(),
                l.pages_sent.to_string(),
                l.duration.to_string(),
                l.units.to_string(),
                l.cost_per_unit.to_string(),
                format!("{}{}", l.amount, if l.split { "*" } else { "" }),
                l.status.to_string(),
                l.subject.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

pub const ACTIVITY_HEADERS: [&str; 11] = [
    "SUBMITTED (UTC)",
    "FAX",
    "USER",
    "DESTINATION",
    "PAGES",
    "SECONDS",
    "UNITS",
    "PER UNIT",
    "AMOUNT",
    "STATUS",
    "SUBJECT",
];
pub const ACTIVITY_RIGHT: [bool; 11] = [false, false, false, false, true, true, true, true, true, true, false];
