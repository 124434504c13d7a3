//! The background worker's ear on a shared ledger: a thread with a PostgreSQL connection of
//! its own that `LISTEN`s for the commits of every program on the account
//! (`faxcredit::db::Listener`) and tells the worker at once. A lost connection is opened again
//! (1 s, 2 s, … up to 30 s apart), and the worker is told then too: what was committed while
//! nobody listened was not heard.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use faxcredit::db::Location;
use faxcredit::Db;

/// How long one wait lasts before the thread looks whether it should stop.
const LOOK: Duration = Duration::from_secs(1);
/// After telling the worker, a pause: the commits of a busy gateway then reach the page as a
/// few reloads a second, not one per fax.
const CALM: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A listening thread; dropping this stops it (within [`LOOK`]).
pub struct Listening {
    stop: Arc<AtomicBool>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Listens for the commits to the shared ledger at `at`, calling `heard` for each (or burst of
/// them); `heard` answers `false` when nobody wants to hear any more. `None` for a file.
pub fn start(at: &Location, heard: impl Fn() -> bool + Send + 'static) -> Option<Listening> {
    if at.file().is_some() {
        return None;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let (at, flag) = (at.clone(), Arc::clone(&stop));
    std::thread::Builder::new()
        .name("fax-credit-listen".into())
        .spawn(move || run(&at, &flag, &heard))
        .map_err(|e| eprintln!("fax-credit: cannot listen for the shared ledger's changes: {e}"))
        .ok()?;
    Some(Listening { stop })
}

fn run(at: &Location, stop: &AtomicBool, heard: &dyn Fn() -> bool) {
    let mut backoff = Duration::from_secs(1);
    let mut first = true;
    let mut complained = String::new();
    while !stop.load(Ordering::Relaxed) {
        let mut listener = match Db::listen(at) {
            Ok(Some(l)) => l,
            Ok(None) => return,
            Err(e) => {
                let why = e.to_string();
                if why != complained {
                    eprintln!("fax-credit: not listening for the shared ledger's changes, trying again: {why}");
                    complained = why;
                }
                pause(stop, backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        // Listening again after a gap: whatever was committed meanwhile was missed.
        if !first && !heard() {
            return;
        }
        (first, backoff, complained) = (false, Duration::from_secs(1), String::new());
        while !stop.load(Ordering::Relaxed) {
            match listener.wait(LOOK) {
                Ok(true) => {
                    if !heard() {
                        return;
                    }
                    std::thread::sleep(CALM);
                }
                Ok(false) => {}
                Err(e) => {
                    eprintln!("fax-credit: {e}; listening again");
                    break;
                }
            }
        }
    }
}

/// Sleeps `d`, or until asked to stop.
fn pause(stop: &AtomicBool, d: Duration) {
    let step = Duration::from_millis(200);
    let mut left = d;
    while !left.is_zero() && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step.min(left));
        left = left.saturating_sub(step);
    }
}
