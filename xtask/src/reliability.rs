//! `cargo xtask soak` and `cargo xtask fuzz`: the long variants of the reliability suite, whose
//! short runs are part of `cargo test`.

use std::path::Path;

use crate::sh::{cmd, Step};

/// 200,000 faxes from five writers at once on each engine (SQLite, then a private PostgreSQL
/// cluster started for the run as `cargo xtask test` does), then 1,000 SIGKILLs of the CLI
/// mid-work. One test at a time, so each engine's figure is its own.
pub fn soak(root: &Path) -> Step {
    crate::deps::ensure_packages(&["postgresql"])?;
    // Stopped and removed when this function returns, whether the run passed or not.
    let pg = crate::start_pg()?;
    cmd("cargo", &["test", "--release", "--test", "soak", "--test", "crash", "--", "--nocapture", "--test-threads=1"])
        .dir(root)
        .envs(&pg.env())
        .env("FAXCREDIT_SOAK_FAXES", "200000")
        .env("FAXCREDIT_CRASH_KILLS", "1000")
        .run()
}

/// The importers and the CLI parser under 20,000 generated inputs each.
pub fn fuzz(root: &Path) -> Step {
    cmd("cargo", &["test", "--release", "--test", "fuzz", "--bin", "faxcredit", "--", "--nocapture"])
        .dir(root)
        .env("PROPTEST_CASES", "20000")
        .run()
}
