//! The copy itself, inside the PostgreSQL transaction that made the schema: which tables (every
//! table of the SQLite ledger, each of which the PostgreSQL schema must have with the same
//! columns), each streamed with `COPY`, and the schema's own bookkeeping around them: its
//! foreign keys (checked once at the end), the rows its migration seeds, its identities.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Error, Result};
use crate::sql::{quoted, Conn};

/// Tables whose rows the PostgreSQL schema's migration writes into a new ledger (the default
/// alert level, the rate table's version): replaced by the SQLite ledger's own.
const SEEDED: &[&str] = &["alert_levels", "rates_version"];

/// How many rows between two calls of the progress callback.
const PROGRESS_EVERY: u64 = 10_000;

/// A table to copy: its columns as PostgreSQL has them (name, type), in their order.
struct Table {
    name: String,
    columns: Vec<(String, String)>,
    /// Its identity columns, which continue after the highest id copied.
    identities: Vec<String>,
}

/// What was copied.
pub(super) struct Copied {
    pub tables: usize,
    pub rows: u64,
}

/// Copies every table of `lite` into the empty ledger `pg` (`shown`: its URL, for errors).
pub(super) fn copy_all(
    lite: Conn<'_>,
    pg: Conn<'_>,
    shown: &str,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Copied> {
    let tables = plan(lite, pg)?;
    refuse_unless_empty(pg, &tables, shown)?;
    let mut counts = Vec::with_capacity(tables.len());
    for t in &tables {
        let n: i64 = lite.query_row(&format!("SELECT count(*) FROM {}", quoted(&t.name)), &[], |r| r.get(0))?;
        counts.push(u64::try_from(n).unwrap_or(0));
    }
    let total: u64 = counts.iter().sum();
    progress(0, total);
    // Checked row by row, the foreign keys took 15 of the 19 seconds that COPYing a million
    // activity lines took; added back after the copy, they check every row in one pass.
    let keys = foreign_keys(pg)?;
    for (table, name, _) in &keys {
        pg.execute(&format!("ALTER TABLE {} DROP CONSTRAINT {}", quoted(table), quoted(name)), &[])?;
    }
    for t in SEEDED {
        pg.execute(&format!("DELETE FROM {}", quoted(t)), &[])?;
    }
    let mut done = 0;
    for (t, &expected) in tables.iter().zip(&counts) {
        let written = copy_table(lite, pg, t, &mut done, total, progress)?;
        if written != expected {
            return Err(Error::Invariant(format!("{}: {written} rows copied of {expected}", t.name)));
        }
    }
    for (table, name, definition) in &keys {
        pg.execute(&format!("ALTER TABLE {} ADD CONSTRAINT {} {definition}", quoted(table), quoted(name)), &[])?;
    }
    // Last: a sequence's position is not rolled back with the transaction.
    for t in &tables {
        for column in &t.identities {
            pg.query_row(
                &format!(
                    "SELECT setval(pg_get_serial_sequence(?1, ?2), coalesce((SELECT max({c}) FROM {t}), 0) + 1, false)",
                    c = quoted(column),
                    t = quoted(&t.name)
                ),
                &[&quoted(&t.name), column],
                |r| r.get::<i64>(0),
            )?;
        }
    }
    // Statistics, in the same transaction: until autovacuum came round to the new tables, the
    // planner took a million-line table for a few hundred rows (an export's statements each
    // joined and sorted every remaining line: 18 s instead of 3 for a million-line card).
    for t in &tables {
        pg.execute(&format!("ANALYZE {}", quoted(&t.name)), &[])?;
    }
    progress(done, total);
    Ok(Copied { tables: tables.len(), rows: total })
}

/// Streams one table's rows from SQLite into PostgreSQL; returns how many.
fn copy_table(
    lite: Conn<'_>,
    pg: Conn<'_>,
    t: &Table,
    done: &mut u64,
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64> {
    let names: Vec<String> = t.columns.iter().map(|(c, _)| quoted(c)).collect();
    let select = format!("SELECT {} FROM {}", names.join(", "), quoted(&t.name));
    let width = t.columns.len();
    let copied = pg.copy_in(&t.name, &t.columns, |copy| {
        lite.for_each(&select, &[], |r| {
            let values = (0..width).map(|i| r.value(i)).collect::<Result<Vec<_>>>()?;
            copy.row(&values)?;
            *done += 1;
            if done.is_multiple_of(PROGRESS_EVERY) {
                progress(*done, total);
            }
            Ok(())
        })
    });
    copied.map_err(|e| match e {
        Error::Invariant(why) => Error::Invariant(format!("copying {}: {why}", t.name)),
        other => other,
    })
}

/// The tables to copy: every table of the SQLite ledger, each found in PostgreSQL with the same
/// columns, by name. PostgreSQL's own (`schema_version`) keep what its migration wrote.
fn plan(lite: Conn<'_>, pg: Conn<'_>) -> Result<Vec<Table>> {
    let mut pg_tables: BTreeMap<String, Table> = BTreeMap::new();
    let columns = pg.query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_identity::text
         FROM information_schema.columns c JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
         ORDER BY c.table_name, c.ordinal_position",
        &[],
        |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?, r.get::<String>(2)?, r.get::<String>(3)? == "YES")),
    )?;
    for (table, column, ty, identity) in columns {
        let t = pg_tables.entry(table.clone()).or_insert_with(|| Table {
            name: table,
            columns: Vec::new(),
            identities: Vec::new(),
        });
        if identity {
            t.identities.push(column.clone());
        }
        t.columns.push((column, ty));
    }
    let lite_tables = lite.query(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        &[],
        |r| r.get::<String>(0),
    )?;
    let mut chosen = Vec::new();
    for name in lite_tables {
        let t = pg_tables.remove(&name).ok_or_else(|| {
            Error::Invariant(format!("the SQLite ledger's table {name} has no place in the PostgreSQL schema"))
        })?;
        let lite_columns: BTreeSet<String> =
            lite.query("SELECT name FROM pragma_table_info(?1)", &[&name], |r| r.get(0))?.into_iter().collect();
        let pg_columns: BTreeSet<String> = t.columns.iter().map(|(c, _)| c.clone()).collect();
        if lite_columns != pg_columns {
            return Err(Error::Invariant(format!(
                "table {name} has the columns {lite_columns:?} in SQLite but {pg_columns:?} in PostgreSQL"
            )));
        }
        chosen.push(t);
    }
    chosen.sort_by(|a, b| a.name.cmp(&b.name));
    // The seeded tables last: what a trigger on another table's insert writes into them (the
    // rates' trigger raises `rates_version`) is then replaced by what SQLite holds.
    chosen.sort_by_key(|t| SEEDED.contains(&t.name.as_str()));
    Ok(chosen)
}

/// The schema's foreign keys: (table, constraint, its definition as `ADD CONSTRAINT` takes it).
fn foreign_keys(pg: Conn<'_>) -> Result<Vec<(String, String, String)>> {
    pg.query(
        "SELECT t.relname::text, k.conname::text, pg_get_constraintdef(k.oid)
         FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace JOIN pg_class t ON t.oid = k.conrelid
         WHERE k.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

/// Refuses a schema that holds any row of a ledger beyond what its migration seeds: a copy
/// goes into an empty schema only, and never mixes two ledgers.
fn refuse_unless_empty(pg: Conn<'_>, tables: &[Table], shown: &str) -> Result<()> {
    for t in tables.iter().filter(|t| !SEEDED.contains(&t.name.as_str())) {
        let used: bool =
            pg.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(&t.name)), &[], |r| r.get(0))?;
        if used {
            return Err(Error::Conflict(format!(
                "{shown} already holds a ledger (its table {} has rows); nothing was copied: \
                 migrate-to copies into an empty schema only (name a new one with schema= in the URL)",
                t.name
            )));
        }
    }
    Ok(())
}
