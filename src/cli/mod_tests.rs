//! The command line's argument parsing.

use clap::Parser;
use proptest::prelude::*;

use super::Cli;

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(cases(64))]

    /// Arbitrary argument lists: every one is parsed or refused with clap's message, never a panic.
    #[test]
    fn the_cli_parser_never_panics(args in prop::collection::vec(prop_oneof![
        Just("bill".to_string()), Just("import".to_string()), Just("export".to_string()), Just("cards".to_string()),
        Just("purchase".to_string()), Just("payment-card".to_string()), Just("repeat-order".to_string()),
        Just("email".to_string()), Just("set".to_string()), Just("alerts".to_string()),
        Just("recipients".to_string()), Just("audit".to_string()), Just("add".to_string()), Just("--json".to_string()), Just("--id".to_string()),
        Just("--pages".to_string()), Just("--port".to_string()), Just("--db".to_string()), Just("--".to_string()),
        Just("completions".to_string()), ".{0,16}",
    ], 0..8)) {
        let argv = std::iter::once("faxcredit".to_string()).chain(args);
        let _ = Cli::try_parse_from(argv);
    }
}
