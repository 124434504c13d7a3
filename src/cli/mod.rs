//! The `faxcredit` command line: a second front end over the same core, for fax gateways and
//! scripts. Exit codes (DESIGN.md §4): 0 done (also `exists`), 2 bad input, 3 quota exceeded,
//! 4 exists with different fields, 5 forbidden or not allowed for this account, 1 anything else.

#[macro_use]
mod io;
mod account;
mod alerts;
mod audit;
mod billing;
mod cards;
mod check;
mod docs;
mod email;
mod migrate;
mod output;
mod purchase;
mod rates;
mod recipients;
mod repeat;
mod report;
mod secrets;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "faxcredit", version, about = "Outbound fax credit: prepaid cards, fax billing, activity and exports")]
pub struct Cli {
    /// The account's ledger: a SQLite file (default: the app's data directory), or a PostgreSQL
    /// URL, `postgres://user@host/db?schema=acme&sslmode=verify-full`.
    #[arg(long, global = true, env = "FAXCREDIT_DB", value_name = "PATH|URL")]
    pub db: Option<OsString>,
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
    User(account::UserCommand),
    /// The account: its settings (time zone) and the billing details printed on its receipts.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Spend this month and on each of the last days, in the account's time zone.
    Spend {
        /// How many days, today included.
        #[arg(long, default_value_t = 31)]
        days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Cards applied by the provider.
    #[command(subcommand)]
    Card(cards::CardCommand),
    /// List every card, newest first.
    Cards {
        #[arg(long)]
        json: bool,
    },
    /// Bill one outbound fax.
    Bill(billing::BillArgs),
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
        /// Only faxes submitted at or after this time (RFC 3339), or on or after this day
        /// (YYYY-MM-DD, a day of the account's time zone).
        #[arg(long)]
        from: Option<String>,
        /// Only faxes submitted before this time (RFC 3339), or on or before this day
        /// (YYYY-MM-DD, the account's time zone).
        #[arg(long)]
        to: Option<String>,
    },
    /// Export a card's activity to CSV.
    Export {
        card: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Leave out the UTF-8 byte-order mark (written by default so Excel reads the file as UTF-8).
        #[arg(long)]
        no_bom: bool,
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
        /// Your purchase order reference, printed on the receipt.
        #[arg(long, value_name = "REF")]
        po: Option<String>,
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
    /// The rate table: what a fax costs by destination prefix, and the default rate.
    Rates {
        #[command(subcommand)]
        command: Option<rates::RatesCommand>,
        #[arg(long)]
        json: bool,
    },
    /// Who spent the credit: faxes billed in a range of days, by user, country or day.
    Report {
        /// First day (YYYY-MM-DD), included.
        #[arg(long, value_name = "DAY")]
        from: String,
        /// Last day (YYYY-MM-DD), included.
        #[arg(long, value_name = "DAY")]
        to: String,
        #[arg(long, value_name = "user|country|day")]
        by: String,
        #[arg(long)]
        json: bool,
        /// Write the report to this CSV file instead.
        #[arg(long, value_name = "FILE.csv")]
        out: Option<PathBuf>,
        /// Leave out the UTF-8 byte-order mark of the CSV file.
        #[arg(long)]
        no_bom: bool,
    },
    /// SMTP settings for the notification emails.
    #[command(subcommand)]
    Email(email::EmailCommand),
    /// Low-credit alerts: `alerts set 50.00 20.00 80%`, `alerts clear`; alone, the levels now.
    Alerts {
        #[command(subcommand)]
        command: Option<alerts::AlertsCommand>,
        #[arg(long)]
        json: bool,
    },
    /// Who gets the notifications: the account email and the addresses added here.
    Recipients {
        #[command(subcommand)]
        command: Option<recipients::RecipientsCommand>,
        #[arg(long)]
        json: bool,
    },
    /// The audit log of manager actions, newest first; `audit export --out FILE` writes it to CSV.
    Audit {
        #[command(subcommand)]
        command: Option<audit::AuditCommand>,
        #[arg(long)]
        json: bool,
        /// At most this many lines (default 200).
        #[arg(long, allow_hyphen_values = true)]
        limit: Option<String>,
    },
    /// The notification outbox; --deliver sends what is due first.
    Outbox {
        #[arg(long)]
        deliver: bool,
        #[arg(long)]
        json: bool,
    },
    /// Copy this SQLite ledger into an empty PostgreSQL schema (every table, every row, ids
    /// kept; one transaction), then check both and print their totals side by side.
    MigrateTo {
        /// postgres://user@host/db?schema=NAME (the schema is made if missing; it must be empty).
        #[arg(value_name = "URL")]
        url: String,
        #[arg(long)]
        json: bool,
    },
    /// Seed a new database with the demo account (a new file, or a new or empty PostgreSQL schema).
    Demo {
        #[arg(long, default_value_t = 6_000)]
        faxes: u64,
        #[arg(long, default_value = "prepaid", value_name = "prepaid|credit")]
        kind: String,
        /// Bill every fax to one large card (to try a card of a million lines).
        #[arg(long)]
        single_card: bool,
    },
    /// Print the shell completion script for bash, zsh or fish.
    Completions {
        #[arg(value_enum)]
        shell: docs::Shell,
    },
    /// Print the manual page (roff), as installed for `man faxcredit`.
    #[command(hide = true)]
    Man,
}

/// The process's services (clock, keyring, processor, faults), built once before any command.
static SERVICES: std::sync::OnceLock<faxcredit::services::Services> = std::sync::OnceLock::new();

/// Builds the services; a malformed `FAXCREDIT_NOW` is refused before any command runs.
fn init_services() -> faxcredit::error::Result<()> {
    if SERVICES.get().is_none() {
        let _ = SERVICES.set(faxcredit::services::Services::system()?);
    }
    Ok(())
}

pub(crate) fn services() -> &'static faxcredit::services::Services {
    SERVICES.get_or_init(|| {
        // Only reached if a command ran before `init_services`: the system clock, no faults.
        faxcredit::services::Services::system().unwrap_or_else(|e| {
            io::report(&e);
            std::process::exit(e.exit_code())
        })
    })
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    // For the crash test: phase lines on stderr, and imports in smaller batches.
    if std::env::var_os("FAXCREDIT_PHASES").is_some() {
        faxcredit::db::trace_phases();
    }
    if let Some(records) = std::env::var("FAXCREDIT_IMPORT_BATCH").ok().and_then(|v| v.parse().ok()) {
        faxcredit::import::set_batch_size(records);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        // The reader went away (`faxcredit activity 3 | head`): end quietly, as a program killed
        // by SIGPIPE would, without an error line.
        Err(faxcredit::error::Error::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            io::report(&e);
            e.exit_code()
        }
    }
}

/// One line a command: each body lives in the file named after what it does.
fn run(cli: Cli) -> faxcredit::error::Result<i32> {
    let location = match &cli.db {
        Some(db) => faxcredit::db::Location::parse(db)?,
        None => faxcredit::db::Location::File(faxcredit::paths::default_db()),
    };
    init_services()?;
    let now = services().now();
    // Every front end that starts first finishes the orders a crash left pending. `bill`, the
    // gateways' hot path, does it on its own connection once the fax is billed.
    if !cli.command.skips_reconcile() && location.file().is_none_or(std::path::Path::exists) {
        secrets::reconcile_at_start(&location);
    }
    let p = &location;
    match cli.command {
        Command::Init { name, kind, email, currency, credit_limit } => {
            account::init(p, name, kind, email, currency, credit_limit, now)
        }
        Command::User(account::UserCommand::Add { name, role }) => account::add_user(p, name, role, now),
        Command::User(account::UserCommand::List) => account::list_users(p),
        Command::Account(account::AccountCommand::Show { json }) => account::show(p, json),
        Command::Account(account::AccountCommand::Set { time_zone, billing_address, tax_id, email_receipts }) => {
            account::set(p, account::Settings { time_zone, billing_address, tax_id, email_receipts }, now)
        }
        Command::Spend { days, json } => account::spend(p, days, json, now),
        Command::Card(cards::CardCommand::Apply { value, bonus }) => cards::apply(p, value, bonus, now),
        Command::Cards { json } => cards::list(p, json, now),
        Command::Activity { card, json, limit, user, from, to } => {
            cards::activity(p, card, json, limit, user, from, to)
        }
        Command::Export { card, out, no_bom } => cards::export(p, card, out, no_bom),
        Command::Attempts { json } => cards::attempts(p, json),
        Command::Bill(args) => billing::bill(p, args, now),
        Command::Import { file, json } => billing::import(p, &file, json, now),
        Command::PaymentCard(cmd) => purchase::payment_card(p, cmd, now),
        Command::Packages { json } => purchase::packages(p, json),
        Command::Purchase { package, key, po } => purchase::purchase(p, &package, key, po),
        Command::Rates { command, json } => rates::run(p, command, json, now),
        Command::Report { from, to, by, json, out, no_bom } => {
            report::report(p, report::ReportArgs { from, to, by, json, out, no_bom })
        }
        Command::Orders { command, json } => purchase::orders(p, command, json),
        Command::RepeatOrder(cmd) => repeat::run(p, cmd, now),
        Command::Email(cmd) => email::email(p, cmd, now),
        Command::Outbox { deliver, json } => email::outbox(p, deliver, json),
        Command::Alerts { command, json } => alerts::run(p, command, json, now),
        Command::Recipients { command, json } => recipients::run(p, command, json, now),
        Command::Audit { command, json, limit } => audit::run(p, command, json, limit),
        Command::Check { json } => check::check(p, json),
        Command::MigrateTo { url, json } => migrate::migrate_to(p, &url, json),
        Command::Demo { faxes, kind, single_card } => check::demo(p, faxes, kind, single_card, now),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man => docs::man(),
    }
}

impl Command {
    /// Commands that must not touch an existing ledger first (they create one, only read it, or
    /// are the gateways' hot path, which reconciles after billing).
    fn skips_reconcile(&self) -> bool {
        matches!(
            self,
            Command::Init { .. }
                | Command::Demo { .. }
                | Command::Check { .. }
                | Command::Bill(_)
                | Command::Completions { .. }
                | Command::Man
        )
    }
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
