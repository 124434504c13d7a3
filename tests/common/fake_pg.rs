//! A fake PostgreSQL server, for the ways a connection fails before it is a session: it asks for
//! a password and refuses every one (SQLSTATE 28P01), and with TLS it shows a certificate signed
//! by a test authority that nothing trusts unless the test gives it ([`CA_PEM`]). What the real
//! server of `FAXCREDIT_TEST_PG` cannot be made to do in a test (it trusts every login, and has
//! no TLS), this does on any machine.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

/// The test authority that signed [`LEAF_PEM`] (ECDSA P-256, valid for a century).
pub const CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBkTCCATegAwIBAgIUMleSnq41aYFoI1zWmIav/iCJDd8wCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSRmF4IENyZWRpdCB0ZXN0IENBMCAXDTI2MTEyNjA2MzMwN1oY
DzIxMjYxMTAyMDYzMzA3WjAdMRswGQYDVQQDDBJGYXggQ3JlZGl0IHRlc3QgQ0Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASCBgkKQmE9HJ9euRuBpvcE3hctvP5m
ATvyqBvzDeGfMLs7GNMApUHa1so4oOA5/Brs6VrCha+j/l5NVIQ+1vFzo1MwUTAd
BgNVHQ4EFgQUSoN+caRjXfW8+InbMGJa6YRxPmowHwYDVR0jBBgwFoAUSoN+caRj
XfW8+InbMGJa6YRxPmowDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
AiAaK8jVNkky2kk75crJ618ghK3apqR//0zMjXynK2BRRwIhAJQnszH1jCgPLdAQ
SHDkL4FueYnUiAEbtPDux38jiGOh
-----END CERTIFICATE-----
";

/// The fake server's certificate, for `localhost` and `127.0.0.1`.
const LEAF_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBwTCCAWigAwIBAgIUe5G9ez3JSPcctXAq+Q+RgHIgr3EwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSRmF4IENyZWRpdCB0ZXN0IENBMCAXDTI2MTEyNjA2MzMwN1oY
DzIxMjYxMTAyMDYzMzA3WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjO
PQIBBggqhkjOPQMBBwNCAAQ132AyyEbpHOkZ9hbxFGpXkgbhlyeuI8yborXqApr+
R16i+XSocmTH67Fd2EHRA4VrW7txdR/Z0do0mGHbzI45o4GMMIGJMBoGA1UdEQQT
MBGCCWxvY2FsaG9zdIcEfwAAATAJBgNVHRMEAjAAMAsGA1UdDwQEAwIHgDATBgNV
HSUEDDAKBggrBgEFBQcDATAdBgNVHQ4EFgQUKBHyhZLhrjMb/A+zHEtMZPMcHrAw
HwYDVR0jBBgwFoAUSoN+caRjXfW8+InbMGJa6YRxPmowCgYIKoZIzj0EAwIDRwAw
RAIgV/PI1lf9st8jRdMYqw643zHNsHwRK9aSgWkdlCUvWbYCIHFrw2QAl4LJjShC
2VopOE3M1NU4d8qRc8Voxy08n5N+
-----END CERTIFICATE-----
";

/// Its key: a test key, good for nothing else.
const LEAF_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgMuxiW9eEtKq6oxVl
Mw6pbAIKr2lQ/zjUUQ2DOpz4QvWhRANCAAQ132AyyEbpHOkZ9hbxFGpXkgbhlyeu
I8yborXqApr+R16i+XSocmTH67Fd2EHRA4VrW7txdR/Z0do0mGHbzI45
-----END PRIVATE KEY-----
";

/// Whether the fake server offers TLS.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    Offered,
    Refused,
}

/// A fake server on a free port of 127.0.0.1, answering `connections` connections in turn.
pub fn start(tls: Tls, connections: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections).flatten() {
            let _ = serve(stream, tls);
        }
    });
    port
}

/// A port of 127.0.0.1 where nothing listens (bound, then closed).
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(mut tcp: TcpStream, tls: Tls) -> std::io::Result<()> {
    let first = message_body(&mut tcp)?;
    // An SSLRequest (code 80877103) comes before the startup message when the client wants TLS.
    if first.len() == 4 && first[..] == 80_877_103_u32.to_be_bytes() {
        if tls == Tls::Offered {
            tcp.write_all(b"S")?;
            let mut stream = rustls::StreamOwned::new(rustls::ServerConnection::new(server_config()).unwrap(), tcp);
            message_body(&mut stream)?;
            return ask_password_and_refuse(&mut stream);
        }
        tcp.write_all(b"N")?;
        message_body(&mut tcp)?;
    }
    ask_password_and_refuse(&mut tcp)
}

/// Asks for a clear-text password and refuses whatever comes, as a server with another password would.
fn ask_password_and_refuse(s: &mut (impl Read + Write)) -> std::io::Result<()> {
    s.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3])?;
    s.flush()?;
    let mut tag = [0u8; 1];
    if s.read(&mut tag)? == 0 || tag[0] != b'p' {
        return Ok(()); // The client gave up: it had no password to send.
    }
    message_body(s)?;
    let mut fields = Vec::new();
    for (k, v) in
        [(b'S', "FATAL"), (b'V', "FATAL"), (b'C', "28P01"), (b'M', "password authentication failed for user \"desk\"")]
    {
        fields.push(k);
        fields.extend_from_slice(v.as_bytes());
        fields.push(0);
    }
    fields.push(0);
    let mut reply = vec![b'E'];
    reply.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
    reply.extend_from_slice(&fields);
    s.write_all(&reply)?;
    s.flush()
}

/// One length-prefixed message (startup messages have no tag byte; the caller read any tag).
fn message_body(s: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let mut body = vec![0u8; (u32::from_be_bytes(len) as usize).saturating_sub(4)];
    s.read_exact(&mut body)?;
    Ok(body)
}

fn server_config() -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = vec![CertificateDer::from_pem_slice(LEAF_PEM.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(LEAF_KEY.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    Arc::new(config)
}
