//! The biller: one write transaction's billing state. It loads the open cards, the rate table
//! and the users once, prices and allocates each fax with the pure rules, writes the fax and
//! its activity lines, and adds the cards' use and the spend per quarter hour up in memory until
//! `flush`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::account::AccountKind;
use crate::alerts::{Draw, Level};
use crate::error::{Error, Result};
use crate::ledger::allocate::{allocate, Allocation};
use crate::ledger::bill::{Outcome, Reactions};
use crate::ledger::cards::ensure_month_card;
use crate::ledger::record::{Fax, Record};
use crate::money;
use crate::rates::{price_from_table, Price, RateTable};
use crate::sql::{Conn, Stmt};
use crate::time::{fmt_ts, Timestamp, Zone};

mod existing;
mod numbered;
mod writes;

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
/// The cards' use and the spend per quarter hour are added up in memory and written by
/// `Biller::flush`: before anything reads them back by SQL within the transaction, and by
/// [`Biller::finish`], which the caller runs before committing. A batch of faxes then updates
/// each card and quarter hour once, not once per fax.
pub struct Biller<'t> {
    tx: Conn<'t>,
    reactions: &'t mut dyn Reactions,
    kind: AccountKind,
    /// The account's zone, loaded on a credit account's first fax (its monthly card).
    zone: Option<Zone>,
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
    /// (quarter hour of UTC of the submit times, amount, faxes) billed and not yet written to
    /// `spend_by_quarter`.
    /// Kept as times and formatted once each in `flush`, not once per fax.
    pending_quarters: Vec<(Timestamp, i64, i64)>,
    /// The low-credit alert levels.
    alert_levels: Vec<Level>,
    /// What the fax being billed drew from each card, for the percent levels.
    draws: Vec<Draw>,
    insert_fax: Stmt<'t>,
    /// On PostgreSQL, for the faxes whose ids were asked about first (`numbered.rs`).
    numbered: Option<(numbered::Numbered, Stmt<'t>)>,
    insert_line: Stmt<'t>,
}

/// What every billing transaction reads first, sent together (`Conn::read_ahead`).
const KIND: &str = "SELECT kind FROM account WHERE id = 1";
const OPEN_CARDS: &str =
    "SELECT id, original_balance - used, lines, original_balance FROM cards WHERE close_date IS NULL ORDER BY id";
const USER: &str = "SELECT id FROM users WHERE name = ?1";

impl<'t> Biller<'t> {
    /// A biller for any faxes.
    pub fn new(tx: Conn<'t>, reactions: &'t mut dyn Reactions) -> Result<Biller<'t>> {
        Self::expecting(tx, reactions, &[], None)
    }

    /// A biller that expects to bill the faxes of these ids (an import batch), sent by `sender`
    /// when they are one fax: on PostgreSQL their rows then cost no round trip each
    /// (`numbered.rs`), and the sender's row is read with the rest. Any other fax is billed as
    /// well, as [`Biller::new`]'s are.
    ///
    /// What billing needs first is read in one round trip on PostgreSQL: the account's kind, the
    /// rate table's version (read next by the caller's `RateCache`), the open cards, the alert
    /// levels, the sender, and which of `ids` are new, with a number reserved for each.
    pub fn expecting(
        tx: Conn<'t>,
        reactions: &'t mut dyn Reactions,
        ids: &[&str],
        sender: Option<&str>,
    ) -> Result<Biller<'t>> {
        let mut reads: Vec<(&str, &crate::sql::Params<'_>)> =
            vec![(KIND, &[]), (crate::rates::VERSION, &[]), (OPEN_CARDS, &[]), (crate::alerts::LEVELS, &[])];
        let sender_param: Option<[&dyn crate::sql::ToValue; 1]> =
            sender.as_ref().map(|s| [s as &dyn crate::sql::ToValue]);
        if let Some(p) = &sender_param {
            reads.push((USER, p));
        }
        let numbering = numbered::ask(tx, ids);
        let numbering_reads = numbering.as_ref().map(numbered::Ask::reads);
        for (sql, params) in numbering_reads.iter().flatten() {
            reads.push((sql, params));
        }
        tx.read_ahead(&reads)?;
        let kind: String = tx.query_opt(KIND, &[], |r| r.get(0))?.ok_or(Error::NotInitialized)?;
        let numbered = match &numbering {
            Some(p) => Some((numbered::Numbered::read(tx, ids, p)?, tx.prepare(numbered::INSERT_NUMBERED)?)),
            None => None,
        };
        Ok(Biller {
            tx,
            reactions,
            kind: AccountKind::parse(&kind)?,
            zone: None,
            rates: None,
            users: HashMap::new(),
            open: Vec::new(),
            open_loaded: false,
            cards_changed_by_trigger: false,
            refusal_asked: None,
            pending_cards: Vec::with_capacity(2),
            pending_quarters: Vec::with_capacity(1),
            // Read now, while the answer read ahead is good: the first write forgets it.
            alert_levels: crate::alerts::levels_in(tx)?,
            draws: Vec::with_capacity(2),
            // A fax billed before is found by this insert's conflict on its id, so a new fax
            // (nearly every one) costs no lookup first.
            insert_fax: tx.prepare_insert(
                "INSERT INTO faxes (id, user_id, destination, submit_time, completion_time, pages_submitted,
                    pages_sent, duration, units_given, cpu_given, status, subject, attempts_made,
                    units, cost_per_unit, cost, billed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                 ON CONFLICT (id) DO NOTHING",
                "seq",
            )?,
            numbered,
            insert_line: tx.prepare(
                "INSERT INTO activity (card_id, n, fax_seq, amount, split, submit_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
        })
    }

    /// Prices from this rate table (the connection's cached one) instead of reading it.
    #[must_use]
    pub fn with_rates(mut self, rates: Arc<RateTable>) -> Self {
        self.rates = Some(rates);
        self
    }

    /// Writes the cards' use and the spend per quarter hour added up so far.
    fn flush(&mut self) -> Result<()> {
        for (card, amount, lines) in self.pending_cards.drain(..) {
            self.tx.execute_later(
                "UPDATE cards SET used = used + ?1, lines = lines + ?2 WHERE id = ?3",
                &[&amount, &lines, &card],
            )?;
        }
        for (start, amount, faxes) in self.pending_quarters.drain(..) {
            self.tx.execute_later(
                "INSERT INTO spend_by_quarter (start, amount, faxes) VALUES (?1, ?2, ?3)
                 ON CONFLICT (start) DO UPDATE SET amount = spend_by_quarter.amount + excluded.amount,
                 faxes = spend_by_quarter.faxes + excluded.faxes",
                &[&fmt_ts(&start), &amount, &faxes],
            )?;
        }
        Ok(())
    }

    /// Writes what is pending; run before committing the transaction.
    pub fn finish(mut self) -> Result<()> {
        self.flush()
    }

    /// Whether a reaction changed the cards in this transaction (a repeat order placed): the
    /// front end then runs the purchase protocol after commit (`orders::reconcile`).
    pub fn placed_repeat_order(&self) -> bool {
        self.cards_changed_by_trigger
    }

    /// A refusal asks the repeat order for the card in use. A refusal storm asks once: the
    /// answer cannot change until a fax is billed or a costlier one is refused. The trigger reads
    /// the cards, so what is pending is written first.
    fn refused_fires_repeat_order(&mut self, cost: i64, now: Timestamp) -> Result<()> {
        if self.kind != AccountKind::Prepaid || self.refusal_asked.is_some_and(|asked| asked >= cost) {
            return Ok(());
        }
        self.refusal_asked = Some(cost);
        self.flush()?;
        if self.reactions.fax_refused(self.tx, cost, now)? {
            self.cards_changed_by_trigger = true;
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
        self.open = self.tx.query(OPEN_CARDS, &[], |r| {
            Ok(OpenCard { id: r.get(0)?, balance: r.get(1)?, lines: r.get(2)?, original: r.get(3)? })
        })?;
        self.open_loaded = true;
        Ok(())
    }

    /// The user (login or fax sender) of this name, if the account has one.
    fn user_id(&mut self, name: &str) -> Result<Option<i64>> {
        if let Some(id) = self.users.get(name) {
            return Ok(Some(*id));
        }
        let id: Option<i64> = self.tx.query_opt(USER, &[&name], |r| r.get(0))?;
        if let Some(id) = id {
            self.users.insert(name.to_string(), id);
        }
        Ok(id)
    }

    /// Registers a name first seen on a fax as a fax sender of the account: no password, so no
    /// login, until a manager gives it one (`user add` of the same name).
    fn register_sender(&mut self, name: &str, now: Timestamp) -> Result<i64> {
        let id: i64 = self.tx.query_row(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, 'user', NULL, ?2) RETURNING id",
            &[&name, &fmt_ts(&now)],
            |r| r.get(0),
        )?;
        self.users.insert(name.to_string(), id);
        Ok(id)
    }

    /// Prices a fax: from its own `units` × `costPerUnit`, else from the rate table.
    /// Returns (units, cost per unit, cost) in storage units.
    pub fn price(&mut self, fax: &Fax) -> Result<(i64, i64, i64)> {
        let price = match (fax.units, fax.cost_per_unit) {
            (Some(u), Some(c)) => Price::of(u, c),
            _ => {
                let digits = fax.destination.trim_start_matches('+');
                let rates = match self.rates.take() {
                    Some(r) => r,
                    None => Arc::new(RateTable::load(self.tx)?),
                };
                price_from_table(self.rates.insert(rates), digits, fax.pages_sent, fax.duration)?.1
            }
        };
        Ok((
            money::to_units(price.units, "units")?,
            money::to_units(price.cost_per_unit, "costPerUnit")?,
            money::to_units(price.cost, "cost")?,
        ))
    }

    /// Bills any record inside the transaction: a fax in process is `Pending` and writes
    /// nothing; a partial record can only be a fax billed before.
    pub fn bill_record(&mut self, record: &Record, now: Timestamp) -> Result<Outcome> {
        match record {
            Record::Fax(fax) => self.bill(fax, now),
            Record::InProcess { id, status } => Ok(Outcome::Pending { fax_id: id.clone(), status: *status }),
            Record::Partial(p) => self.existing_claims(&p.id, &p.claims())?.ok_or_else(|| p.missing_error()),
        }
    }

    /// Bills one fax inside the transaction. Writes nothing unless the outcome is `Billed`
    /// (which also registers a sender first seen) or `Refused` (which writes only the attempt
    /// log). A fax billed before is answered by `Biller::existing` wherever it is met: a failed
    /// price, a new sender, a refusal, or the insert's conflict on its id.
    pub fn bill(&mut self, fax: &Fax, now: Timestamp) -> Result<Outcome> {
        let priced = self.user_id(&fax.user).and_then(|user| Ok((user, self.price(fax)?)));
        let (known_user, (units, cpu, cost)) = match priced {
            Ok(p) => p,
            Err(e) => return self.existing(fax)?.ok_or(e),
        };
        if self.kind == AccountKind::Credit {
            let zone = match self.zone.take() {
                Some(z) => z,
                None => crate::account::time_zone(self.tx)?,
            };
            let month_card = ensure_month_card(self.tx, self.zone.insert(zone), now)?;
            if !self.open.iter().any(|c| c.id == month_card) {
                self.open_loaded = false;
            }
        }
        self.load_open()?;
        let balances: Vec<i64> = self.open.iter().map(|c| c.balance).collect();
        let parts = match allocate(&balances, cost) {
            Allocation::Parts(parts) => parts,
            Allocation::Refuse { available } => return self.refuse(fax, cost, available, now),
        };

        // A sender first seen here is registered only now that the fax will be billed, and only
        // if its id is new: a fax billed before under another name is answered, not registered.
        let user_id = match known_user {
            Some(id) => id,
            None => match self.existing(fax)? {
                Some(outcome) => return Ok(outcome),
                None => self.register_sender(&fax.user, now)?,
            },
        };
        let now_s = fmt_ts(&now);
        let submit_time = fmt_ts(&fax.submit_time);
        let Some(seq) = self.insert_fax(fax, user_id, (units, cpu, cost), &submit_time, &now_s)? else {
            return self
                .existing(fax)?
                .ok_or_else(|| Error::Invariant(format!("fax {} conflicted but is not stored", fax.id)));
        };
        self.refusal_asked = None;
        let before: i64 = self.open.iter().map(|c| c.balance).sum();
        let (lines, closed) = self.pay(&parts, seq, &submit_time, (now, &now_s))?;
        self.add_to_quarter(&fax.submit_time, cost);
        self.low_credit(before, before - cost, now)?;
        Ok(Outcome::Billed {
            fax_id: fax.id.clone(),
            cost: money::from_units(cost),
            units: money::from_units(units),
            cost_per_unit: money::from_units(cpu),
            lines,
            closed_cards: closed,
        })
    }

    /// A fax the open cards cannot cover: unless it was billed before, it is written to the
    /// attempt log, may fire the repeat order, and queues the refusal notice.
    fn refuse(&mut self, fax: &Fax, cost: i64, available: i64, now: Timestamp) -> Result<Outcome> {
        if let Some(outcome) = self.existing(fax)? {
            return Ok(outcome);
        }
        self.tx.execute(
            "INSERT INTO attempts (fax_id, user_name, destination, cost, available, code, at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'quota_exceeded', ?6)",
            &[&fax.id, &fax.user, &fax.destination, &cost, &available, &fmt_ts(&now)],
        )?;
        self.refused_fires_repeat_order(cost, now)?;
        crate::notify::events::quota_exceeded(self.tx, &fax.id, &fax.user, cost, available, now)?;
        Ok(Outcome::Refused {
            fax_id: fax.id.clone(),
            cost: money::from_units(cost),
            available: money::from_units(available),
        })
    }
}
