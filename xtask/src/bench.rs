//! `cargo xtask bench [--quick]`: the performance figures of DESIGN.md §5, each against its
//! reference in one run, printed and written to `target/bench/results.json`.

use std::path::Path;

use crate::sh::{cmd, Step};

/// `env` is given to the benchmark process (the PostgreSQL cluster of the PostgreSQL figures);
/// `only` names the one figure to run, the app's start included only in a whole full run.
pub fn bench(root: &Path, quick: bool, only: Option<&str>, env: &[(String, String)]) -> Step {
    crate::deps::ensure(crate::deps::Need::Test)?;
    let profile = if quick { "debug" } else { "release" };
    let mut build = vec!["build", "-p", "faxcredit", "--example", "bench", "--bin", "faxcredit"];
    if !quick {
        build.push("--release");
    }
    cmd("cargo", &build).dir(root).run()?;
    let out = root.join("target/bench/results.json");
    std::fs::create_dir_all(root.join("target/bench")).map_err(|e| e.to_string())?;
    let bin = root.join("target").join(profile);
    let mut args = vec![
        "--out".to_string(),
        out.display().to_string(),
        "--cli".into(),
        bin.join("faxcredit").display().to_string(),
    ];
    if quick {
        args.push("--quick".into());
    }
    if let Some(name) = only {
        args.extend(["--only".to_string(), name.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cmd(&bin.join("examples/bench").display().to_string(), &args).dir(root).envs(env).run()?;
    if !quick && only.is_none() {
        app_start(root, &out)?;
    }
    Ok(())
}

/// The release app on the 1M-line demo, under Xvfb, driven by WebDriver.
fn app_start(root: &Path, out: &Path) -> Step {
    crate::deps::ensure_tauri_driver()?;
    crate::build_ui()?;
    crate::build_app(true)?;
    let dir = tempfile_dir()?;
    let db = dir.join("demo-1m.db");
    let cli = root.join("target/release/faxcredit");
    cmd(
        &cli.display().to_string(),
        &["--db", &db.display().to_string(), "demo", "--faxes", "1000000", "--single-card"],
    )
    .run()?;
    let display = crate::sh::Xvfb::start()?;
    let app = root.join("target/release/fax-credit");
    let output = std::process::Command::new("node")
        .current_dir(root)
        .args(["tests/e2e/app_start.mjs", &db.display().to_string()])
        .env("DISPLAY", display.name())
        .env("FAXCREDIT_APP", &app)
        .env("GTK_A11Y", "none")
        .output()
        .map_err(|e| format!("node: {e}"))?;
    let _ = std::fs::remove_dir_all(&dir);
    let line = String::from_utf8_lossy(&output.stdout).lines().last().unwrap_or("").to_string();
    let v: serde_json::Value =
        serde_json::from_str(&line).map_err(|_| format!("app_start: {}", String::from_utf8_lossy(&output.stderr)))?;
    let total = v["total_ms"].as_f64().unwrap_or(f64::MAX);
    let row = serde_json::json!({
        "name": "app_start", "unit": "ms", "ours": total, "reference": null, "reference_name": "",
        "ratio": null, "target": "< 1000 ms", "pass": total < 1000.0,
        "detail": v,
    });
    println!(
        "{:<14} {:>12} {:>12} {:>7}  {:<32} {}",
        "app_start",
        format!("{total:.0} ms"),
        "—",
        "—",
        "< 1000 ms",
        if total < 1000.0 { "yes" } else { "NO" }
    );
    let mut all: Vec<serde_json::Value> =
        std::fs::read_to_string(out).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
    all.push(row);
    std::fs::write(out, serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let d = std::env::temp_dir().join(format!("faxcredit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
    Ok(d)
}
