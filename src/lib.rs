//! Fax Credit core: the outbound fax credit ledger of an InterFAX-style account.
//!
//! This crate knows nothing of any front end. The desktop app (`src-tauri/`) and the
//! `faxcredit` CLI (the binary's own `src/cli/`) both call these plain functions; time enters
//! as a parameter.

pub mod account;
pub mod alerts;
pub mod audit;
pub mod billing;
pub mod billing_details;
pub mod catalog;
pub mod countries;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod import;
pub mod ledger;
pub mod migrate;
pub mod money;
pub mod notify;
pub mod orders;
pub mod paths;
pub mod payments;
pub mod rates;
pub mod repeat;
pub mod report;
pub mod secrets;
pub mod services;
pub mod setup;
pub mod sql;
pub mod text;
pub mod time;

pub use db::Db;
pub use error::{Error, ErrorBody, Result};
