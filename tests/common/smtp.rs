//! A real SMTP server on loopback for the tests: it speaks the protocol over TCP (EHLO, MAIL,
//! RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps every message it accepted, and can be
//! told to refuse, to drop the connection in the middle of a message, or to go down and come back
//! on the same port.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as it came, headers and body, with CRLF line ends.
    pub data: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut().filter(|_| line.starts_with([' ', '\t'])) {
                v.push_str(line.trim_start());
                continue;
            }
            if value.is_some() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case(name) {
                    value = Some(v.trim().to_string());
                }
            }
        }
        value
    }
}

/// What the server does with the next message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Accept,
    /// Closes the connection after reading part of the message body.
    DropMidMessage,
    /// Answers the end of DATA with `451` (try again later).
    Transient,
    /// Answers the end of DATA with `550` (refused for good).
    Permanent,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    behaviour: Mutex<Vec<Behaviour>>,
    connections: Mutex<u32>,
}

pub struct SmtpServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SmtpServer {
    /// Listens on a free loopback port.
    pub fn start() -> SmtpServer {
        Self::start_on("127.0.0.1:0".parse().unwrap(), Arc::default())
    }

    fn start_on(addr: SocketAddr, shared: Arc<Shared>) -> SmtpServer {
        let listener = TcpListener::bind(addr).expect("bind the test SMTP server");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (s2, st2) = (shared.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        *s2.connections.lock().unwrap() += 1;
                        let s3 = s2.clone();
                        std::thread::spawn(move || {
                            let _ = session(conn, &s3);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        SmtpServer { addr, shared, stop, thread: Some(thread) }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops listening (the port refuses connections) and returns what it needs to come back.
    pub fn stop(mut self) -> Stopped {
        self.halt();
        Stopped { addr: self.addr, shared: self.shared.clone() }
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }

    /// Behaviours for the next messages, in order; then it accepts.
    pub fn then(&self, b: &[Behaviour]) {
        self.shared.behaviour.lock().unwrap().extend_from_slice(b);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn connections(&self) -> u32 {
        *self.shared.connections.lock().unwrap()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.halt();
    }
}

pub struct Stopped {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Stopped {
    /// Listens again on the same port, keeping what was received.
    pub fn restart(self) -> SmtpServer {
        SmtpServer::start_on(self.addr, self.shared)
    }
}

fn session(conn: TcpStream, shared: &Shared) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut out = conn.try_clone()?;
    let mut input = BufReader::new(conn);
    let mut say = |s: &str| out.write_all(format!("{s}\r\n").as_bytes());
    say("220 loopback.test ESMTP ready")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            say("250-loopback.test greets you")?;
            say("250-8BITMIME")?;
            say("250 SMTPUTF8")?;
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            say("250 OK")?;
        } else if upper.starts_with("RSET") {
            (from, to) = (String::new(), Vec::new());
            say("250 OK")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = addr_of(&cmd[10..]);
            say("250 OK")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(addr_of(&cmd[8..]));
            say("250 OK")?;
        } else if upper == "DATA" {
            say("354 end with <CRLF>.<CRLF>")?;
            let behaviour = {
                let mut b = shared.behaviour.lock().unwrap();
                if b.is_empty() {
                    Behaviour::Accept
                } else {
                    b.remove(0)
                }
            };
            let mut data = String::new();
            let mut body_lines = 0;
            loop {
                line.clear();
                if input.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                body_lines += 1;
                if behaviour == Behaviour::DropMidMessage && body_lines == 3 {
                    return Ok(()); // the connection closes with the message half read
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            match behaviour {
                Behaviour::Transient => say("451 4.3.0 try again later")?,
                Behaviour::Permanent => say("550 5.7.1 relaying denied")?,
                _ => {
                    shared.received.lock().unwrap().push(Received {
                        from: std::mem::take(&mut from),
                        to: std::mem::take(&mut to),
                        data,
                    });
                    say("250 2.0.0 queued as 42")?;
                }
            }
        } else if upper.starts_with("QUIT") {
            say("221 bye")?;
            return Ok(());
        } else {
            say("502 command not implemented")?;
        }
    }
}

fn addr_of(s: &str) -> String {
    let s = s.trim();
    let s = s.split_whitespace().next().unwrap_or(s);
    s.trim_start_matches('<').trim_end_matches('>').to_string()
}
