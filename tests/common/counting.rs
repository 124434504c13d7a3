//! A payment gateway that counts the calls the purchase protocol makes, around the real one.
//! The sandbox answers a repeated key with its first answer, so its own records count keys,
//! not calls: a protocol that charged twice under one key would look the same there.

use std::sync::{Arc, Mutex};

use faxcredit::payments::{ChargeOutcome, ChargeRequest, PaymentGateway};

/// One call: its key and whether it was approved (`None`: an error, no answer).
type Call = (String, Option<bool>);

/// Every call, shared by the gateways of one test.
#[derive(Clone, Default)]
pub struct Calls(Arc<Mutex<Vec<Call>>>);

impl Calls {
    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    pub fn keys(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().map(|(k, _)| k.clone()).collect()
    }

    /// Calls that the processor approved.
    pub fn approved(&self) -> usize {
        self.0.lock().unwrap().iter().filter(|(_, a)| *a == Some(true)).count()
    }
}

pub struct Counting<G> {
    pub inner: G,
    pub calls: Calls,
}

impl<G: PaymentGateway> PaymentGateway for Counting<G> {
    fn charge(&self, req: &ChargeRequest<'_>) -> faxcredit::Result<ChargeOutcome> {
        let outcome = self.inner.charge(req);
        let approved = match &outcome {
            Ok(ChargeOutcome::Approved { .. }) => Some(true),
            Ok(ChargeOutcome::Declined { .. }) => Some(false),
            Err(_) => None,
        };
        self.calls.0.lock().unwrap().push((req.key.to_string(), approved));
        outcome
    }
}
