//! `cargo xtask soak` and `cargo xtask fuzz`: the long variants of the reliability suite, whose
//! short runs are part of `cargo test`.

use std::path::Path;

use crate::sh::{cmd, Step};

/// 200,000 faxes from five writers at once, then 1,000 SIGKILLs of the CLI mid-work.
pub fn soak(root: &Path) -> Step {
    cmd("cargo", &["test", "--release", "--test", "soak", "--test", "crash", "--", "--nocapture", "--test-threads=1"])
        .dir(root)
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
