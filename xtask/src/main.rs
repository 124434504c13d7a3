//! `cargo xtask run | test`: the README's two commands. Each installs what is missing on a
//! Debian/Ubuntu machine (apt packages as root or with sudo; otherwise it prints the exact
//! command), builds the UI and the app, then runs the app or every test; and the other commands
//! of the usage text (`e2e`, `bundle`, `bench`, `soak`, `fuzz`, `pg`, `deps`).

mod bench;
mod bundle;
mod deps;
mod pg;
mod reliability;
mod sh;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sh::{cmd, Step};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask <command>\n\n  run [--release] [-- APP ARGS]  install what is missing, build, open the app on the demo account\n  test                           install what is missing, run every test (core, UI, app)\n  e2e [FILE|PATTERN]             build, then only the end-to-end tests of tests/e2e/FILE.test.mjs (or whose names match PATTERN)\n  bundle [--verify]              the release .deb and .rpm in target/dist, checked; --verify installs the .deb on a clean Debian root\n  bench [--quick] [--only NAME]  the performance figures against their references (target/bench/results.json)\n  soak                           200,000 faxes from five writers at once on SQLite and on PostgreSQL, 1,000 SIGKILLs mid-work\n  fuzz                           the importers and the CLI parser under 20,000 generated inputs each\n  pg                             a private PostgreSQL server as the tests get it: prints its URL and export lines; Enter or Ctrl-C stops it\n  deps                           only install what is missing"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("e2e") => e2e_only(args.get(1).map(String::as_str)),
        Some("bundle") => bundle::bundle(&root(), args.iter().any(|a| a == "--verify")),
        Some("bench") => bench_alone(&args[1..]),
        Some("soak") => reliability::soak(&root()),
        Some("fuzz") => reliability::fuzz(&root()),
        Some("pg") => pg_by_hand(),
        Some("deps") => deps::ensure(deps::Need::Test),
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Installs the UI's npm packages (exactly the lock file) and builds it into ui/dist.
pub(crate) fn build_ui() -> Step {
    let ui = root().join("ui");
    if !ui.join("node_modules").is_dir() {
        cmd("npm", &["ci", "--no-audit", "--no-fund"]).dir(&ui).run()?;
    }
    cmd("npm", &["run", "build"]).dir(&ui).run()
}

pub(crate) fn build_app(release: bool) -> Step {
    build_ui()?;
    let mut a = vec!["build", "-p", "fax-credit-app", "-p", "faxcredit"];
    if release {
        a.push("--release");
    }
    cmd("cargo", &a).dir(root()).run()
}

fn run(args: &[String]) -> Step {
    deps::ensure(deps::Need::Run)?;
    let release = args.iter().any(|a| a == "--release");
    build_app(release)?;
    let app = root().join("target").join(if release { "release" } else { "debug" }).join(exe("fax-credit"));
    let passthrough: Vec<&str> = match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].iter().map(String::as_str).collect(),
        None => vec!["--demo"],
    };
    println!("xtask: opening {} {}", app.display(), passthrough.join(" "));
    cmd(app.to_str().unwrap_or("fax-credit"), &passthrough).dir(root()).run()
}

fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

fn test(_args: &[String]) -> Step {
    deps::ensure(deps::Need::Test)?;
    deps::ensure_tauri_driver()?;
    let r = root();
    println!("xtask: [1/4] UI type check and unit tests");
    build_ui()?;
    cmd("npm", &["run", "check"]).dir(r.join("ui")).run()?;
    // Local days are UTC days only in UTC: the tests run in two zones where they are not, one
    // of them leaving daylight time inside the tested range.
    for zone in ["UTC", "America/St_Johns", "Asia/Kolkata"] {
        println!("xtask: UI unit tests in TZ={zone}");
        cmd("npm", &["test"]).dir(r.join("ui")).env("TZ", zone).run()?;
    }
    println!("xtask: [2/4] build the app and the CLI");
    build_app(false)?;
    println!("xtask: [3/4] lints, then core, CLI and app command tests");
    cmd("cargo", &["fmt", "--all", "--check"]).dir(&r).run()?;
    cmd("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]).dir(&r).run()?;
    // One private PostgreSQL cluster for every test process from here to the end; dropped (stopped
    // and removed) when this function returns, whether the tests passed or not.
    let pg = start_pg()?;
    let env = pg.env();
    cmd("cargo", &["test", "--workspace", "--", "--test-threads=2"]).dir(&r).envs(&env).run()?;
    println!("xtask: the OS keyring tests against a real Secret Service (gnome-keyring on a private bus)");
    secret_service_tests(&r, &env)?;
    // Speed is not judged on small sizes, but every round checks its own work (faxes billed,
    // pages full, rows counted), so a figure that stops measuring what it names fails here.
    println!("xtask: the benchmarks on small sizes: each figure's work checked, its speed not judged");
    bench::bench(&r, true, None, &env)?;
    println!("xtask: [4/4] end-to-end tests of the real app under Xvfb");
    e2e(&r, None, &env)?;
    println!("xtask: all tests passed");
    Ok(())
}

/// `cargo xtask bench [--quick] [--only NAME]`: the PostgreSQL figures bill on a private
/// cluster, as the tests do, stopped at the end; a figure of SQLite alone needs none.
fn bench_alone(args: &[String]) -> Step {
    let quick = args.iter().any(|a| a == "--quick");
    let only = args.iter().position(|a| a == "--only").map(|i| args.get(i + 1).map(String::as_str));
    let only = match only {
        Some(None) => return Err("bench: --only takes the name of a figure".into()),
        Some(Some(name)) => Some(name),
        None => None,
    };
    if only.is_some_and(|name| !name.starts_with("pg_")) {
        return bench::bench(&root(), quick, only, &[]);
    }
    let pg = start_pg()?;
    bench::bench(&root(), quick, only, &pg.env())
}

/// A private PostgreSQL cluster for the tests (xtask/src/pg.rs), said where it is.
fn start_pg() -> Result<pg::Cluster, String> {
    let pg = pg::Cluster::start()?;
    println!(
        "xtask: the tests' private PostgreSQL cluster: {} (in {}; FAXCREDIT_TEST_PG_CTL={}), stopped at the end",
        pg.url(),
        pg.dir().display(),
        pg.ctl().display()
    );
    Ok(pg)
}

/// `cargo xtask e2e`: only the end-to-end tests, with a private PostgreSQL cluster as in `test`.
fn e2e_only(pattern: Option<&str>) -> Step {
    deps::ensure(deps::Need::Test)?;
    deps::ensure_tauri_driver()?;
    build_app(false)?;
    let pg = start_pg()?;
    e2e(&root(), pattern, &pg.env())
}

/// `cargo xtask pg`: a private cluster in the foreground for a developer, until Enter, Ctrl-C
/// or SIGTERM (pg.rs's handler stops it on a signal; dropping it here on Enter).
fn pg_by_hand() -> Step {
    deps::ensure_packages(&["postgresql"])?;
    let pg = pg::Cluster::start()?;
    println!("xtask: a private PostgreSQL cluster in {}, as `cargo xtask test` gives the tests:", pg.dir().display());
    println!("\n  {}\n", pg.url());
    for (k, v) in pg.env() {
        println!("export {k}='{v}'");
    }
    println!("\n  {} -h 127.0.0.1 -p {} -U postgres\n", pg.bin().join("psql").display(), pg.port());
    println!("xtask: press Enter (or Ctrl-C) to stop it and remove its directory");
    let mut line = String::new();
    if let Ok(0) = std::io::stdin().read_line(&mut line) {
        // No terminal to press Enter in (stdin closed): wait for Ctrl-C or SIGTERM.
        println!("xtask: stdin is closed; Ctrl-C or SIGTERM stops it");
        loop {
            std::thread::park();
        }
    }
    drop(pg);
    println!("xtask: stopped and removed");
    Ok(())
}

/// The tests marked for a real Secret Service, on a private session bus with an unlocked
/// gnome-keyring, so they never touch the developer's own keyring.
fn secret_service_tests(r: &Path, env: &[(String, String)]) -> Step {
    let script = "echo -n faxcredit-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
                  cargo test --workspace --test keyring_secret_service -- --include-ignored && \
                  cargo test --workspace --test crash -- --ignored --nocapture";
    let home = std::env::temp_dir().join(format!("faxcredit-keyring-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let result = cmd("dbus-run-session", &["--", "sh", "-c", script])
        .dir(r)
        .envs(env)
        .env("HOME", &home.display().to_string())
        .env("XDG_DATA_HOME", &home.join("data").display().to_string())
        .env(
            "CARGO_HOME",
            &std::env::var("CARGO_HOME")
                .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default())),
        )
        .env(
            "RUSTUP_HOME",
            &std::env::var("RUSTUP_HOME")
                .unwrap_or_else(|_| format!("{}/.rustup", std::env::var("HOME").unwrap_or_default())),
        )
        .run();
    let _ = std::fs::remove_dir_all(&home);
    result
}

/// The real app binary under a virtual display, driven over WebDriver (tauri-driver and
/// WebKitWebDriver) and xdotool: tests/e2e/*.test.mjs on Node's test runner.
fn e2e(r: &Path, pattern: Option<&str>, env: &[(String, String)]) -> Step {
    let display = sh::Xvfb::start()?;
    let app = r.join("target/debug").join(exe("fax-credit"));
    let cli = r.join("target/debug").join(exe("faxcredit"));
    let home = std::env::temp_dir().join(format!("faxcredit-e2e-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let mut node = String::from("exec node --test --test-concurrency=1");
    // A file's name (`desk` for tests/e2e/desk.test.mjs) runs that file; anything else is a
    // pattern on the tests' names, across every file.
    let file = pattern.map(|p| format!("tests/e2e/{p}.test.mjs")).filter(|f| r.join(f).is_file());
    match (pattern, &file) {
        (_, Some(f)) => node.push_str(&format!(" {f}")),
        (Some(p), None) => node.push_str(&format!(" --test-name-pattern='{}' tests/e2e/", p.replace('\'', ""))),
        (None, None) => node.push_str(" tests/e2e/"),
    }
    // A private session bus with an unlocked gnome-keyring: the app's keyring is real, and never
    // the developer's own.
    let script =
        format!("echo -n faxcredit-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && {node}");
    let result = cmd("dbus-run-session", &["--", "sh", "-c", &script])
        .dir(r)
        .envs(env)
        .env("DISPLAY", display.name())
        .env("FAXCREDIT_APP", &app.display().to_string())
        .env("FAXCREDIT_CLI", &cli.display().to_string())
        // The Save As dialog starts in $HOME; keep it and the app's data away from the user's.
        .env("HOME", &home.display().to_string())
        .env("XDG_DATA_HOME", &home.join("data").display().to_string())
        .env("GTK_A11Y", "none")
        .run();
    let _ = std::fs::remove_dir_all(&home);
    result
}
