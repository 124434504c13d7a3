//! Why no session could start, in words a person can act on: the three failures a desk meets
//! when it is first pointed at a shared ledger (nothing answers, a password is wanted, the
//! server's certificate is not trusted), each named with what fixes it. The client library's
//! own words follow in brackets, for whoever looks deeper.

use rustls::{CertificateError, Error as TlsError};

/// The words for `e` (a connection that never became a session), when it is one of those.
pub fn plain_words(e: &postgres::Error) -> Option<&'static str> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(words) = s.downcast_ref::<std::io::Error>().and_then(io_words) {
            return Some(words);
        }
        if let Some(words) = s.downcast_ref::<TlsError>().and_then(tls_words) {
            return Some(words);
        }
        // tokio-postgres says so when the server asks for a password and none was given.
        if s.to_string() == "password missing" {
            return Some("the server asks for a password and none was given: enter the user's password");
        }
        source = s.source();
    }
    None
}

fn io_words(io: &std::io::Error) -> Option<&'static str> {
    if io.kind() == std::io::ErrorKind::ConnectionRefused {
        return Some(
            "the server refused the connection: nothing listens at that host and port (check them, and that the server is running)",
        );
    }
    // rustls's errors reach us inside the handshake's I/O error.
    io.get_ref().and_then(|inner| inner.downcast_ref::<TlsError>()).and_then(tls_words)
}

fn tls_words(e: &TlsError) -> Option<&'static str> {
    match e {
        TlsError::InvalidCertificate(CertificateError::UnknownIssuer | CertificateError::BadSignature) => Some(
            "the server's TLS certificate is not signed by a root this computer trusts: give the certificate of the \
             authority that signed it (the TLS root certificate, sslrootcert=FILE), or choose a TLS mode that does not verify it",
        ),
        TlsError::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }) => {
            Some("the server's TLS certificate names another host: connect with the name it names, or choose TLS mode verify-ca")
        }
        _ => None,
    }
}
