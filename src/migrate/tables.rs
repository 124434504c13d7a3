//! The copy itself, inside the PostgreSQL transaction that made the schema: which tables (every
//! table of the SQLite ledger, each of which the PostgreSQL schema must have with the same
//! columns), in what order (a table after those its foreign keys name), each streamed with
//! `COPY`, and the schema's own bookkeeping around them: the rows its migration seeds and its
//! identities.

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
            if *done % PROGRESS_EVERY == 0 {
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

/// The tables to copy, in an order that copies a table after those its foreign keys name:
/// every table of the SQLite ledger, each found in PostgreSQL with the same columns.
/// PostgreSQL's own (`schema_version`) keep what its migration wrote.
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
    let mut chosen = BTreeMap::new();
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
        chosen.insert(name, t);
    }
    let mut ordered = in_key_order(pg, chosen)?;
    // The seeded tables last (no key names them): what a trigger on another table's insert
    // writes into them (the rates' trigger raises `rates_version`) is then replaced by what
    // SQLite holds.
    ordered.sort_by_key(|t| SEEDED.contains(&t.name.as_str()));
    Ok(ordered)
}

/// `tables` ordered so that each comes after the tables its foreign keys name (a table naming
/// itself, as a card its previous card, is checked at the end of its own COPY); by name among
/// equals, so the order is always the same.
fn in_key_order(pg: Conn<'_>, mut tables: BTreeMap<String, Table>) -> Result<Vec<Table>> {
    let keys = pg.query(
        "SELECT DISTINCT src.relname::text, dst.relname::text
         FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
           JOIN pg_class src ON src.oid = k.conrelid JOIN pg_class dst ON dst.oid = k.confrelid
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
        &[],
        |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
    )?;
    let mut needs: BTreeMap<String, BTreeSet<String>> = tables.keys().map(|t| (t.clone(), BTreeSet::new())).collect();
    for (from, to) in keys {
        if from != to && tables.contains_key(&to) {
            needs.entry(from).or_default().insert(to);
        }
    }
    let mut ordered = Vec::with_capacity(tables.len());
    while !needs.is_empty() {
        let ready: Vec<String> = needs.iter().filter(|(_, n)| n.is_empty()).map(|(t, _)| t.clone()).collect();
        if ready.is_empty() {
            return Err(Error::Invariant(format!("the tables' foreign keys form a cycle among {needs:?}")));
        }
        for t in ready {
            needs.remove(&t);
            needs.values_mut().for_each(|n| {
                n.remove(&t);
            });
            ordered.extend(tables.remove(&t));
        }
    }
    Ok(ordered)
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
