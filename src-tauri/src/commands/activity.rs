//! View Activity: one keyset page of a card's lines, and the count and amount of what its
//! filters show.

use faxcredit::ledger::{ActivityFilter, ActivityPage, ActivityQuery, ActivityTotals, Sort, TimeKey};
use faxcredit::time::parse_ts;
use faxcredit::{Db, Error, ErrorBody};
use serde::Deserialize;
use tauri::State;

use crate::state::AppState;

/// View Activity's filters as the page sends them: empty strings are no filter. The page picks
/// days (`from_day`, `to_day`, both included), which are the account's days, the spend chart's;
/// `from` and `to` are instants (RFC 3339) for callers that have them.
#[derive(Debug, Default, Deserialize)]
pub struct FilterInput {
    pub user: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub from_day: Option<String>,
    #[serde(default)]
    pub to_day: Option<String>,
    #[serde(default)]
    pub search: Option<String>,
}

impl FilterInput {
    pub fn parse(self, db: &Db) -> Result<ActivityFilter, Error> {
        let given = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        ActivityFilter {
            user: given(self.user),
            from: given(self.from).map(|s| parse_ts(&s, "from")).transpose()?,
            to: given(self.to).map(|s| parse_ts(&s, "to")).transpose()?,
            search: given(self.search),
        }
        .on_days(db.conn(), given(self.from_day).as_deref(), given(self.to_day).as_deref())
    }
}

#[derive(Debug, Deserialize)]
pub struct PageInput {
    pub card_id: i64,
    pub before: Option<i64>,
    pub limit: i64,
    #[serde(flatten)]
    pub filter: FilterInput,
    #[serde(default)]
    pub sort: Sort,
    #[serde(default)]
    pub after: Option<TimeKey>,
    #[serde(default)]
    pub skip: i64,
}

#[tauri::command]
pub fn activity_page(state: State<'_, AppState>, input: PageInput) -> Result<ActivityPage, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| {
        let f = input.filter.parse(db)?;
        let q = ActivityQuery {
            card_id: input.card_id,
            before: input.before,
            limit: input.limit,
            user: f.user,
            from: f.from,
            to: f.to,
            search: f.search,
            sort: input.sort,
            after: input.after,
            skip: input.skip,
        };
        faxcredit::ledger::activity_page(db, &q)
    })
}

#[tauri::command]
pub fn activity_totals(
    state: State<'_, AppState>,
    card_id: i64,
    filter: FilterInput,
) -> Result<ActivityTotals, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| {
        let filter = filter.parse(db)?;
        faxcredit::ledger::activity_totals(db, card_id, &filter)
    })
}
