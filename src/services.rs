//! The things from outside the ledger that every front end needs, built once per process: the
//! clock, the OS keyring, the payment processor, and the faults tests inject. The CLI and the app
//! each build one [`Services::system`]; core tests build theirs with [`Services::new`] from a
//! fixed clock, an in-memory keyring and a sandbox of their own.
//!
//! Nothing else in the core opens the keyring or the processor, or reads the system clock.

use std::sync::Arc;

use crate::db::{Db, Location};
use crate::error::Result;
use crate::notify::{self, EmailSettings, SmtpMailer};
use crate::orders::{Crash, Purchaser};
use crate::payments::{Fault, PaymentGateway, Sandbox};
use crate::repeat::AfterPurchase;
use crate::secrets::{KeyringStore, SecretStore};
use crate::time::{clock_from_env, Clock, Timestamp};

/// Where the secrets are kept.
enum Secrets {
    /// The OS keyring, one scope per account (opened per ledger).
    Keyring,
    /// A store the caller gives: tests.
    Given(Arc<dyn SecretStore + Send + Sync>),
}

/// Which processor charges.
enum Processor {
    /// The sandbox processor beside the ledger (`<ledger>.sandbox-payments`; on PostgreSQL, a
    /// schema of that name on the ledger's server).
    SandboxBesideLedger(Fault),
    Given(Arc<dyn PaymentGateway + Send + Sync>),
}

pub struct Services {
    clock: Box<dyn Clock + Send + Sync>,
    secrets: Secrets,
    processor: Processor,
    /// Where the purchase protocol dies on purpose (`FAXCREDIT_CRASH_AT`): `abort` the process.
    crash: Option<Crash>,
}

impl Services {
    /// What a front end runs on: the clock (`FAXCREDIT_NOW` pins it), the OS keyring, the
    /// sandbox processor beside the ledger, and the faults the environment asks for
    /// (`FAXCREDIT_SANDBOX_FAULT`, `FAXCREDIT_CRASH_AT`).
    pub fn system() -> Result<Services> {
        Ok(Services {
            clock: clock_from_env()?,
            secrets: Secrets::Keyring,
            processor: Processor::SandboxBesideLedger(Fault::from_env()),
            crash: Crash::from_env(),
        })
    }

    /// Services of the caller's making: a clock, a secret store, a processor.
    pub fn new(
        clock: Box<dyn Clock + Send + Sync>,
        secrets: Arc<dyn SecretStore + Send + Sync>,
        gateway: Arc<dyn PaymentGateway + Send + Sync>,
    ) -> Services {
        Services { clock, secrets: Secrets::Given(secrets), processor: Processor::Given(gateway), crash: None }
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The secret store of this ledger's account.
    pub fn secrets(&self, db: &mut Db) -> Result<Box<dyn SecretStore>> {
        Ok(match &self.secrets {
            Secrets::Keyring => Box::new(KeyringStore::open(db)?),
            Secrets::Given(s) => Box::new(Arc::clone(s)),
        })
    }

    /// The secret store of the shared ledgers' logins (their passwords), which belong to no
    /// ledger: [`KeyringStore::logins`], or the caller's store in tests.
    pub fn logins(&self) -> Box<dyn SecretStore> {
        match &self.secrets {
            Secrets::Keyring => Box::new(KeyringStore::logins()),
            Secrets::Given(s) => Box::new(Arc::clone(s)),
        }
    }

    fn gateway(&self, ledger: &Location) -> Box<dyn PaymentGateway> {
        match &self.processor {
            Processor::SandboxBesideLedger(fault) => Box::new(Sandbox::for_ledger(ledger, *fault)),
            Processor::Given(g) => Box::new(Arc::clone(g)),
        }
    }

    /// Runs `f` with the purchase protocol's parts for this ledger: its keyring, the processor,
    /// the clock, and the repeat order's follow-up of automatic orders.
    pub fn with_purchaser<T>(&self, db: &mut Db, f: impl FnOnce(&mut Db, &Purchaser<'_>) -> Result<T>) -> Result<T> {
        let secrets = self.secrets(db)?;
        let gateway = self.gateway(db.location());
        let p = Purchaser {
            gateway: gateway.as_ref(),
            secrets: secrets.as_ref(),
            clock: self.clock(),
            follow_up: &AfterPurchase,
            crash: self.crash.map(|c| (c, true)),
        };
        f(db, &p)
    }

    /// The SMTP mailer of this ledger's settings and stored password; `None` when email is not
    /// set up.
    pub fn mailer(&self, db: &mut Db) -> Result<Option<SmtpMailer>> {
        let store = self.secrets(db)?;
        notify::password::mailer(db, store.as_ref())
    }

    /// A mailer for settings as they are on screen, saved or not: `password` `None` takes the
    /// stored one (when they name a user), `Some("")` none.
    pub fn mailer_for(&self, db: &mut Db, settings: EmailSettings, password: Option<String>) -> Result<SmtpMailer> {
        let settings = settings.validated()?;
        let password = match (&settings.username, password) {
            (None, _) => None,
            (Some(_), Some(p)) => Some(p).filter(|p| !p.is_empty()),
            (Some(_), None) => notify::password::smtp_password(self.secrets(db)?.as_ref())?,
        };
        SmtpMailer::new(&settings, password)
    }

    /// Saves the SMTP settings, and the password in the keyring.
    pub fn save_email(
        &self,
        db: &mut Db,
        settings: EmailSettings,
        password: Option<String>,
        by: &crate::audit::Actor,
    ) -> Result<EmailSettings> {
        let store = self.secrets(db)?;
        notify::password::save_with_password(db, store.as_ref(), settings, password, by, self.now())
    }
}
