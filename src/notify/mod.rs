//! Notifications to the account email: the SMTP settings, the durable outbox written in the
//! transaction of each event, and its delivery by SMTP with retries.

pub mod events;
pub mod outbox;
pub mod password;
pub mod recipients;
pub mod settings;
pub mod smtp;

pub use outbox::{
    attach, deliver_due, enqueue, messages, Attachment, DeliveryReport, Mail, Mailer, Message, MessageKind,
    SendFailure, State,
};
pub use recipients::{add_recipient, recipients, remove_recipient, Only, Recipient};
pub use settings::{clear_email_settings, email_settings, set_email_settings, EmailSettings, Security};
pub use smtp::SmtpMailer;
