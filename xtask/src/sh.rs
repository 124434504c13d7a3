//! Running commands with clear failure messages, and a virtual X display for app tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub type Step = Result<(), String>;

pub struct Cmd {
    program: String,
    args: Vec<String>,
    dir: Option<PathBuf>,
    envs: Vec<(String, String)>,
}

pub fn cmd(program: &str, args: &[&str]) -> Cmd {
    Cmd { program: program.into(), args: args.iter().map(|s| s.to_string()).collect(), dir: None, envs: Vec::new() }
}

impl Cmd {
    pub fn dir(mut self, d: impl AsRef<Path>) -> Self {
        self.dir = Some(d.as_ref().to_path_buf());
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.envs.push((k.into(), v.into()));
        self
    }

    pub fn envs(mut self, vars: &[(String, String)]) -> Self {
        self.envs.extend(vars.iter().cloned());
        self
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args);
        if let Some(d) = &self.dir {
            c.current_dir(d);
        }
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self) -> Step {
        println!("$ {} {}", self.program, self.args.join(" "));
        let status = self.command().status().map_err(|e| format!("cannot run {}: {e}", self.program))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{} {}` failed ({status})", self.program, self.args.join(" ")))
        }
    }

    /// True when the command runs and succeeds, quietly.
    pub fn succeeds(&self) -> bool {
        self.command().stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    }
}

/// An Xvfb display that stops when dropped.
pub struct Xvfb {
    child: Child,
    name: String,
}

impl Xvfb {
    pub fn start() -> Result<Xvfb, String> {
        for n in 90..200 {
            let name = format!(":{n}");
            clear_stale_display(n);
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .args([&name, "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start Xvfb: {e}"))?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                    return Ok(Xvfb { child, name });
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let mut child = child;
            let _ = child.kill();
        }
        Err("no free X display for Xvfb".into())
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM lets Xvfb remove its lock file and socket; SIGKILL only if it does not go.
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A display whose lock names a process that is gone (an X server that was killed) is free:
/// remove its lock file and socket.
fn clear_stale_display(n: u32) {
    let lock = format!("/tmp/.X{n}-lock");
    let Ok(text) = std::fs::read_to_string(&lock) else { return };
    let alive = text.trim().parse::<u32>().is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
    if !alive {
        let _ = std::fs::remove_file(&lock);
        let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{n}"));
    }
}
