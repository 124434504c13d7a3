//! The `faxcredit` command line: a second front end over the same core, for fax gateways and
//! scripts. Exit codes (DESIGN.md §4): 0 done (also `exists`), 2 bad input, 3 quota exceeded,
//! 4 exists with different fields, 5 forbidden or not allowed for this account, 1 anything else.

mod commands;
mod email;
mod output;
mod purchase;
mod repeat;
mod secrets;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::Error;

#[derive(Debug, Parser)]
#[command(name = "faxcredit", version, about = "Outbound fax credit: prepaid cards, fax billing, activity and exports")]
pub struct Cli {
    /// The account database (default: the app's data directory).
    #[arg(long, global = true, env = "FAXCREDIT_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the account in a new database.
    Init {
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "prepaid|credit")]
        kind: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "USD")]
        currency: String,
        /// Monthly credit limit (credit accounts).
        #[arg(long, value_name = "AMOUNT")]
        credit_limit: Option<String>,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Cards applied by the provider.
    #[command(subcommand)]
    Card(CardCommand),
    /// List every card, newest first.
    Cards {
        #[arg(long)]
        json: bool,
    },
    /// Bill one outbound fax.
    Bill(BillArgs),
    /// Import InterFAX outbound fax records (NDJSON or CSV) and bill them.
    Import {
        file: PathBuf,
        /// Print every record's result as one JSON object a line.
        #[arg(long)]
        json: bool,
    },
    /// Show a card's activity, newest first.
    Activity {
        card: String,
        #[arg(long)]
        json: bool,
        /// At most this many lines.
        #[arg(long)]
        limit: Option<u64>,
        /// Only faxes sent by this user.
        #[arg(long)]
        user: Option<String>,
        /// Only faxes submitted at or after this time (RFC 3339).
        #[arg(long)]
        from: Option<String>,
        /// Only faxes submitted before this time (RFC 3339).
        #[arg(long)]
        to: Option<String>,
    },
    /// Export a card's activity to CSV.
    Export {
        card: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Faxes refused with 205000 - Quota Exceeded.
    Attempts {
        #[arg(long)]
        json: bool,
    },
    /// Verify every ledger invariant; exits 1 and lists what is wrong.
    Check {
        #[arg(long)]
        json: bool,
    },
    /// The payment card, kept in the OS keyring.
    #[command(subcommand, name = "payment-card")]
    PaymentCard(purchase::PaymentCardCommand),
    /// The packages that can be bought.
    Packages {
        #[arg(long)]
        json: bool,
    },
    /// Buy a package with the stored payment card (prepaid accounts).
    Purchase {
        /// A package name (any case) or id.
        package: String,
        /// Idempotency key: the same key never buys twice (default: a new one).
        #[arg(long)]
        key: Option<String>,
    },
    /// Every purchase, manual and automatic; `orders export --out FILE` writes them to CSV.
    Orders {
        #[command(subcommand)]
        command: Option<purchase::OrdersCommand>,
        #[arg(long)]
        json: bool,
    },
    /// The automatic repeat order at 95% use.
    #[command(subcommand, name = "repeat-order")]
    RepeatOrder(repeat::RepeatCommand),
    /// SMTP settings for the notification emails.
    #[command(subcommand)]
    Email(email::EmailCommand),
    /// The notification outbox; --deliver sends what is due first.
    Outbox {
        #[arg(long)]
        deliver: bool,
        #[arg(long)]
        json: bool,
    },
    /// Seed a new database with the demo account.
    Demo {
        #[arg(long, default_value_t = 6_000)]
        faxes: u64,
        #[arg(long, default_value = "prepaid", value_name = "prepaid|credit")]
        kind: String,
        /// Bill every fax to one large card (to try a card of a million lines).
        #[arg(long)]
        single_card: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        name: String,
        #[arg(long, value_name = "manager|user")]
        role: String,
    },
    /// List users.
    List,
}

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Apply a card (no payment): prepaid accounts only.
    Apply {
        #[arg(allow_hyphen_values = true)]
        value: String,
        #[arg(long, default_value = "0", allow_hyphen_values = true)]
        bonus: String,
    },
}

#[derive(Debug, Args)]
pub struct BillArgs {
    /// The whole InterFAX record as JSON, instead of the flags.
    #[arg(long, conflicts_with_all = ["id", "user", "to", "pages", "duration", "at", "subject"])]
    pub json: Option<String>,
    #[arg(long, required_unless_present = "json")]
    pub id: Option<String>,
    #[arg(long, required_unless_present = "json")]
    pub user: Option<String>,
    #[arg(long, required_unless_present = "json", value_name = "NUMBER")]
    pub to: Option<String>,
    #[arg(long, required_unless_present = "json", allow_hyphen_values = true)]
    pub pages: Option<String>,
    /// Seconds.
    #[arg(long, allow_hyphen_values = true)]
    pub duration: Option<String>,
    /// Submit time, RFC 3339 (default: now).
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    #[arg(long)]
    pub subject: Option<String>,
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    // For the crash test: phase lines on stderr, and imports in smaller batches.
    if std::env::var_os("FAXCREDIT_PHASES").is_some() {
        crate::db::trace_phases();
    }
    if let Some(records) = std::env::var("FAXCREDIT_IMPORT_BATCH").ok().and_then(|v| v.parse().ok()) {
        crate::import::set_batch_size(records);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            report(&e);
            e.exit_code()
        }
    }
}

/// One clear line on stderr.
pub(crate) fn report(e: &Error) {
    eprintln!("faxcredit: {e} [{}]", e.code());
}
