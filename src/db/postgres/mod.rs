//! Opening a PostgreSQL ledger: connecting as libpq would (the URL, then `PGUSER`, `PGHOST`,
//! `PGPORT`, `PGDATABASE`, `PGPASSWORD` and `~/.pgpass` for what it leaves out; TLS by
//! `sslmode`), the account's schema on the session's `search_path`, and the schema's
//! migrations: forward only, run by the first program that opens an older schema, under an
//! advisory lock so that two gateways starting at once do not both migrate.

pub mod listen;
mod pgpass;
mod tls;
mod why;

use std::time::Duration;

use tokio_postgres::config::{Host, SslMode as PgSslMode};
use tokio_postgres::NoTls;

use crate::db::location::{PgUrl, SslMode};
use crate::error::{Error, Result};
use crate::sql::{pg_error, PgConn};

/// PostgreSQL's migrations: (the version it brings the schema to, its SQL). A PostgreSQL
/// ledger starts at version 10, the SQLite ledger's schema 10 written for PostgreSQL; a later
/// version adds its SQL to both this list and SQLite's, under the same number.
const MIGRATIONS: &[(i64, &str)] = &[(10, include_str!("schema_v10.sql"))];

/// The advisory lock's first key ("FAXC"); the second is the schema's name, hashed.
const LOCK_KEY: i32 = 0x4641_5843;

/// How long connecting may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects to the account's schema and brings it up to date. `create`: a schema (or a
/// ledger in it) that does not exist yet is made; otherwise it is `no_database`.
pub fn open(url: &PgUrl, create: bool, known: i64) -> Result<PgConn> {
    let conn = connect(url)?;
    refuse_other_accounts_schema(&conn, url)?;
    match version(&conn)? {
        Some(v) if v > known => return Err(Error::NewerSchema { found: v, known }),
        Some(v) if v == known => return Ok(conn),
        None if !create => return Err(Error::NoDatabase(format!("{} (this schema holds no ledger)", url.shown))),
        _ => {}
    }
    migrate(&conn, &url.schema, known)?;
    Ok(conn)
}

/// Each account's schema belongs to its own role (README, "A shared ledger on PostgreSQL"): a
/// role without USAGE on the schema its URL names cannot see a table in it, and would otherwise
/// be told the schema holds no ledger, or, with `init`, fail half way. Say so instead.
fn refuse_other_accounts_schema(conn: &PgConn, url: &PgUrl) -> Result<()> {
    let refused: bool = crate::sql::Conn::from(conn).query_row(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?1)
                AND NOT has_schema_privilege(?1, 'USAGE')",
        &[&url.schema],
        |r| r.get(0),
    )?;
    if refused {
        return Err(Error::Forbidden(format!(
            "the database user of {} may not use the schema \"{}\": it holds another account's ledger",
            url.shown, url.schema
        )));
    }
    Ok(())
}

/// Connects to the account's schema and creates the ledger in it, refusing a schema that holds
/// anything already (tables, views, sequences, functions: a ledger or another program's): for
/// the commands that must only ever write into a new or empty place (`demo`).
pub fn create_in_empty(url: &PgUrl, known: i64) -> Result<PgConn> {
    let conn = connect(url)?;
    refuse_other_accounts_schema(&conn, url)?;
    let held: i64 = crate::sql::Conn::from(&conn).query_row(
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ?1)
              + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?1)",
        &[&url.schema],
        |r| r.get(0),
    )?;
    if held > 0 {
        return Err(Error::invalid(
            "db",
            format!(
                "the PostgreSQL schema {:?} is not empty ({held} tables, indexes, sequences or functions); \
                 choose a new or empty schema (schema= in the URL)",
                url.schema
            ),
        ));
    }
    migrate(&conn, &url.schema, known)?;
    Ok(conn)
}

/// The ledger's version in the session's schema: `None` when it holds no ledger.
fn version(conn: &PgConn) -> Result<Option<i64>> {
    let c = crate::sql::Conn::from(conn);
    let tables: (bool, bool) = c.query_row(
        "SELECT to_regclass('schema_version') IS NOT NULL, to_regclass('account') IS NOT NULL",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match tables {
        (true, _) => c.query_opt("SELECT version FROM schema_version WHERE id = 1", &[], |r| r.get(0)),
        (false, true) => Err(Error::NotADatabase(format!("{} (its tables are not a Fax Credit ledger)", conn.shown))),
        (false, false) => Ok(None),
    }
}

/// Runs the migrations the schema lacks, in one transaction under the schema's advisory lock.
fn migrate(conn: &PgConn, schema: &str, known: i64) -> Result<()> {
    in_transaction(conn, || migrate_in(conn, schema, known))
}

/// Makes the ledger's tables in the URL's schema (unless a ledger of this version is there
/// already) and runs `fill` in the same transaction, under the migration's advisory lock: no
/// other program sees the ledger, or opens it, before `fill` has returned `Ok` and it commits.
/// For moving a SQLite ledger up (`migrate`).
pub fn create_with<T>(url: &PgUrl, known: i64, fill: impl FnOnce(&PgConn) -> Result<T>) -> Result<T> {
    let conn = connect(url)?;
    refuse_other_accounts_schema(&conn, url)?;
    in_transaction(&conn, || {
        migrate_in(&conn, &url.schema, known)?;
        fill(&conn)
    })
}

/// Runs `body` in a transaction of its own, committed when it returns `Ok` and no statement in
/// it failed; rolled back otherwise.
fn in_transaction<T>(conn: &PgConn, body: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.batch("BEGIN")?;
    let done = body().and_then(|out| {
        if conn.take_failed() {
            return Err(Error::Invariant("a statement failed and PostgreSQL rolled the transaction back".into()));
        }
        conn.batch("COMMIT")?;
        Ok(out)
    });
    if done.is_err() && !conn.is_closed() {
        let _ = conn.batch("ROLLBACK");
    }
    conn.take_failed();
    conn.forget_statements();
    done
}

/// The migrations the schema lacks, inside the caller's transaction, under the schema's
/// advisory lock (held until that transaction ends).
fn migrate_in(conn: &PgConn, schema: &str, known: i64) -> Result<()> {
    let c = crate::sql::Conn::from(conn);
    c.execute("SELECT pg_advisory_xact_lock(?1, hashtext(?2))", &[&LOCK_KEY, &schema])?;
    conn.batch(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))?;
    // Another program may have migrated while we waited for the lock.
    let at = version(conn)?.unwrap_or(0);
    if at > known {
        return Err(Error::NewerSchema { found: at, known });
    }
    for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > at) {
        conn.batch(sql)?;
        c.execute(
            "INSERT INTO schema_version (id, version) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version",
            &[v],
        )?;
    }
    // Statements prepared before the tables changed would read the old ones.
    conn.forget_statements();
    Ok(())
}

/// A session on the server, in the account's schema.
pub(super) fn connect(url: &PgUrl) -> Result<PgConn> {
    let config = complete(url);
    let tls = tls::connector(url)?;
    // The connection's own runtime, on this thread: it runs only inside the connection's calls.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Unavailable(format!("{}: cannot start the connection's I/O: {e}", url.shown)))?;
    let connected = rt.block_on(async {
        match tls {
            None => {
                let (client, conn) = config.connect(NoTls).await?;
                Ok((client, tokio::spawn(async move { drop(conn.await) })))
            }
            Some(tls) => {
                let (client, conn) = config.connect(tls).await?;
                Ok((client, tokio::spawn(async move { drop(conn.await) })))
            }
        }
    });
    let (client, io) = connected.map_err(|e| connect_error(e, &url.shown))?;
    let mut conn = PgConn::new(rt, client, io, url.shown.clone());
    conn.announce_writes(&listen::channel(&url.schema));
    Ok(conn)
}

/// The server's own words for its version (`SHOW server_version`), on a session of its own:
/// what the app's "Test connection" shows.
pub fn server_version(url: &PgUrl) -> Result<String> {
    let mut client = connect_client(url)?;
    let row = client.query_one("SHOW server_version", &[]).map_err(pg_error)?;
    row.try_get(0).map_err(pg_error)
}

/// The client of a session on the server, in the account's schema.
fn connect_client(url: &PgUrl) -> Result<postgres::Client> {
    let config = postgres::Config::from(complete(url));
    match tls::connector(url)? {
        None => config.connect(NoTls),
        Some(tls) => config.connect(tls),
    }
    .map_err(|e| connect_error(e, &url.shown))
}

/// What a connection failed on, in words: the server's own refusal (a login, a database) as
/// the seam says it, else why no session could start.
fn connect_error(e: postgres::Error, shown: &str) -> Error {
    if e.as_db_error().is_some() {
        return match pg_error(e) {
            Error::Unavailable(why) => Error::Unavailable(format!("{shown}: {why}")),
            other => Error::Unavailable(format!("{shown}: {other}")),
        };
    }
    // No session: refused, unreachable, timed out, or TLS. The causes say which.
    let words = why::plain_words(&e);
    let mut why = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        why = format!("{why}: {s}");
        source = s.source();
    }
    match words {
        Some(words) => Error::Unavailable(format!("{shown}: cannot connect: {words} ({why})")),
        None => Error::Unavailable(format!("{shown}: cannot connect: {why}")),
    }
}

/// The URL's settings with libpq's defaults for what it leaves out, TLS as `sslmode` says and
/// the account's schema as the session's search path.
fn complete(url: &PgUrl) -> tokio_postgres::Config {
    let mut c = url.config.clone();
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if c.get_user().is_none() {
        if let Some(u) = env("PGUSER").or_else(|| env("USER")).or_else(|| env("LOGNAME")) {
            c.user(&u);
        }
    }
    if c.get_hosts().is_empty() {
        let socket_dir = std::path::Path::new("/var/run/postgresql");
        let default = if socket_dir.exists() { "/var/run/postgresql" } else { "localhost" };
        c.host(env("PGHOST").as_deref().unwrap_or(default));
    }
    if c.get_ports().is_empty() {
        if let Some(p) = env("PGPORT").and_then(|p| p.parse().ok()) {
            c.port(p);
        }
    }
    if c.get_dbname().is_none() {
        if let Some(d) = env("PGDATABASE") {
            c.dbname(&d);
        }
    }
    if c.get_password().is_none() {
        let host = match c.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = c.get_ports().first().copied().unwrap_or(5432);
        let user = c.get_user().unwrap_or_default().to_string();
        let db = c.get_dbname().map_or_else(|| user.clone(), str::to_string);
        if let Some(p) = env("PGPASSWORD").or_else(|| pgpass::lookup(&host, port, &db, &user)) {
            c.password(p);
        }
    }
    if c.get_connect_timeout().is_none() {
        c.connect_timeout(CONNECT_TIMEOUT);
    }
    if c.get_application_name().is_none() {
        c.application_name("faxcredit");
    }
    let options = c.get_options().map(|o| format!("{o} ")).unwrap_or_default();
    c.options(format!("{options}-c search_path={}", url.schema));
    c.ssl_mode(match url.sslmode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Prefer => PgSslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
    });
    c
}
