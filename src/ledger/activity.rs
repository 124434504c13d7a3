//! Reading a card's activity: pages by keyset, in billing order (by line number) or in the
//! faxes' submit-time order (by submit time and line number, on an index); filtered by user,
//! dates and words; and the count and amount of what a filter shows.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ledger::cards::{card, Card};
use crate::money;
use crate::sql::{Backend, Conn, Row, ToValue, Value};
use crate::time::{ceil_second, fmt_ts, Timestamp};

pub const MAX_PAGE: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityLine {
    /// The line's number on its card (1 = the first fax billed to it): the keyset cursor.
    pub line_no: i64,
    pub card_id: i64,
    pub fax_id: String,
    pub submit_time: String,
    pub completion_time: Option<String>,
    pub user: String,
    pub destination: String,
    pub pages_submitted: i64,
    pub pages_sent: i64,
    pub duration: i64,
    pub units: Decimal,
    pub cost_per_unit: Decimal,
    /// The part of the fax billed to this card.
    pub amount: Decimal,
    pub fax_cost: Decimal,
    /// True when the fax was split across two cards.
    pub split: bool,
    pub status: i64,
    pub subject: Option<String>,
}

/// The order of a card's lines. `Billing` is the order they were billed in (`n`: the CLI's and
/// the export's order); the time sorts follow the faxes' submit times, ties by `n`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Billing,
    Newest,
    Oldest,
}

/// A line's place in submit-time order: the keyset of the time sorts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeKey {
    pub submit_time: String,
    pub n: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    pub card_id: i64,
    /// `Billing` sort: lines numbered below this (the previous page's `next_before`). Any page is
    /// reachable directly: the lines from position k (0 = newest) are those before
    /// `card.lines - k + 1`.
    pub before: Option<i64>,
    pub limit: i64,
    pub user: Option<String>,
    /// Faxes submitted at or after this time.
    pub from: Option<Timestamp>,
    /// Faxes submitted before this time.
    pub to: Option<Timestamp>,
    /// Words found in the destination or the subject (any case); digits also match a number
    /// written with spaces, dashes, dots or brackets.
    pub search: Option<String>,
    pub sort: Sort,
    /// Time sorts: the lines that come after this one (the previous page's `next_after`).
    pub after: Option<TimeKey>,
    /// Time sorts without `after`: the page starts this many lines in. A jump to any position:
    /// each line skipped costs one step on the index, never a read of its fax (unless a filter
    /// reads the fax).
    pub skip: i64,
}

/// Which lines of a card: the filters of View Activity, shared by its pages, its totals and
/// the export of what it shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    pub user: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub search: Option<String>,
}

impl ActivityFilter {
    pub fn is_empty(&self) -> bool {
        self.user.is_none() && self.from.is_none() && self.to.is_none() && self.search_words().is_none()
    }

    fn search_words(&self) -> Option<&str> {
        self.search.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

impl ActivityFilter {
    /// Bounds the filter to whole days of the account's zone (`YYYY-MM-DD`, both included):
    /// the days the spend chart counts, so a day's bar and that day's filter show the same faxes.
    pub fn on_days(mut self, conn: Conn<'_>, from: Option<&str>, to: Option<&str>) -> Result<Self> {
        let (f, t) = crate::account::time_zone(conn)?.day_range(from, to)?;
        self.from = f.or(self.from);
        self.to = t.or(self.to);
        Ok(self)
    }
}

impl ActivityQuery {
    pub fn filter(&self) -> ActivityFilter {
        ActivityFilter { user: self.user.clone(), from: self.from, to: self.to, search: self.search.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityPage {
    pub card: Card,
    pub lines: Vec<ActivityLine>,
    /// `Billing` sort: pass as `before` for the next (older) page; `None` at the end.
    pub next_before: Option<i64>,
    /// Time sorts: pass as `after` for the next page; `None` at the end.
    pub next_after: Option<TimeKey>,
}

/// How many of a card's lines a filter shows, and what they cost the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityTotals {
    pub lines: i64,
    pub amount: Decimal,
}

pub(crate) fn row_to_line(r: &Row<'_>) -> Result<ActivityLine> {
    Ok(ActivityLine {
        line_no: r.get(0)?,
        card_id: r.get(1)?,
        fax_id: r.get(2)?,
        submit_time: r.get(3)?,
        completion_time: r.get(4)?,
        user: r.get(5)?,
        destination: r.get(6)?,
        pages_submitted: r.get(7)?,
        pages_sent: r.get(8)?,
        duration: r.get(9)?,
        units: money::from_units(r.get(10)?),
        cost_per_unit: money::from_units(r.get(11)?),
        amount: money::from_units(r.get(12)?),
        fax_cost: money::from_units(r.get(13)?),
        split: r.get(14)?,
        status: r.get(15)?,
        subject: r.get(16)?,
    })
}

pub(crate) const LINE_SELECT: &str = "SELECT a.n, a.card_id, f.id, f.submit_time, f.completion_time, u.name,
        f.destination, f.pages_submitted, f.pages_sent, f.duration, f.units, f.cost_per_unit,
        a.amount, f.cost, a.split, f.status, f.subject
    FROM activity a JOIN faxes f ON f.seq = a.fax_seq JOIN users u ON u.id = f.user_id";

/// The SQL conditions of a filter on `activity a` (and on `faxes f` when `needs_fax`), and their
/// parameters, numbered after `first` parameters already bound.
pub(crate) struct FilterSql {
    pub conditions: String,
    pub params: Vec<Value<'static>>,
    /// A condition reads the fax (user, words): the query must join `faxes f`.
    pub needs_fax: bool,
}

/// `s` anywhere, with `%`, `_` and `\` taken literally (`ESCAPE '\'`).
fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Words made only of what people write inside a fax number ("+1 (212) 555-01"), with three
/// digits or more: their digits, to match a destination whatever its punctuation.
fn phone_digits(s: &str) -> Option<String> {
    let ok = s.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'));
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    (ok && digits.len() >= 3).then_some(digits)
}

pub(crate) fn filter_sql(conn: Conn<'_>, f: &ActivityFilter, first: usize) -> Result<FilterSql> {
    let mut out = FilterSql { conditions: String::new(), params: Vec::new(), needs_fax: false };
    let bind = |out: &mut FilterSql, v: Value<'static>| {
        out.params.push(v);
        format!("?{}", first + out.params.len())
    };
    if let Some(u) = &f.user {
        let id: i64 = conn
            .query_opt("SELECT id FROM users WHERE name = ?1", &[&u.trim()], |r| r.get(0))?
            .ok_or_else(|| Error::NotFound(format!("no user named {:?}", crate::text::truncate(u, 60))))?;
        let p = bind(&mut out, Value::Int(id));
        out.conditions.push_str(&format!(" AND f.user_id = {p}"));
        out.needs_fax = true;
    }
    // Stored times are whole seconds: a bound with a fraction compares as the next whole second
    // (`time::ceil_second`), for `from` and `to` alike. The line's copy of the time is compared,
    // so a range is a range of the time index.
    if let Some(t) = &f.from {
        let p = bind(&mut out, Value::Text(fmt_ts(&ceil_second(t)).into()));
        out.conditions.push_str(&format!(" AND a.submit_time >= {p}"));
    }
    if let Some(t) = &f.to {
        let p = bind(&mut out, Value::Text(fmt_ts(&ceil_second(t)).into()));
        out.conditions.push_str(&format!(" AND a.submit_time < {p}"));
    }
    if let Some(s) = f.search_words() {
        let p = bind(&mut out, Value::Text(like_pattern(s).into()));
        // Words match in any case: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        let like = match conn.backend() {
            Backend::Sqlite => "LIKE",
            Backend::Postgres => "ILIKE",
        };
        let mut any = format!("f.destination {like} {p} ESCAPE '\\' OR f.subject {like} {p} ESCAPE '\\'");
        if let Some(d) = phone_digits(s) {
            let q = bind(&mut out, Value::Text(format!("%{d}%").into()));
            any.push_str(&format!(
                " OR replace(replace(replace(replace(replace(replace(f.destination, ' ', ''), '-', ''), '.', ''), \
                 '(', ''), ')', ''), '+', '') LIKE {q}"
            ));
        }
        out.conditions.push_str(&format!(" AND ({any})"));
        out.needs_fax = true;
    }
    Ok(out)
}

/// Refuses a filter that names an unknown user, before anything is read or written.
pub fn check_filter(db: &Db, filter: &ActivityFilter) -> Result<()> {
    filter_sql(db.conn(), filter, 1).map(|_| ())
}

/// One page of a card's activity in the query's order, with the card (and so its totals).
/// Whole because the keyset, the filter and the page's direction build one statement.
pub fn activity_page(db: &mut Db, q: &ActivityQuery) -> Result<ActivityPage> {
    if !(1..=MAX_PAGE).contains(&q.limit) {
        return Err(Error::invalid("limit", format!("must be 1..={MAX_PAGE}")));
    }
    if q.skip < 0 {
        return Err(Error::invalid("skip", "must not be negative"));
    }
    db.read(|tx| page_in(tx, q))
}

/// [`activity_page`] inside its read transaction.
fn page_in(tx: Conn<'_>, q: &ActivityQuery) -> Result<ActivityPage> {
    let card = card(tx, q.card_id)?;
    let filter = filter_sql(tx, &q.filter(), 1)?;
    let mut params: Vec<Value<'static>> = vec![Value::Int(q.card_id)];
    params.extend(filter.params);
    let bind = |params: &mut Vec<Value<'static>>, v: Value<'static>| {
        params.push(v);
        format!("?{}", params.len())
    };
    let mut keyset = String::new();
    let (order, skip) = match q.sort {
        Sort::Billing => {
            let p = bind(&mut params, Value::Int(q.before.unwrap_or(i64::MAX)));
            keyset.push_str(&format!(" AND a.n < {p}"));
            ("a.n DESC", 0)
        }
        Sort::Newest | Sort::Oldest => {
            let (cmp, order) = match q.sort {
                Sort::Newest => ("<", "a.submit_time DESC, a.n DESC"),
                _ => (">", "a.submit_time ASC, a.n ASC"),
            };
            match &q.after {
                Some(k) => {
                    let t = bind(&mut params, Value::Text(k.submit_time.clone().into()));
                    let n = bind(&mut params, Value::Int(k.n));
                    keyset.push_str(&format!(" AND (a.submit_time, a.n) {cmp} ({t}, {n})"));
                    (order, 0)
                }
                None => (order, q.skip),
            }
        }
    };
    let limit = bind(&mut params, Value::Int(q.limit + 1));
    let offset = bind(&mut params, Value::Int(skip));
    // The page's keys first (from the index alone when no condition reads the fax), then their
    // lines: lines skipped by a jump are never joined.
    let join = if filter.needs_fax { "JOIN faxes f ON f.seq = a.fax_seq" } else { "" };
    let sql = format!(
        "WITH page AS (
             SELECT a.card_id, a.n FROM activity a {join}
             WHERE a.card_id = ?1{conditions}{keyset}
             ORDER BY {order} LIMIT {limit} OFFSET {offset})
         {LINE_SELECT} JOIN page p ON p.card_id = a.card_id AND p.n = a.n
         ORDER BY {order}",
        conditions = filter.conditions,
    );
    let mut lines: Vec<ActivityLine> = tx.query(&sql, &refs(&params), row_to_line)?;
    let more = lines.len() as i64 > q.limit;
    lines.truncate(q.limit as usize);
    let last = lines.last().filter(|_| more);
    let next_before = last.filter(|_| q.sort == Sort::Billing).map(|l| l.line_no);
    let next_after =
        last.filter(|_| q.sort != Sort::Billing).map(|l| TimeKey { submit_time: l.submit_time.clone(), n: l.line_no });
    Ok(ActivityPage { card, lines, next_before, next_after })
}

/// Parameters built at run time, as a statement takes them.
fn refs<'v>(values: &'v [Value<'static>]) -> Vec<&'v dyn ToValue> {
    values.iter().map(|v| v as &dyn ToValue).collect()
}

/// How many of a card's lines match `filter`, and their amount (the card's own figures when
/// nothing is filtered).
pub fn activity_totals(db: &mut Db, card_id: i64, filter: &ActivityFilter) -> Result<ActivityTotals> {
    db.read(|tx| totals_in(tx, card_id, filter))
}

fn totals_in(tx: Conn<'_>, card_id: i64, filter: &ActivityFilter) -> Result<ActivityTotals> {
    let c = card(tx, card_id)?;
    if filter.is_empty() {
        return Ok(ActivityTotals { lines: c.lines, amount: c.used });
    }
    let f = filter_sql(tx, filter, 1)?;
    let join = if f.needs_fax { "JOIN faxes f ON f.seq = a.fax_seq" } else { "" };
    let sql = format!(
        "SELECT count(*), COALESCE(sum(a.amount), 0) FROM activity a {join} WHERE a.card_id = ?1{}",
        f.conditions
    );
    let mut params = vec![Value::Int(card_id)];
    params.extend(f.params);
    let (lines, amount): (i64, i64) = tx.query_row(&sql, &refs(&params), |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(ActivityTotals { lines, amount: money::from_units(amount) })
}
