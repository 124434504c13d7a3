//! Paying for credit: the payment card (checked, kept in the OS keyring) and the processor seam
//! with its embedded sandbox.

pub mod gateway;
pub mod payment_method;

pub use gateway::{ChargeOutcome, ChargeRequest, Fault, PaymentGateway, Sandbox};
pub use payment_method::{CardInput, CardOnFile, StoredCard};
