//! `report --from DAY --to DAY --by user|country|day`: who spent the credit.

use std::path::PathBuf;

use super::io::print_json;
use super::output;
use faxcredit::db::Db;
use faxcredit::error::Result;
use faxcredit::export::CsvOptions;
use faxcredit::report::{spend_report, GroupBy, Range};

pub struct ReportArgs {
    pub from: String,
    pub to: String,
    pub by: String,
    pub json: bool,
    pub out: Option<PathBuf>,
    pub no_bom: bool,
}

pub fn report(path: &faxcredit::db::Location, a: ReportArgs) -> Result<i32> {
    let range = Range::parse(&a.from, &a.to)?;
    let by = GroupBy::parse(&a.by)?;
    if let Some(out) = &a.out {
        faxcredit::export::check_target(out)?;
    }
    let mut db = Db::open(path)?;
    let r = spend_report(&mut db, range, by)?;
    if let Some(out) = &a.out {
        let n = faxcredit::export::export_report(&db, &r, out, CsvOptions { bom: !a.no_bom })?;
        outln!("exported {n} rows to {} (total {} {})", out.display(), r.total, r.currency);
        return Ok(0);
    }
    if a.json {
        return print_json(&r).map(|()| 0);
    }
    let head = match by {
        GroupBy::User => "USER",
        GroupBy::Country => "COUNTRY",
        GroupBy::Day => "DAY",
    };
    let mut rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| {
            let name = match by {
                GroupBy::Country if !row.key.is_empty() => format!("{} (+{})", row.label, row.key),
                _ => row.label.clone(),
            };
            vec![name, row.faxes.to_string(), row.pages.to_string(), row.amount.to_string()]
        })
        .collect();
    rows.push(vec!["TOTAL".into(), r.faxes.to_string(), r.pages.to_string(), r.total.to_string()]);
    out!(
        "{}",
        output::table(
            &[head, "FAXES", "PAGES", &format!("AMOUNT ({})", r.currency)],
            &[false, true, true, true],
            &rows
        )
    );
    let zone = r.time_zone.as_deref().unwrap_or("the computer's zone");
    outln!("(faxes submitted {} to {}, days in {zone})", r.from, r.to);
    Ok(0)
}
