//! `cargo xtask bench`: the figures of DESIGN.md §5, each measured against its reference in the
//! same run. Ours and the reference alternate, round after round (5 in the full run), and each
//! side is reported as its median with its spread (the lowest and highest round).
//!
//! Every round checks its own work before it counts: each fax billed (not refused, not
//! `exists`), each activity page full and in order, each export's row count on every side. A
//! figure whose work is not what it names stops the run with a panic, so `--quick` (the same code
//! on small sizes, part of `cargo xtask test`) fails when a figure rots; speed is judged only by
//! the full run's table.
//!
//! The PostgreSQL figures (`pg_*`, `pg.rs`) bill on the server `FAXCREDIT_TEST_PG` names:
//! `cargo xtask bench` starts a private cluster for them, as `cargo xtask test` does.
//!
//! `cargo run --release --example bench -- [--quick] [--out FILE] [--cli PATH] [--only NAME]`

// Timings and ratios of a measurement, not money.
#![allow(clippy::float_arithmetic, clippy::cast_precision_loss)]

mod billing;
mod card;
mod import;
mod pg;
mod pg_card;

use std::path::{Path, PathBuf};

use faxcredit::time::{parse_ts, Timestamp};
use serde::Serialize;

/// One side of a figure over its rounds.
#[derive(Debug, Clone, Serialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub rounds: usize,
}

impl Spread {
    pub fn of(values: &[f64]) -> Spread {
        assert!(!values.is_empty(), "bench: a side measured no round");
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 { v[mid] } else { (v[mid - 1] + v[mid]) / 2.0 };
        Spread { median, min: v[0], max: v[v.len() - 1], rounds: v.len() }
    }

    fn show(&self) -> String {
        format!("{:.3} ({:.3}–{:.3})", self.median, self.min, self.max)
    }
}

#[derive(Serialize)]
pub struct Figure {
    pub name: &'static str,
    pub unit: &'static str,
    /// The median of ours.
    pub ours: f64,
    pub ours_spread: Spread,
    /// The median of the reference.
    pub reference: Option<f64>,
    pub reference_spread: Option<Spread>,
    pub reference_name: &'static str,
    /// The medians' ratio.
    pub ratio: Option<f64>,
    pub target: &'static str,
    pub pass: bool,
    /// Threads that do the measured work: ours, then the reference.
    pub threads: (u32, Option<u32>),
    /// What every round checked before it counted.
    pub checked: &'static str,
    pub detail: String,
}

impl Figure {
    /// A figure of ours against a reference; `pass` judges the ratio of the medians.
    pub fn against(
        name: &'static str,
        unit: &'static str,
        ours: &[f64],
        reference: &[f64],
        reference_name: &'static str,
        target: &'static str,
        pass: impl Fn(f64) -> bool,
    ) -> Figure {
        let (o, r) = (Spread::of(ours), Spread::of(reference));
        let ratio = o.median / r.median;
        Figure {
            name,
            unit,
            ours: o.median,
            ours_spread: o,
            reference: Some(r.median),
            reference_spread: Some(r),
            reference_name,
            ratio: Some(ratio),
            target,
            pass: pass(ratio),
            threads: (1, Some(1)),
            checked: "",
            detail: String::new(),
        }
    }

    pub fn threads(mut self, ours: u32, reference: Option<u32>) -> Figure {
        self.threads = (ours, reference);
        self
    }

    pub fn checked(mut self, what: &'static str) -> Figure {
        self.checked = what;
        self
    }

    pub fn detail(mut self, detail: String) -> Figure {
        self.detail = detail;
        self
    }
}

pub struct Sizes {
    pub bill: usize,
    pub rounds: usize,
    pub scaling: [u64; 3],
    pub import: usize,
    pub card: u64,
    pub big_card: u64,
    pub pages: usize,
    /// Faxes of `pg_bill_durable` (each side), and of each side of `pg_bill_concurrent`.
    pub pg_bill: usize,
    pub pg_concurrent: usize,
    /// Records of `pg_import_bulk` (each side of a round).
    pub pg_import: usize,
}

const FULL: Sizes = Sizes {
    bill: 20_000,
    rounds: 5,
    scaling: [0, 100_000, 1_000_000],
    import: 1_000_000,
    card: 1_000_000,
    big_card: 4_000_000,
    pages: 1_000,
    pg_bill: 5_000,
    pg_concurrent: 8_000,
    pg_import: 50_000,
};
const QUICK: Sizes = Sizes {
    bill: 600,
    rounds: 3,
    scaling: [0, 2_000, 20_000],
    import: 20_000,
    card: 20_000,
    big_card: 80_000,
    pages: 200,
    pg_bill: 90,
    pg_concurrent: 240,
    pg_import: 2_000,
};

pub fn now() -> Timestamp {
    parse_ts("2026-11-24T10:00:00Z", "now").expect("time")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let out = PathBuf::from(arg("--out").unwrap_or_else(|| "target/bench/results.json".into()));
    let cli = PathBuf::from(arg("--cli").unwrap_or_else(|| "target/release/faxcredit".into()));
    let s = if quick { &QUICK } else { &FULL };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).expect("dir");
    }
    let dir = tempfile::tempdir_in(out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
        .expect("temp dir");
    let step = |name: &str| eprintln!("bench: {name}…");
    // `--only NAME`: one figure, for profiling.
    if let Some(name) = arg("--only") {
        let figures: Vec<Figure> = match name.as_str() {
            "bill_durable" => billing::bill_durable(dir.path(), s).into(),
            "bill_scaling" => vec![billing::bill_scaling(dir.path(), s)],
            "import_bulk" => vec![import::import_bulk(dir.path(), s)],
            "activity_page" => {
                vec![card::activity_page(
                    "activity_page",
                    &mut card::seeded(&dir.path().join("card.db"), s.card),
                    s,
                    s.card,
                )]
            }
            "export_1m" => {
                card::export_1m(&mut card::seeded(&dir.path().join("card.db"), s.card), dir.path(), s).into()
            }
            "pg_bill_durable" => pg::server().map(|url| pg::pg_bill_durable(&url, s)).into_iter().collect(),
            "pg_bill_concurrent" => pg::server().map(|url| pg::pg_bill_concurrent(&url, s)).into_iter().collect(),
            "pg_import_bulk" => {
                pg::server().map(|url| pg_card::pg_import_bulk(&url, dir.path(), s)).into_iter().collect()
            }
            "pg_card" => match pg::server() {
                Some(url) => {
                    let mut sqlite = card::seeded(&dir.path().join("card.db"), s.card);
                    pg_card::pg_card_figures(&url, &mut sqlite, dir.path(), s)
                }
                None => Vec::new(),
            },
            other => panic!(
                "--only takes bill_durable, bill_scaling, import_bulk, activity_page, export_1m, pg_bill_durable, \
                 pg_bill_concurrent, pg_import_bulk or pg_card (pg_activity_page and pg_export_1m), not {other}"
            ),
        };
        print_table(&figures);
        return;
    }

    let mut figures = Vec::new();
    step("bill_durable");
    figures.extend(billing::bill_durable(dir.path(), s));
    step("bill_scaling");
    figures.push(billing::bill_scaling(dir.path(), s));
    step("import_bulk");
    figures.push(import::import_bulk(dir.path(), s));
    step("seeding the large card");
    let big = dir.path().join("card.db");
    let mut db = card::seeded(&big, s.card);
    step("activity_page");
    figures.push(card::activity_page("activity_page", &mut db, s, s.card));
    step("export_1m");
    figures.extend(card::export_1m(&mut db, dir.path(), s));
    let server = pg::server();
    if let Some(server) = &server {
        step("pg_activity_page and pg_export_1m (the large card moved up to PostgreSQL)");
        figures.extend(pg_card::pg_card_figures(server, &mut db, dir.path(), s));
    }
    drop(db);
    step("export_memory");
    figures.push(card::export_memory(&cli, &big, dir.path(), s));
    if let Some(server) = server {
        step("pg_bill_durable");
        figures.push(pg::pg_bill_durable(&server, s));
        step("pg_bill_concurrent");
        figures.push(pg::pg_bill_concurrent(&server, s));
        step("pg_import_bulk");
        figures.push(pg_card::pg_import_bulk(&server, dir.path(), s));
    }

    print_table(&figures);
    std::fs::write(&out, serde_json::to_string_pretty(&figures).expect("json")).expect("write results");
    eprintln!("bench: wrote {}", out.display());
}

/// Medians with the spread of the rounds in brackets.
fn print_table(figures: &[Figure]) {
    println!(
        "{:<17} {:>34} {:>34} {:>6} {:>7}  {:<32} pass",
        "figure", "ours: median (range)", "reference: median (range)", "ratio", "threads", "target"
    );
    for f in figures {
        println!(
            "{:<17} {:>34} {:>34} {:>6} {:>7}  {:<32} {}",
            f.name,
            format!("{} {}", f.ours_spread.show(), short(f.unit)),
            f.reference_spread.as_ref().map(Spread::show).unwrap_or_else(|| "—".into()),
            f.ratio.map(|r| format!("{r:.2}")).unwrap_or_else(|| "—".into()),
            match f.threads {
                (o, Some(r)) => format!("{o}/{r}"),
                (o, None) => o.to_string(),
            },
            f.target,
            if f.pass { "yes" } else { "NO" }
        );
        if !f.detail.is_empty() {
            println!("{:<17} {}", "", f.detail);
        }
    }
}

fn short(unit: &str) -> &str {
    unit.split(' ').next().unwrap_or(unit)
}
