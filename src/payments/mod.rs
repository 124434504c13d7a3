//! Paying for credit: the payment card (checked, kept in the OS keyring) and the processor seam
//! with its embedded sandbox.

pub mod card;
pub mod gateway;

pub use card::{CardInput, CardOnFile, StoredCard};
pub use gateway::{ChargeOutcome, ChargeRequest, Fault, PaymentGateway, Sandbox};
