fn main() {
    std::process::exit(faxcredit::cli::main());
}
