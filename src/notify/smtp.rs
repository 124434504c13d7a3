//! Delivery by SMTP through lettre: the [`Mailer`] the front ends use, built from the stored
//! settings and the password from the OS keyring.

use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use super::outbox::{Mail, Mailer, SendFailure};
use super::settings::{EmailSettings, Security};
use crate::error::{Error, Result};
use crate::time::Timestamp;

/// No SMTP exchange may hold a worker longer than this.
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct SmtpMailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    // The transport holds the password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    pub fn new(settings: &EmailSettings, password: Option<String>) -> Result<SmtpMailer> {
        // Settings saved before the rule existed are held to it too.
        if settings.security == Security::None
            && settings.username.is_some()
            && !super::settings::is_loopback(&settings.host)
        {
            return Err(Error::InsecureSmtpLogin(settings.host.clone()));
        }
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|_| Error::invalid("from", format!("{:?} is not an email address", settings.from)))?;
        let tls = || {
            TlsParameters::new(settings.host.clone())
                .map_err(|e| Error::Smtp(format!("cannot set up TLS for {}: {e}", settings.host)))
        };
        let mut b = SmtpTransport::builder_dangerous(&settings.host).port(settings.port).timeout(Some(TIMEOUT));
        b = match settings.security {
            Security::None => b.tls(Tls::None),
            Security::Starttls => b.tls(Tls::Required(tls()?)),
            Security::Tls => b.tls(Tls::Wrapper(tls()?)),
        };
        if let Some(user) = &settings.username {
            b = b.credentials(Credentials::new(user.clone(), password.unwrap_or_default()));
        }
        Ok(SmtpMailer { transport: b.build(), from })
    }

    fn message(&self, mail: &Mail) -> std::result::Result<Message, SendFailure> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| SendFailure { permanent: true, message: format!("{:?} is not an email address", mail.to) })?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .date(SystemTime::from(mail.date));
        let built = if mail.attachments.is_empty() {
            builder.header(ContentType::TEXT_PLAIN).body(mail.body.clone())
        } else {
            // The text, then each file (a receipt PDF), as multipart/mixed.
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(mail.body.clone()));
            for a in &mail.attachments {
                let kind = ContentType::parse(&a.content_type).unwrap_or(ContentType::TEXT_PLAIN);
                parts = parts.singlepart(Attachment::new(a.file_name.clone()).body(a.data.clone(), kind));
            }
            builder.multipart(parts)
        };
        built.map_err(|e| SendFailure { permanent: true, message: format!("cannot build the message: {e}") })
    }

    /// Sends a short test message to `to` at once (not through the outbox) and returns the
    /// server's answer, or the server's refusal as [`Error::Smtp`].
    pub fn send_test(&self, to: &str, now: Timestamp) -> Result<String> {
        let mail = Mail {
            to: to.to_string(),
            subject: "Fax Credit: test email".into(),
            body: "This is a test message from Fax Credit. Notifications about automatic purchases \
                   and refused faxes will reach this address."
                .into(),
            message_id: format!("<test.{}@faxcredit.local>", now.timestamp_millis()),
            date: now,
            attachments: Vec::new(),
        };
        self.send(&mail).map_err(|f| Error::Smtp(f.message))
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: &Mail) -> std::result::Result<String, SendFailure> {
        let msg = self.message(mail)?;
        match self.transport.send(&msg) {
            Ok(resp) => {
                let text: Vec<&str> = resp.message().collect();
                Ok(format!("{} {}", resp.code(), text.join(" ")).trim().to_string())
            }
            Err(e) => Err(SendFailure { permanent: e.is_permanent(), message: describe(&e) }),
        }
    }
}

/// One line for a person: the server's own answer when there is one.
fn describe(e: &lettre::transport::smtp::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    s.replace(['\r', '\n'], " ")
}
