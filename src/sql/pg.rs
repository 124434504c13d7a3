//! The PostgreSQL side of the seam: a connection with its prepared statements (one per SQL
//! text, prepared on first use, its `?1` placeholders written as `$1` by `placeholders.rs`), the
//! server's errors turned into the ledger's by `pg_error.rs`.
//!
//! **Round trips.** Each statement on its own waits for the server's answer before the next is
//! sent: a round trip, about 0.1 ms on a loopback and far more across a network, which is most of
//! what a fax costs to bill on PostgreSQL. So the connection drives tokio-postgres itself, on a
//! runtime of its own, and sends statements together (pipelined) wherever the answer of one is
//! not needed before the next is sent:
//! - **queued statements** ([`PgConn::defer`]): a write whose answer is only "it worked" (an
//!   activity line, a card's use, a quarter hour's spend), and a write transaction's `BEGIN` and
//!   account lock. They are sent, in order, in the round trip of the next statement that needs an
//!   answer, or of the `COMMIT`. A queued statement that fails fails that round trip, and the
//!   transaction is rolled back, as if it had failed when queued: it only fails later.
//! - **reads ahead** ([`PgConn::read_ahead`]): reads whose answers are known to be needed next
//!   (the account's kind, the open cards, the rate table's version…), sent at once; each answer
//!   is kept for the same statement with the same parameters, once, and forgotten at the next
//!   write. Sent after the lock, each sees what every writer before it committed.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use futures_util::future::{join, join_all, Either};
use futures_util::TryStreamExt;
use postgres::types::{ToSql, Type};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::{Client, Row, Statement};

use super::pg_error::error;
use super::placeholders::placeholders;
use super::value::Value;
use crate::error::{Error, Result};

type PgError = tokio_postgres::Error;

/// An open connection to the account's schema.
pub struct PgConn {
    /// The runtime that runs the connection's I/O: only inside this connection's own calls.
    rt: Runtime,
    /// `None` only while the connection is dropped (see `Drop`).
    client: Option<Client>,
    /// The task that reads and writes the socket; it ends when the client is dropped.
    io: Option<JoinHandle<()>>,
    statements: RefCell<HashMap<String, Statement>>,
    /// A statement failed since the transaction began. PostgreSQL then refuses every statement
    /// until the transaction ends and answers `COMMIT` with a rollback, not an error: the
    /// transaction runner checks this before committing, so nothing is acknowledged that was not
    /// written.
    failed: Cell<bool>,
    /// Rows are being read from the connection (`for_each`): no other statement may run.
    busy: Cell<bool>,
    /// Statements to send before the next one (see the module's "Round trips").
    queued: RefCell<Vec<Queued>>,
    /// The transaction's `BEGIN` is queued and not sent yet: a rollback then has nothing to undo.
    begin_queued: Cell<bool>,
    /// The answers read ahead and not yet taken.
    ahead: RefCell<Vec<Answer>>,
    /// The URL without its password, for errors.
    pub(crate) shown: String,
    /// What ends a write transaction: `COMMIT`, after a `NOTIFY` of the ledger's channel when
    /// the connection knows it (`announce_writes`), in one message. PostgreSQL delivers the
    /// notification when, and only when, the transaction commits, so every committed write is
    /// heard by the programs listening (the app's live updates) and a rolled-back one by none.
    commit_write: String,
}

/// What is queued: a prepared statement and its parameters, or SQL text with none (a `BEGIN`).
enum Queued {
    Statement(Statement, Vec<Value<'static>>),
    Text(&'static str),
}

/// An answer read ahead: the SQL, its parameters and the rows.
type Answer = (String, Vec<Value<'static>>, Vec<Row>);

/// A write transaction's start: the account row locked first, at READ COMMITTED, so writers
/// queue on it as SQLite's do on its lock and each statement after it sees what they committed.
/// One text, sent as one message: the server answers it with one flush, where two statements
/// would take two.
const BEGIN_WRITE: &str = "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT 1 FROM account WHERE id = 1 FOR UPDATE";
/// A read transaction's start: one snapshot for all its statements.
const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

impl PgConn {
    /// The connection of `client`, whose I/O `io` runs on `rt`.
    pub(crate) fn new(rt: Runtime, client: Client, io: JoinHandle<()>, shown: String) -> PgConn {
        PgConn {
            rt,
            client: Some(client),
            io: Some(io),
            statements: RefCell::default(),
            failed: Cell::new(false),
            busy: Cell::new(false),
            queued: RefCell::default(),
            begin_queued: Cell::new(false),
            ahead: RefCell::default(),
            shown,
            commit_write: "COMMIT".into(),
        }
    }

    /// Ends every write transaction of this connection with a `NOTIFY` of `channel` sent in the
    /// same round trip as its `COMMIT`.
    pub(crate) fn announce_writes(&mut self, channel: &str) {
        self.commit_write = format!("NOTIFY \"{channel}\"; COMMIT");
    }

    /// The client, for one call; refused while rows are being read (`for_each`).
    fn client(&self) -> Result<&Client> {
        if self.busy.get() {
            return Err(Error::Invariant("a PostgreSQL statement ran inside another one's row callback".into()));
        }
        self.client.as_ref().ok_or_else(|| Error::Invariant("the PostgreSQL connection is closed".into()))
    }

    /// The prepared statement of `sql` (written with `?1` or `?` placeholders), prepared on
    /// first use.
    pub(crate) fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(st) = self.statements.borrow().get(sql) {
            return Ok(st.clone());
        }
        let client = self.client()?;
        let st = self.rt.block_on(client.prepare(&placeholders(sql))).map_err(|e| self.failed(e))?;
        self.statements.borrow_mut().insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Runs `request` after sending what is queued, all in one round trip. The first error
    /// wins: a queued statement's, else the request's.
    fn send<T, F: Future<Output = std::result::Result<T, PgError>>>(&self, request: F) -> Result<T> {
        let queued = self.queued.take();
        self.begin_queued.set(false);
        if queued.is_empty() {
            return self.rt.block_on(request).map_err(|e| self.failed(e));
        }
        let client = self.client()?;
        let params: Vec<Vec<&(dyn ToSql + Sync)>> = queued
            .iter()
            .map(|q| match q {
                Queued::Statement(_, p) => refs(p),
                Queued::Text(_) => Vec::new(),
            })
            .collect();
        let earlier = join_all(queued.iter().zip(&params).map(|(q, p)| match q {
            Queued::Statement(st, _) => Either::Left(async move { client.execute(st, p).await.map(drop) }),
            Queued::Text(sql) => Either::Right(client.batch_execute(sql)),
        }));
        let (earlier, out) = self.rt.block_on(join(earlier, request));
        if let Some(e) = earlier.into_iter().find_map(std::result::Result::err) {
            return Err(self.failed(e));
        }
        out.map_err(|e| self.failed(e))
    }

    /// Runs a statement; returns how many rows it changed.
    pub(crate) fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64> {
        self.ahead.borrow_mut().clear();
        let st = self.statement(sql)?;
        let client = self.client()?;
        let p = refs(params);
        self.send(client.execute(&st, &p))
    }

    /// Every row of a query: the answer read ahead, else a round trip.
    pub(crate) fn query(&self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>> {
        if let Some(rows) = self.take_ahead(sql, params) {
            return Ok(rows);
        }
        let st = self.statement(sql)?;
        let client = self.client()?;
        let p = refs(params);
        self.send(client.query(&st, &p))
    }

    /// The first row of a query, if any (the rest are read and dropped, as SQLite stops at the
    /// first).
    pub(crate) fn query_first(&self, sql: &str, params: &[Value<'_>]) -> Result<Option<Row>> {
        if let Some(rows) = self.take_ahead(sql, params) {
            return Ok(rows.into_iter().next());
        }
        let mut first = None;
        self.for_each(sql, params, |row| {
            if first.is_none() {
                first = Some(row);
            }
            Ok(())
        })?;
        Ok(first)
    }

    /// Reads every row of a query with `f`, one at a time as they arrive, without holding them
    /// all. `f` must not run SQL on this connection.
    pub(crate) fn for_each(&self, sql: &str, params: &[Value<'_>], mut f: impl FnMut(Row) -> Result<()>) -> Result<()> {
        let st = self.statement(sql)?;
        let client = self.client()?;
        let p = refs(params);
        let rows = self.send(client.query_raw(&st, p.iter().copied()))?;
        self.busy.set(true);
        // The rows are read inside one run of the runtime, `f` called as each arrives: entering
        // the runtime once a row cost about a microsecond, a second an export of a million.
        let out = self.rt.block_on(async {
            let mut rows = pin!(rows);
            loop {
                match rows.as_mut().try_next().await {
                    Ok(Some(row)) => {
                        if let Err(e) = f(row) {
                            // The rest are read to the end, so the connection is ready for the next.
                            while let Ok(Some(_)) = rows.as_mut().try_next().await {}
                            break Err(e);
                        }
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(self.failed(e)),
                }
            }
        });
        self.busy.set(false);
        out
    }

    /// Queues a write whose answer is only whether it worked: it is sent with the next
    /// statement that needs an answer, or with the `COMMIT`, and its failure fails that one.
    pub(crate) fn defer(&self, sql: &str, params: Vec<Value<'static>>) -> Result<()> {
        self.ahead.borrow_mut().clear();
        let st = self.statement(sql)?;
        self.queued.borrow_mut().push(Queued::Statement(st, params));
        Ok(())
    }

    /// Sends `reads` now, in one round trip with what is queued, and keeps each answer for the
    /// next run of the same statement with the same parameters (`query`, `query_first`).
    pub(crate) fn read_ahead(&self, reads: Vec<(&str, Vec<Value<'static>>)>) -> Result<()> {
        let statements = reads.iter().map(|(sql, _)| self.statement(sql)).collect::<Result<Vec<_>>>()?;
        let client = self.client()?;
        let params: Vec<Vec<&(dyn ToSql + Sync)>> = reads.iter().map(|(_, p)| refs(p)).collect();
        let answers: Vec<Vec<Row>> = self.send(async {
            join_all(statements.iter().zip(&params).map(|(st, p)| client.query(st, p))).await.into_iter().collect()
        })?;
        let mut ahead = self.ahead.borrow_mut();
        ahead.clear();
        ahead.extend(reads.into_iter().zip(answers).map(|((sql, p), rows)| (sql.to_string(), p, rows)));
        Ok(())
    }

    fn take_ahead(&self, sql: &str, params: &[Value<'_>]) -> Option<Vec<Row>> {
        let mut ahead = self.ahead.borrow_mut();
        let i = ahead.iter().position(|(s, p, _)| s == sql && p.as_slice() == params)?;
        Some(ahead.swap_remove(i).2)
    }

    /// Runs statements of SQL text with no parameters (schema, migrations), after what is
    /// queued.
    pub(crate) fn batch(&self, sql: &str) -> Result<()> {
        self.ahead.borrow_mut().clear();
        let client = self.client()?;
        self.send(client.batch_execute(sql))
    }

    /// Starts a write transaction: its `BEGIN` and the account lock are queued, to be sent with
    /// its first statement.
    pub(crate) fn begin_write(&self) -> Result<()> {
        self.begin(BEGIN_WRITE)
    }

    /// Starts a read transaction, sent with its first statement.
    pub(crate) fn begin_read(&self) -> Result<()> {
        self.begin(BEGIN_READ)
    }

    fn begin(&self, sql: &'static str) -> Result<()> {
        self.ahead.borrow_mut().clear();
        self.queued.borrow_mut().push(Queued::Text(sql));
        self.begin_queued.set(true);
        Ok(())
    }

    /// Commits the transaction, with what is queued (and for a write, the `NOTIFY`) in the same
    /// round trip. A queued statement that failed made PostgreSQL abort the transaction; its
    /// error is returned, and the transaction is left for the caller to roll back.
    pub(crate) fn commit(&self, write: bool) -> Result<()> {
        let client = self.client()?;
        let commit = if write { self.commit_write.as_str() } else { "COMMIT" };
        self.send(client.batch_execute(commit))?;
        self.ahead.borrow_mut().clear();
        Ok(())
    }

    /// Rolls the transaction back. What is queued is dropped unsent; when even its `BEGIN` was
    /// never sent, there is nothing to roll back.
    pub(crate) fn rollback(&self) -> Result<()> {
        self.queued.borrow_mut().clear();
        self.ahead.borrow_mut().clear();
        if self.begin_queued.replace(false) {
            return Ok(());
        }
        let client = self.client()?;
        self.rt.block_on(client.batch_execute("ROLLBACK")).map_err(|e| self.failed(e))
    }

    /// Streams rows into a `COPY … FROM STDIN (FORMAT binary)` of columns of `types`: `rows`
    /// writes each with the `write` it is given. When `rows` fails, the copy is abandoned and so
    /// is the transaction. Returns how many rows were written.
    pub(crate) fn copy_in(
        &self,
        sql: &str,
        types: &[Type],
        rows: impl FnOnce(&mut dyn FnMut(&[Value<'_>]) -> Result<()>) -> Result<()>,
    ) -> Result<u64> {
        self.ahead.borrow_mut().clear();
        let client = self.client()?;
        let sink = self.send(client.copy_in(sql))?;
        let mut writer = pin!(BinaryCopyInWriter::new(sink, types));
        let mut write = |values: &[Value<'_>]| {
            self.rt.block_on(writer.as_mut().write_raw(values.iter())).map_err(|e| self.failed(e))
        };
        if let Err(e) = rows(&mut write) {
            // Dropping the writer unfinished aborts the COPY, and PostgreSQL the transaction.
            self.failed.set(true);
            return Err(e);
        }
        self.rt.block_on(writer.as_mut().finish()).map_err(|e| self.failed(e))
    }

    /// Notes that a statement failed (see `failed`) and turns its error into the ledger's.
    pub(super) fn failed(&self, e: PgError) -> Error {
        self.failed.set(true);
        error(e)
    }

    /// Whether a statement failed since the last call, which starts the count again.
    pub(crate) fn take_failed(&self) -> bool {
        self.failed.replace(false)
    }

    /// Forgets the prepared statements: after a migration changed the tables they read.
    pub(crate) fn forget_statements(&self) {
        self.statements.borrow_mut().clear();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.client.as_ref().is_none_or(Client::is_closed)
    }
}

impl Drop for PgConn {
    /// Says goodbye to the server: the client, dropped, asks the connection to end, and its I/O
    /// task is given a moment to send that before the runtime stops.
    fn drop(&mut self) {
        drop(self.client.take());
        if let Some(io) = self.io.take() {
            let _ = self.rt.block_on(async { tokio::time::timeout(Duration::from_millis(200), io).await });
        }
    }
}

/// The parameters as the client takes them.
pub(super) fn refs<'v>(values: &'v [Value<'_>]) -> Vec<&'v (dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}
