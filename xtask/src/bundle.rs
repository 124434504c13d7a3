//! `cargo xtask bundle [--verify]`: the release app and CLI as a .deb and an .rpm (Tauri's
//! bundler, from the Tauri CLI in ui/'s devDependencies), their contents checked with the
//! distributions' own tools, and with `--verify` the .deb installed into a fresh minimal Debian
//! root (debootstrap), used there, and removed again.

use std::path::{Path, PathBuf};

use crate::deps;
use crate::sh::{cmd, Step, Xvfb};

/// What the packages must carry, besides the app itself.
const PAYLOAD: &[&str] = &[
    "usr/bin/fax-credit",
    "usr/bin/faxcredit",
    "usr/share/applications/fax-credit.desktop",
    "usr/share/man/man1/faxcredit.1.gz",
    "usr/share/bash-completion/completions/faxcredit",
    "usr/share/fish/vendor_completions.d/faxcredit.fish",
    "usr/share/metainfo/com.faxcredit.app.metainfo.xml",
    "usr/share/icons/hicolor/16x16/apps/fax-credit.png",
    "usr/share/icons/hicolor/32x32/apps/fax-credit.png",
    "usr/share/icons/hicolor/48x48/apps/fax-credit.png",
    "usr/share/icons/hicolor/128x128/apps/fax-credit.png",
    "usr/share/icons/hicolor/256x256/apps/fax-credit.png",
    "usr/share/icons/hicolor/512x512/apps/fax-credit.png",
];

/// Tools of the distributions that judge the packages.
const TOOLS: &[&str] = &["desktop-file-utils", "appstream", "man-db", "rpm", "debootstrap", "xvfb", "xdotool"];

pub fn bundle(root: &Path, verify: bool) -> Step {
    deps::ensure(deps::Need::Run)?;
    deps::ensure_packages(TOOLS)?;
    crate::build_ui()?;
    cmd("cargo", &["build", "--release", "--locked", "-p", "faxcredit", "--bin", "faxcredit"]).dir(root).run()?;
    docs(root)?;
    let tauri = root.join("ui/node_modules/.bin/tauri");
    cmd(&tauri.display().to_string(), &["build", "--bundles", "deb,rpm", "--ci"]).dir(root).run()?;
    let (deb, rpm) = collect(root)?;
    inspect(root, &deb, &rpm)?;
    println!(
        "xtask: packages in {}:\n  {}\n  {}",
        deb.parent().unwrap_or(root).display(),
        deb.display(),
        rpm.display()
    );
    if verify {
        clean_root(root, &deb)?;
    }
    Ok(())
}

/// The manual page and the completions, from the CLI's own clap definition.
fn docs(root: &Path) -> Step {
    let out = root.join("target/bundle-extra");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let cli = root.join("target/release/faxcredit").display().to_string();
    let man = capture(&cli, &["man"])?;
    std::fs::write(out.join("faxcredit.1"), man).map_err(|e| e.to_string())?;
    cmd("gzip", &["-9nf", "faxcredit.1"]).dir(&out).run()?;
    for (shell, file) in [("bash", "faxcredit.bash"), ("zsh", "_faxcredit"), ("fish", "faxcredit.fish")] {
        std::fs::write(out.join(file), capture(&cli, &["completions", shell])?).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn capture(program: &str, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = std::process::Command::new(program).args(args).output().map_err(|e| format!("{program}: {e}"))?;
    if !out.status.success() {
        return Err(format!("`{program} {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(out.stdout)
}

fn text(program: &str, args: &[&str]) -> Result<String, String> {
    capture(program, args).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Tauri names the packages after the product ("Fax Credit_0.1.0_amd64.deb"); they are copied
/// to target/dist under the package's own name, as a user downloads them.
fn collect(root: &Path) -> Result<(PathBuf, PathBuf), String> {
    let dist = root.join("target/dist");
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    let version = env!("CARGO_PKG_VERSION");
    let find = |dir: &str, ext: &str| -> Result<PathBuf, String> {
        let dir = root.join("target/release/bundle").join(dir);
        std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == ext) && p.to_string_lossy().contains(version))
            .ok_or_else(|| format!("no .{ext} of version {version} in {}", dir.display()))
    };
    let deb = dist.join(format!("fax-credit_{version}_amd64.deb"));
    let rpm = dist.join(format!("fax-credit-{version}-1.x86_64.rpm"));
    std::fs::copy(find("deb", "deb")?, &deb).map_err(|e| e.to_string())?;
    std::fs::copy(find("rpm", "rpm")?, &rpm).map_err(|e| e.to_string())?;
    Ok((deb, rpm))
}

/// The packages' metadata and files, judged by dpkg, rpm, desktop-file-validate, appstreamcli
/// and man.
fn inspect(root: &Path, deb: &Path, rpm: &Path) -> Step {
    let deb_s = deb.display().to_string();
    let control = text("dpkg-deb", &["--field", &deb_s])?;
    println!("{control}");
    let field =
        |name: &str| control.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))).unwrap_or_default().to_string();
    expect(field("Package") == "fax-credit", "the .deb is the package fax-credit")?;
    let depends = field("Depends");
    for dep in ["libwebkit2gtk-4.1-0", "libgtk-3-0"] {
        expect(depends.contains(dep), &format!("the .deb depends on {dep} (Depends: {depends})"))?;
    }
    expect(!depends.contains("gnome-keyring"), "a Secret Service provider is recommended, not required")?;
    expect(field("Recommends").contains("gnome-keyring"), "the .deb recommends a Secret Service provider")?;

    let contents = text("dpkg-deb", &["--contents", &deb_s])?;
    let files: Vec<&str> = contents
        .lines()
        .filter_map(|l| l.split_once(':').and_then(|(_, rest)| rest.split_once(' ')).map(|(_, path)| path.trim()))
        .map(|p| p.trim_start_matches("./"))
        .collect();
    for file in PAYLOAD {
        expect(files.contains(file), &format!("the .deb carries /{file}"))?;
    }
    let rpm_s = rpm.display().to_string();
    let rpm_files = text("rpm", &["-qlp", &rpm_s])?;
    let rpm_files: Vec<&str> = rpm_files.lines().map(|l| l.trim_start_matches('/')).collect();
    for file in PAYLOAD {
        expect(rpm_files.contains(file), &format!("the .rpm carries /{file}"))?;
    }
    let requires = text("rpm", &["-qp", "--requires", &rpm_s])?;
    for lib in ["libwebkit2gtk-4.1.so.0", "libgtk-3.so.0"] {
        expect(requires.contains(lib), &format!("the .rpm requires {lib}: {requires}"))?;
    }
    let recommends = text("rpm", &["-qp", "--recommends", &rpm_s])?;
    expect(recommends.contains("gnome-keyring"), "the .rpm recommends a Secret Service provider")?;

    let x = root.join("target/dist/deb-contents");
    let _ = std::fs::remove_dir_all(&x);
    cmd("dpkg-deb", &["-x", &deb_s, &x.display().to_string()]).run()?;
    cmd("desktop-file-validate", &[&x.join("usr/share/applications/fax-credit.desktop").display().to_string()])
        .run()?;
    cmd(
        "appstreamcli",
        &["validate", "--no-net", &x.join("usr/share/metainfo/com.faxcredit.app.metainfo.xml").display().to_string()],
    )
    .run()?;
    let man = std::process::Command::new("man")
        .args(["-l", &x.join("usr/share/man/man1/faxcredit.1.gz").display().to_string()])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .map_err(|e| format!("man: {e}"))?;
    let page = String::from_utf8_lossy(&man.stdout);
    expect(man.status.success() && page.contains("NAME") && page.contains("repeat-order"), "man -l renders the page")?;
    let version = text(&x.join("usr/bin/faxcredit").display().to_string(), &["--version"])?;
    expect(version.trim() == format!("faxcredit {}", env!("CARGO_PKG_VERSION")), "the packaged CLI's version")?;
    let version = text(&x.join("usr/bin/fax-credit").display().to_string(), &["--version"])?;
    expect(version.trim() == format!("fax-credit {}", env!("CARGO_PKG_VERSION")), "the packaged app's version")?;
    println!("xtask: the packages carry and declare what they must");
    Ok(())
}

fn expect(ok: bool, what: &str) -> Step {
    if ok {
        Ok(())
    } else {
        Err(format!("package check failed: {what}"))
    }
}

/// The Debian mirror this machine's apt uses, so the clean root comes from the same place.
fn mirror() -> String {
    let sources = std::fs::read_to_string("/etc/apt/sources.list.d/debian.sources").unwrap_or_default();
    sources
        .lines()
        .filter_map(|l| l.strip_prefix("URIs:"))
        .map(|u| u.trim().to_string())
        .find(|u| u.ends_with("/debian"))
        .unwrap_or_else(|| "http://deb.debian.org/debian".into())
}

fn suite() -> String {
    text("sh", &["-c", ". /etc/os-release && echo $VERSION_CODENAME"])
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "bookworm".into())
}

/// Installs the .deb into a fresh minimal Debian root with apt resolving its dependencies, uses
/// the CLI and starts the app there, then removes the package and checks that only the user's
/// data is left.
fn clean_root(root: &Path, deb: &Path) -> Step {
    let chroot = root.join("target/clean-root");
    let _ = umount_all(&chroot);
    let _ = std::fs::remove_dir_all(&chroot);
    let started = std::time::Instant::now();
    cmd("debootstrap", &["--variant=minbase", &suite(), &chroot.display().to_string(), &mirror()]).run()?;
    let result = (|| -> Step {
        for (what, fs) in [("proc", "proc"), ("sys", "sysfs")] {
            cmd("mount", &["-t", fs, what, &chroot.join(what).display().to_string()]).run()?;
        }
        std::fs::copy(deb, chroot.join("tmp/fax-credit.deb")).map_err(|e| e.to_string())?;
        let r = chroot.display().to_string();
        let inside = |script: &str| cmd("chroot", &[&r, "sh", "-ec", script]).env("DEBIAN_FRONTEND", "noninteractive");
        inside("apt-get update -qq && apt-get install -y -qq /tmp/fax-credit.deb").run()?;
        let files = text("chroot", &[&r, "dpkg", "-L", "fax-credit"])?;
        inside(
            "faxcredit --version && fax-credit --version && \
             export HOME=/root && faxcredit demo --faxes 300 && faxcredit --db /root/.local/share/com.faxcredit.app/faxcredit.db check && \
             man -w faxcredit >/dev/null 2>&1 || test -f /usr/share/man/man1/faxcredit.1.gz",
        )
        .run()?;
        app_window_appears(&chroot)?;
        inside("apt-get purge -y -qq fax-credit").run()?;
        let left: Vec<&str> = files
            .lines()
            .filter(|f| f.starts_with("/usr/") && !Path::new(f).is_dir())
            .filter(|f| chroot.join(f.trim_start_matches('/')).exists())
            .collect();
        expect(left.is_empty(), &format!("the package's files are gone after removal: {left:?}"))?;
        expect(
            chroot.join("root/.local/share/com.faxcredit.app/faxcredit.db").exists(),
            "the user's ledger is still there after removal",
        )?;
        Ok(())
    })();
    let _ = umount_all(&chroot);
    match &result {
        Ok(()) => {
            println!("xtask: installed, used and removed on a clean Debian root in {:.0?}", started.elapsed());
            let _ = std::fs::remove_dir_all(&chroot);
        }
        Err(_) => println!("xtask: the clean root is left in {} to look at", chroot.display()),
    }
    result
}

/// The installed app, started from the clean root with `--demo` on a virtual display, shows its
/// window.
fn app_window_appears(chroot: &Path) -> Step {
    let display = Xvfb::start()?;
    let sockets = chroot.join("tmp/.X11-unix");
    std::fs::create_dir_all(&sockets).map_err(|e| e.to_string())?;
    cmd("mount", &["--bind", "/tmp/.X11-unix", &sockets.display().to_string()]).run()?;
    let r = chroot.display().to_string();
    let mut app = std::process::Command::new("chroot")
        .args([&r, "env", &format!("DISPLAY={}", display.name()), "HOME=/root", "fax-credit", "--demo"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let found = std::process::Command::new("timeout")
        .args(["90", "xdotool", "search", "--sync", "--onlyvisible", "--name", "Fax Credit"])
        .env("DISPLAY", display.name())
        .output()
        .map_err(|e| e.to_string())?;
    let _ = app.kill();
    let _ = app.wait();
    let _ = cmd("umount", &[&sockets.display().to_string()]).run();
    expect(found.status.success(), "the installed app opens its window")?;
    println!("xtask: the installed app opened its window (X id {})", String::from_utf8_lossy(&found.stdout).trim());
    Ok(())
}

fn umount_all(chroot: &Path) -> Step {
    for m in ["tmp/.X11-unix", "sys", "proc"] {
        let p = chroot.join(m);
        let _ = std::process::Command::new("umount").arg("-l").arg(&p).stderr(std::process::Stdio::null()).status();
    }
    Ok(())
}
