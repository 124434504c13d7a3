//! `faxcredit`: the command line over the core library, for fax gateways and scripts.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
