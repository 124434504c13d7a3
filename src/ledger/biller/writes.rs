//! What billing a fax writes: its row, its activity lines on the cards that pay it (closing the
//! cards it empties, asking the repeat order at the threshold), the low-credit alerts it
//! crosses, and its quarter hour's spend.

use super::Biller;
use crate::account::AccountKind;
use crate::alerts::Draw;
use crate::error::Result;
use crate::ledger::bill::Line;
use crate::ledger::record::Fax;
use crate::money;
use crate::sql::Stmt;
use crate::time::{fmt_ts, quarter_start, Timestamp};

/// Binds a fax row's columns from parameter `at + 1` on (after the `seq` of a numbered insert).
/// One by one with their concrete types: this is the import's innermost loop.
fn bind_fax(
    st: &mut Stmt<'_>,
    at: usize,
    fax: &Fax,
    user_id: i64,
    (units, cpu, cost): (i64, i64, i64),
    submit_time: &str,
    now_s: &str,
) -> Result<()> {
    st.bind(at + 1, &fax.id.as_str())?;
    st.bind(at + 2, &user_id)?;
    st.bind(at + 3, &fax.destination.as_str())?;
    st.bind(at + 4, &submit_time)?;
    st.bind(at + 5, &fax.completion_time.as_ref().map(fmt_ts))?;
    st.bind(at + 6, &fax.pages_submitted)?;
    st.bind(at + 7, &fax.pages_sent)?;
    st.bind(at + 8, &fax.duration)?;
    st.bind(at + 9, &fax.units.map(|u| money::to_units(u, "units")).transpose()?)?;
    st.bind(at + 10, &fax.cost_per_unit.map(|u| money::to_units(u, "costPerUnit")).transpose()?)?;
    st.bind(at + 11, &fax.status)?;
    st.bind(at + 12, &fax.subject.as_deref())?;
    st.bind(at + 13, &fax.attempts_made)?;
    st.bind(at + 14, &units)?;
    st.bind(at + 15, &cpu)?;
    st.bind(at + 16, &cost)?;
    st.bind(at + 17, &now_s)
}

impl Biller<'_> {
    /// Inserts the fax row and returns its `seq`; `None` when its id was billed before (the
    /// conflict). A fax numbered ahead (`numbered.rs`) is queued, and cannot conflict.
    pub(super) fn insert_fax(
        &mut self,
        fax: &Fax,
        user_id: i64,
        price: (i64, i64, i64),
        submit_time: &str,
        now_s: &str,
    ) -> Result<Option<i64>> {
        if let Some((numbered, st)) = &mut self.numbered {
            if let Some(seq) = numbered.take(&fax.id) {
                st.bind(1, &seq)?;
                bind_fax(st, 1, fax, user_id, price, submit_time, now_s)?;
                st.execute_later()?;
                return Ok(Some(seq));
            }
        }
        let st = &mut self.insert_fax;
        bind_fax(st, 0, fax, user_id, price, submit_time, now_s)?;
        st.insert()
    }

    /// Writes the fax's activity lines on the cards `parts` names, closes the cards it empties,
    /// and fires the repeat order on the card it takes past the threshold.
    pub(super) fn pay(
        &mut self,
        parts: &[(usize, i64)],
        seq: i64,
        submit_time: &str,
        (now, now_s): (Timestamp, &str),
    ) -> Result<(Vec<Line>, Vec<i64>)> {
        let split = parts.len() > 1;
        let mut lines = Vec::with_capacity(parts.len());
        let mut closed = Vec::new();
        self.draws.clear();
        for &(i, amount) in parts {
            let card = self.open[i];
            let used_before = card.original - card.balance;
            self.draws.push(Draw {
                card: card.id,
                original: card.original,
                used_before,
                used_after: used_before + amount,
            });
            let st = &mut self.insert_line;
            st.bind(1, &card.id)?;
            st.bind(2, &(card.lines + 1))?;
            st.bind(3, &seq)?;
            st.bind(4, &amount)?;
            st.bind(5, &split)?;
            st.bind(6, &submit_time)?;
            st.execute_later()?;
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
                self.tx.execute("UPDATE cards SET close_date = ?1 WHERE id = ?2", &[&now_s, &card.id])?;
            }
            self.open[i].balance -= amount;
            self.open[i].lines += 1;
            // The repeat order fires in the transaction that takes a card to 95% used: once per
            // card, since a card's use only grows. The trigger reads the cards, so what is
            // pending is written first.
            if let Some(percent) = self.reactions.threshold_percent().filter(|_| self.kind == AccountKind::Prepaid) {
                let threshold = card.original * percent;
                let used = card.original - card.balance;
                if used * 100 < threshold && (used + amount) * 100 >= threshold {
                    self.flush()?;
                    if self.reactions.card_reached_threshold(self.tx, card.id, now)? {
                        self.cards_changed_by_trigger = true;
                    }
                }
            }
            if closes {
                closed.push(card.id);
            }
            lines.push(Line { card_id: card.id, amount: money::from_units(amount) });
        }
        self.open.retain(|c| c.balance > 0);
        Ok((lines, closed))
    }

    /// Queues the low-credit alert when this fax took the credit across one of the account's
    /// levels (`crate::alerts::crossed`, the pure rule); the message reads the cards and the
    /// day's spend, so what is pending is written first. Nearly every fax crosses nothing and
    /// costs only the comparison.
    pub(super) fn low_credit(&mut self, before: i64, after: i64, now: Timestamp) -> Result<()> {
        let crossings = crate::alerts::crossed(&self.alert_levels, before, after, &self.draws);
        if crossings.is_empty() {
            return Ok(());
        }
        self.flush()?;
        crate::alerts::queue(self.tx, &crossings, now)?;
        Ok(())
    }

    /// Adds a billed fax to the spend of the quarter hour it was submitted in, written by
    /// `flush`. The submit time, not the billing time: the spend chart's days are then the days
    /// View Activity shows and filters on, and an imported log is spent on its own days.
    pub(super) fn add_to_quarter(&mut self, submit_time: &Timestamp, cost: i64) {
        let start = quarter_start(submit_time);
        // From the newest: a gateway's log comes roughly in time order, so an import batch meets
        // the quarter it is adding to at once.
        match self.pending_quarters.iter_mut().rev().find(|d| d.0 == start) {
            Some(d) => {
                d.1 += cost;
                d.2 += 1;
            }
            None => self.pending_quarters.push((start, cost, 1)),
        }
    }
}
