//! Billing: one fax, one write transaction. Idempotent on the fax id (TigerBeetle's rule),
//! priced from the record or the rate table, paid from open cards oldest first (split across
//! two when one runs out), refused whole with 205000 when the open cards cannot cover it.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{params, CachedStatement, OptionalExtension, Transaction};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::account::Kind;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ledger::cards::ensure_month_card;
use crate::ledger::record::Fax;
use crate::money::{self, fmt_units};
use crate::rates::{units_for, RateTable};
use crate::time::{fmt_ts, Timestamp};

/// The part of a fax billed to one card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub card_id: i64,
    pub amount: Decimal,
}

/// What billing one fax did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// Billed now.
    Billed {
        fax_id: String,
        cost: Decimal,
        units: Decimal,
        cost_per_unit: Decimal,
        lines: Vec<Line>,
        closed_cards: Vec<i64>,
    },
    /// Billed before with identical fields: nothing changed.
    Exists { fax_id: String },
    /// Refused with 205000; the attempt is logged and nothing is billed.
    Refused { fax_id: String, cost: Decimal, available: Decimal },
}

impl Outcome {
    pub fn fax_id(&self) -> &str {
        match self {
            Outcome::Billed { fax_id, .. } | Outcome::Exists { fax_id } | Outcome::Refused { fax_id, .. } => fax_id,
        }
    }
}

/// Bills one fax in its own durable transaction. A refusal is committed (the attempt log) and
/// then returned as [`Error::QuotaExceeded`].
pub fn bill(db: &mut Db, fax: &Fax, now: Timestamp) -> Result<Outcome> {
    let (tx, rates) = db.write_with_rates()?;
    let mut biller = Biller::new(&tx)?.with_rates(rates.current(&tx)?);
    let outcome = biller.bill(fax, now)?;
    biller.finish()?;
    tx.commit()?;
    match outcome {
        Outcome::Refused { cost, available, .. } => {
            Err(Error::QuotaExceeded { cost: cost.to_string(), available: available.to_string() })
        }
        o => Ok(o),
    }
}

#[derive(Debug, Clone, Copy)]
struct OpenCard {
    id: i64,
    balance: i64,
    lines: i64,
    original: i64,
}

/// Bills faxes inside one write transaction: a single fax, or an import batch. It keeps the
/// rate table, the users and the open cards in memory for the life of the transaction, which
/// is safe because the transaction holds the write lock.
///
/// The cards' use and the daily spend are added up in memory and written by `Biller::flush`:
/// before anything reads them back by SQL within the transaction, and by [`Biller::finish`],
/// which the caller runs before committing. A batch of faxes then updates each card and day
/// once, not once per fax.
pub struct Biller<'t> {
    tx: &'t Transaction<'t>,
    kind: Kind,
    /// Loaded on the first fax that is priced from the rate table.
    rates: Option<Arc<RateTable>>,
    users: HashMap<String, i64>,
    open: Vec<OpenCard>,
    open_loaded: bool,
    cards_changed_by_trigger: bool,
    /// The costliest refusal that asked the repeat order for a card since the last billed fax.
    refusal_asked: Option<i64>,
    /// (card, amount, lines) billed and not yet written to `cards`.
    pending_cards: Vec<(i64, i64, i64)>,
    /// (UTC day, amount, faxes) billed and not yet written to `daily_spend`.
    pending_days: Vec<(String, i64, i64)>,
    insert_fax: CachedStatement<'t>,
    insert_line: CachedStatement<'t>,
}

/// A fax row as stored, for the idempotency comparison.
struct Stored {
    user: String,
    destination: String,
    submit_time: String,
    completion_time: Option<String>,
    pages_submitted: i64,
    pages_sent: i64,
    duration: i64,
    units_given: Option<i64>,
    cpu_given: Option<i64>,
    status: i64,
    subject: Option<String>,
    attempts_made: Option<i64>,
}

fn show<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "none".to_string(), |v| v.to_string())
}

impl<'t> Biller<'t> {
    pub fn new(tx: &'t Transaction<'t>) -> Result<Biller<'t>> {
        let kind: String = tx
            .prepare_cached("SELECT kind FROM account WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?
            .ok_or(Error::NotInitialized)?;
        Ok(Biller {
            tx,
            kind: Kind::parse(&kind)?,
            rates: None,
            users: HashMap::new(),
            open: Vec::new(),
            open_loaded: false,
            cards_changed_by_trigger: false,
            refusal_asked: None,
            pending_cards: Vec::with_capacity(2),
            pending_days: Vec::with_capacity(1),
            // A fax billed before is found by this insert's conflict on its id, so a new fax
            // (nearly every one) costs no lookup first.
            insert_fax: tx.prepare_cached(
                "INSERT INTO faxes (id, user_id, destination, submit_time, completion_time, pages_submitted,
                    pages_sent, duration, units_given, cpu_given, status, subject, attempts_made,
                    units, cost_per_unit, cost, billed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                 ON CONFLICT (id) DO NOTHING",
            )?,
            insert_line: tx.prepare_cached(
                "INSERT INTO activity (card_id, n, fax_seq, amount, split) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
        })
    }

    /// Prices from this rate table (the connection's cached one) instead of reading it.
    #[must_use]
    pub fn with_rates(mut self, rates: Arc<RateTable>) -> Self {
        self.rates = Some(rates);
        self
    }

    /// Writes the cards' use and the daily spend added up so far.
    fn flush(&mut self) -> Result<()> {
        for (card, amount, lines) in self.pending_cards.drain(..) {
            self.tx
                .prepare_cached("UPDATE cards SET used = used + ?1, lines = lines + ?2 WHERE id = ?3")?
                .execute(params![amount, lines, card])?;
        }
        for (day, amount, faxes) in self.pending_days.drain(..) {
            self.tx
                .prepare_cached(
                    "INSERT INTO daily_spend (day, amount, faxes) VALUES (?1, ?2, ?3)
                     ON CONFLICT (day) DO UPDATE SET amount = amount + excluded.amount, faxes = faxes + excluded.faxes",
                )?
                .execute(params![day, amount, faxes])?;
        }
        Ok(())
    }

    /// Writes what is pending; run before committing the transaction.
    pub fn finish(mut self) -> Result<()> {
        self.flush()
    }

    /// Whether a repeat order was placed in this transaction: the front end then runs the
    /// purchase protocol after commit ([`crate::orders::reconcile`]).
    pub fn placed_repeat_order(&self) -> bool {
        self.cards_changed_by_trigger
    }

    /// A refusal asks the repeat order for the card in use. A refusal storm asks once: the
    /// answer cannot change until a fax is billed or a costlier one is refused. The trigger reads
    /// the cards, so what is pending is written first.
    fn refused_fires_repeat_order(&mut self, cost: i64, now: Timestamp) -> Result<()> {
        if self.kind != Kind::Prepaid || self.refusal_asked.is_some_and(|asked| asked >= cost) {
            return Ok(());
        }
        self.refusal_asked = Some(cost);
        self.flush()?;
        if let Some((card, _, _)) = crate::repeat::trigger::card_in_use(self.tx)? {
            let trigger = crate::repeat::decide::Trigger::Refusal { cost };
            if crate::repeat::trigger::fire(self.tx, trigger, card, now)? {
                self.cards_changed_by_trigger = true;
            }
        }
        Ok(())
    }

    /// Forgets the cached open cards: call after adding a card in the same transaction.
    pub fn cards_changed(&mut self) {
        self.open_loaded = false;
    }

    fn load_open(&mut self) -> Result<()> {
        if self.open_loaded {
            return Ok(());
        }
        self.flush()?;
        let mut st = self.tx.prepare_cached(
            "SELECT id, original_balance - used, lines, original_balance FROM cards WHERE close_date IS NULL ORDER BY id",
        )?;
        self.open = st
            .query_map([], |r| {
                Ok(OpenCard { id: r.get(0)?, balance: r.get(1)?, lines: r.get(2)?, original: r.get(3)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        self.open_loaded = true;
        Ok(())
    }

    fn user_id(&mut self, name: &str) -> Result<i64> {
        if let Some(id) = self.users.get(name) {
            return Ok(*id);
        }
        let id: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM users WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        let id = id.ok_or_else(|| Error::invalid("userId", format!("no user named {name:?} on this account")))?;
        self.users.insert(name.to_string(), id);
        Ok(id)
    }

    /// Compares a new submission with the stored fax, field by field in InterFAX's order.
    fn compare(&self, fax: &Fax, s: &Stored) -> Result<()> {
        let units_given = fax.units.map(|u| money::to_units(u, "units")).transpose()?;
        let cpu_given = fax.cost_per_unit.map(|u| money::to_units(u, "costPerUnit")).transpose()?;
        let completion = fax.completion_time.as_ref().map(fmt_ts);
        let checks: [(&'static str, bool, String, String); 12] = [
            ("user", !s.user.eq_ignore_ascii_case(&fax.user), s.user.clone(), fax.user.clone()),
            ("destination", s.destination != fax.destination, s.destination.clone(), fax.destination.clone()),
            ("submit_time", s.submit_time != fmt_ts(&fax.submit_time), s.submit_time.clone(), fmt_ts(&fax.submit_time)),
            ("completion_time", s.completion_time != completion, show(&s.completion_time), show(&completion)),
            ("pages", s.pages_sent != fax.pages_sent, s.pages_sent.to_string(), fax.pages_sent.to_string()),
            (
                "pages_submitted",
                s.pages_submitted != fax.pages_submitted,
                s.pages_submitted.to_string(),
                fax.pages_submitted.to_string(),
            ),
            ("duration", s.duration != fax.duration, s.duration.to_string(), fax.duration.to_string()),
            (
                "units",
                s.units_given != units_given,
                show(&s.units_given.map(fmt_units)),
                show(&units_given.map(fmt_units)),
            ),
            (
                "cost_per_unit",
                s.cpu_given != cpu_given,
                show(&s.cpu_given.map(fmt_units)),
                show(&cpu_given.map(fmt_units)),
            ),
            ("status", s.status != fax.status, s.status.to_string(), fax.status.to_string()),
            ("subject", s.subject != fax.subject, show(&s.subject), show(&fax.subject)),
            ("attempts_made", s.attempts_made != fax.attempts_made, show(&s.attempts_made), show(&fax.attempts_made)),
        ];
        for (field, differs, existing, given) in checks {
            if differs {
                return Err(Error::ExistsWithDifferent {
                    fax_id: fax.id.clone(),
                    field,
                    existing: crate::account::truncate(&existing, 60),
                    given: crate::account::truncate(&given, 60),
                });
            }
        }
        Ok(())
    }

    /// Prices a fax: from its own `units` × `costPerUnit`, else from the rate table.
    /// Returns (units, cost per unit, cost) in storage units.
    pub fn price(&mut self, fax: &Fax) -> Result<(i64, i64, i64)> {
        let (units, cpu) = match (fax.units, fax.cost_per_unit) {
            (Some(u), Some(c)) => (u, c),
            _ => {
                let digits = fax.destination.trim_start_matches('+');
                let rates = match self.rates.take() {
                    Some(r) => r,
                    None => Arc::new(RateTable::load(self.tx)?),
                };
                let rate = self
                    .rates
                    .insert(rates)
                    .find(digits)
                    .ok_or_else(|| Error::invalid("destinationFax", "no rate covers this destination"))?;
                (units_for(rate.unit, fax.pages_sent, fax.duration), rate.cost_per_unit)
            }
        };
        let cost = money::round_cost(units * cpu);
        Ok((money::to_units(units, "units")?, money::to_units(cpu, "costPerUnit")?, money::to_units(cost, "cost")?))
    }

    /// The outcome for a fax billed before: `Exists` when its fields are the same, the first
    /// differing field as an error otherwise; `None` when it was never billed.
    fn existing(&self, fax: &Fax) -> Result<Option<Outcome>> {
        let stored = self
            .tx
            .prepare_cached(
                "SELECT u.name, f.destination, f.submit_time, f.completion_time, f.pages_submitted,
                        f.pages_sent, f.duration, f.units_given, f.cpu_given, f.status, f.subject, f.attempts_made
                 FROM faxes f JOIN users u ON u.id = f.user_id WHERE f.id = ?1",
            )?
            .query_row([&fax.id], |r| {
                Ok(Stored {
                    user: r.get(0)?,
                    destination: r.get(1)?,
                    submit_time: r.get(2)?,
                    completion_time: r.get(3)?,
                    pages_submitted: r.get(4)?,
                    pages_sent: r.get(5)?,
                    duration: r.get(6)?,
                    units_given: r.get(7)?,
                    cpu_given: r.get(8)?,
                    status: r.get(9)?,
                    subject: r.get(10)?,
                    attempts_made: r.get(11)?,
                })
            })
            .optional()?;
        match stored {
            Some(s) => {
                self.compare(fax, &s)?;
                Ok(Some(Outcome::Exists { fax_id: fax.id.clone() }))
            }
            None => Ok(None),
        }
    }

    /// Bills one fax inside the transaction. Writes nothing unless the outcome is `Billed`
    /// (or `Refused`, which writes only the attempt log). A fax billed before is answered by
    /// `Biller::existing` wherever it is met: a failed price or user, a refusal, or the
    /// insert's conflict on its id.
    pub fn bill(&mut self, fax: &Fax, now: Timestamp) -> Result<Outcome> {
        let priced = self.user_id(&fax.user).and_then(|user| Ok((user, self.price(fax)?)));
        let (user_id, (units, cpu, cost)) = match priced {
            Ok(p) => p,
            Err(e) => return self.existing(fax)?.ok_or(e),
        };
        if self.kind == Kind::Credit {
            let month_card = ensure_month_card(self.tx, now)?;
            if !self.open.iter().any(|c| c.id == month_card) {
                self.open_loaded = false;
            }
        }
        self.load_open()?;
        let available: i64 = self.open.iter().map(|c| c.balance).sum();
        if cost > available {
            if let Some(outcome) = self.existing(fax)? {
                return Ok(outcome);
            }
            self.tx
                .prepare_cached(
                    "INSERT INTO attempts (fax_id, user_name, destination, cost, available, code, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'quota_exceeded', ?6)",
                )?
                .execute(params![fax.id, fax.user, fax.destination, cost, available, fmt_ts(&now)])?;
            self.refused_fires_repeat_order(cost, now)?;
            crate::notify::events::quota_exceeded(self.tx, &fax.id, &fax.user, cost, available, now)?;
            return Ok(Outcome::Refused {
                fax_id: fax.id.clone(),
                cost: money::from_units(cost),
                available: money::from_units(available),
            });
        }

        // Take the cost from the open cards, oldest first.
        let mut parts: Vec<(usize, i64)> = Vec::with_capacity(2);
        let mut remaining = cost;
        for (i, c) in self.open.iter().enumerate() {
            if remaining == 0 && !parts.is_empty() {
                break;
            }
            let take = remaining.min(c.balance);
            if take > 0 || (cost == 0 && parts.is_empty()) {
                parts.push((i, take));
                remaining -= take;
            }
        }
        debug_assert_eq!(remaining, 0);
        if remaining != 0 {
            return Err(Error::Invariant(format!("fax {} could not be fully allocated", fax.id)));
        }

        let now_s = fmt_ts(&now);
        // Bound one by one with their concrete types: this is the import's innermost loop.
        let st = &mut self.insert_fax;
        st.raw_bind_parameter(1, fax.id.as_str())?;
        st.raw_bind_parameter(2, user_id)?;
        st.raw_bind_parameter(3, fax.destination.as_str())?;
        st.raw_bind_parameter(4, fmt_ts(&fax.submit_time))?;
        st.raw_bind_parameter(5, fax.completion_time.as_ref().map(fmt_ts))?;
        st.raw_bind_parameter(6, fax.pages_submitted)?;
        st.raw_bind_parameter(7, fax.pages_sent)?;
        st.raw_bind_parameter(8, fax.duration)?;
        st.raw_bind_parameter(9, fax.units.map(|u| money::to_units(u, "units")).transpose()?)?;
        st.raw_bind_parameter(10, fax.cost_per_unit.map(|u| money::to_units(u, "costPerUnit")).transpose()?)?;
        st.raw_bind_parameter(11, fax.status)?;
        st.raw_bind_parameter(12, fax.subject.as_deref())?;
        st.raw_bind_parameter(13, fax.attempts_made)?;
        st.raw_bind_parameter(14, units)?;
        st.raw_bind_parameter(15, cpu)?;
        st.raw_bind_parameter(16, cost)?;
        st.raw_bind_parameter(17, now_s.as_str())?;
        let inserted = st.raw_execute()?;
        if inserted == 0 {
            return self
                .existing(fax)?
                .ok_or_else(|| Error::Invariant(format!("fax {} conflicted but is not stored", fax.id)));
        }
        let seq = self.tx.last_insert_rowid();
        self.refusal_asked = None;
        let split = parts.len() > 1;
        let mut lines = Vec::with_capacity(parts.len());
        let mut closed = Vec::new();
        for &(i, amount) in &parts {
            let card = self.open[i];
            let st = &mut self.insert_line;
            st.raw_bind_parameter(1, card.id)?;
            st.raw_bind_parameter(2, card.lines + 1)?;
            st.raw_bind_parameter(3, seq)?;
            st.raw_bind_parameter(4, amount)?;
            st.raw_bind_parameter(5, split)?;
            st.raw_execute()?;
            match self.pending_cards.iter_mut().find(|p| p.0 == card.id) {
                Some(p) => {
                    p.1 += amount;
                    p.2 += 1;
                }
                None => self.pending_cards.push((card.id, amount, 1)),
            }
            let closes = amount == card.balance && amount > 0;
            if closes {
                // Its own statement, and only on closing: naming `close_date` in the per-fax
                // update, even unchanged, would rewrite the open-cards index on every fax.
                self.tx
                    .prepare_cached("UPDATE cards SET close_date = ?1 WHERE id = ?2")?
                    .execute(params![now_s, card.id])?;
            }
            self.open[i].balance -= amount;
            self.open[i].lines += 1;
            // The repeat order fires in the transaction that takes a card to 95% used: once per
            // card, since a card's use only grows. The trigger reads the cards, so what is
            // pending is written first.
            let threshold = card.original * crate::repeat::TRIGGER_PERCENT;
            let (before, after) = ((card.original - card.balance) * 100, (card.original - card.balance + amount) * 100);
            if self.kind == Kind::Prepaid && before < threshold && after >= threshold {
                self.flush()?;
                if crate::repeat::trigger::fire(self.tx, crate::repeat::decide::Trigger::Threshold, card.id, now)? {
                    self.cards_changed_by_trigger = true;
                }
            }
            if closes {
                closed.push(card.id);
            }
            lines.push(Line { card_id: card.id, amount: money::from_units(amount) });
        }
        self.open.retain(|c| c.balance > 0);
        let day = &now_s[..10];
        match self.pending_days.iter_mut().find(|d| d.0 == day) {
            Some(d) => {
                d.1 += cost;
                d.2 += 1;
            }
            None => self.pending_days.push((day.to_string(), cost, 1)),
        }
        Ok(Outcome::Billed {
            fax_id: fax.id.clone(),
            cost: money::from_units(cost),
            units: money::from_units(units),
            cost_per_unit: money::from_units(cpu),
            lines,
            closed_cards: closed,
        })
    }
}

/// Faxes refused with 205000, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub fax_id: String,
    pub user: String,
    pub destination: String,
    pub cost: Decimal,
    pub available: Decimal,
    pub code: String,
    pub at: String,
}

pub fn attempts(db: &Db, limit: i64) -> Result<Vec<Attempt>> {
    let mut st = db.conn().prepare(
        "SELECT fax_id, user_name, destination, cost, available, code, at FROM attempts ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = st.query_map([limit], |r| {
        Ok(Attempt {
            fax_id: r.get(0)?,
            user: r.get(1)?,
            destination: r.get(2)?,
            cost: money::from_units(r.get(3)?),
            available: money::from_units(r.get(4)?),
            code: r.get(5)?,
            at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
