//! A fax billed before: what its id's row says about a record that comes again (TigerBeetle's
//! rule: the same fields are `Exists`, a different one is its field's error).

use super::Biller;
use crate::error::Result;
use crate::ledger::bill::Outcome;
use crate::ledger::idempotency::{compare, Stored};
use crate::ledger::record::{Claims, Fax};

impl Biller<'_> {
    /// The outcome for a fax billed before: `Exists` when its fields are the same, the first
    /// differing field as an error otherwise; `None` when it was never billed.
    pub(super) fn existing(&self, fax: &Fax) -> Result<Option<Outcome>> {
        self.existing_claims(&fax.id, &fax.claims())
    }

    pub(super) fn existing_claims(&self, fax_id: &str, claims: &Claims<'_>) -> Result<Option<Outcome>> {
        let stored = self.tx.query_opt(
            "SELECT u.name, f.destination, f.submit_time, f.completion_time, f.pages_submitted,
                    f.pages_sent, f.duration, f.units_given, f.cpu_given, f.status, f.subject, f.attempts_made
             FROM faxes f JOIN users u ON u.id = f.user_id WHERE f.id = ?1",
            &[&fax_id],
            |r| {
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
            },
        )?;
        match stored {
            Some(s) => {
                compare(fax_id, claims, &s)?;
                Ok(Some(Outcome::Exists { fax_id: fax_id.to_string() }))
            }
            None => Ok(None),
        }
    }
}
