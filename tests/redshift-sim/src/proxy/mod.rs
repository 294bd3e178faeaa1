//! The Postgres-protocol front: TLS, startup parameters as Redshift takes them (those PostgreSQL
//! does not know, such as redshift_connector's client_protocol_version, are dropped), password
//! authentication checked by PostgreSQL itself (the client's password goes to the server as the
//! same user), then the relay (relay.rs) that rewrites statements (rewrite/), counts round trips
//! and statements, adds latency, and cuts connections on request. Passwords are never logged.

mod fault;
mod history;
mod notice;
mod relay;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::{BufMut, BytesMut};
use pgwire::messages::Message;
use pgwire::messages::response::ErrorResponse;
use pgwire::messages::startup::Authentication;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio_rustls::TlsAcceptor;

pub use history::History;
pub use relay::SERVER_VERSION;

const SSL_REQUEST: i32 = 80877103;
const GSS_REQUEST: i32 = 80877104;
const CANCEL_REQUEST: i32 = 80877102;

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Counters of one client connection.
#[derive(Debug, Default)]
pub struct Counters {
    pub user: std::sync::Mutex<String>,
    /// Simple-query messages and Syncs: each is one round trip.
    pub round_trips: AtomicU64,
    /// Statements in simple queries, plus Executes.
    pub statements: AtomicU64,
    /// Whether the simulator cut this connection (--drop-after).
    pub dropped: AtomicBool,
    /// Protocol bytes (inside TLS) from the client, and to it.
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
}

/// Knobs that tests may turn while the simulator runs.
#[derive(Debug, Default)]
pub struct Knobs {
    pub latency_ms: AtomicU64,
    /// 0: never cut.
    pub drop_after: AtomicU64,
    /// The statement, numbered from 1 across all connections, that fails once with Redshift's
    /// serialization error (0: none).
    pub serialization_error_at: AtomicU64,
    /// Statements received so far, across all connections: each statement of a simple-query
    /// message and each Execute, as `Counters::statements` counts them, less what a cut kept
    /// from PostgreSQL.
    pub statements: AtomicU64,
}

impl Knobs {
    /// Numbers the next `n` statements of a connection, all bound for PostgreSQL, and says which
    /// of them (an index from 0) must fail with the serialization error.
    pub(crate) fn number(&self, n: u64) -> Option<usize> {
        if n == 0 {
            return None;
        }
        let first = self.statements.fetch_add(n, Ordering::SeqCst) + 1;
        let at = self.serialization_error_at.load(Ordering::SeqCst);
        (first..first + n)
            .contains(&at)
            .then(|| (at - first) as usize)
    }
}

/// Where PostgreSQL listens.
#[derive(Clone, Debug)]
pub enum Backend {
    Unix(std::path::PathBuf),
    Tcp(String, u16),
}

impl Backend {
    async fn connect(&self) -> Fallible<Box<dyn Io>> {
        Ok(match self {
            Backend::Unix(path) => Box::new(UnixStream::connect(path).await?),
            Backend::Tcp(host, port) => {
                let s = TcpStream::connect((host.as_str(), *port)).await?;
                let _ = s.set_nodelay(true);
                Box::new(s)
            }
        })
    }
}

pub struct Shared {
    pub tls: TlsAcceptor,
    /// The run-time parameters PostgreSQL takes at startup (pg_settings names, lowercase).
    pub settings: HashSet<String>,
    pub backend: Backend,
    pub knobs: Arc<Knobs>,
    pub connections: Arc<std::sync::Mutex<Vec<Arc<Counters>>>>,
    /// What clients ran, for SYS_QUERY_HISTORY.
    pub history: Arc<History>,
    /// Changes when every open client connection is to end (the front stopped).
    pub cuts: tokio::sync::watch::Receiver<u64>,
}

pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let mut cuts = shared.cuts.clone();
        let at = *cuts.borrow_and_update();
        tokio::spawn(async move {
            tokio::select! {
                _ = handle(stream, shared) => {}
                _ = cuts.wait_for(|g| *g != at) => {}
            }
        });
    }
}

type Fallible<T> = Result<T, std::io::Error>;

fn other(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::other(msg.into())
}

async fn read_untyped(io: &mut (impl AsyncRead + Unpin)) -> Fallible<BytesMut> {
    let len = io.read_i32().await?;
    if !(8..=10_000).contains(&len) {
        return Err(other("bad startup packet length"));
    }
    let mut body = BytesMut::zeroed(len as usize - 4);
    io.read_exact(&mut body).await?;
    Ok(body)
}

/// An ErrorResponse message with `severity` FATAL (the connection ends) or ERROR.
fn error_message(severity: &str, code: &str, message: &str) -> BytesMut {
    let e = ErrorResponse::new(vec![
        (b'S', severity.to_owned()),
        (b'V', severity.to_owned()),
        (b'C', code.to_owned()),
        (b'M', message.to_owned()),
    ]);
    let mut buf = BytesMut::new();
    let _ = e.encode(&mut buf);
    buf
}

/// A startup packet with the protocol number of `body` and these parameters.
fn startup_packet(body: &[u8], params: &[(String, String)]) -> BytesMut {
    let mut out = BytesMut::with_capacity(body.len());
    out.put_slice(&body[..4]);
    for (k, v) in params {
        out.put_slice(k.as_bytes());
        out.put_u8(0);
        out.put_slice(v.as_bytes());
        out.put_u8(0);
    }
    out.put_u8(0);
    out
}

/// Whether PostgreSQL takes a startup parameter: the protocol's own keys, protocol extensions
/// (_pq_.*), run-time parameters and custom (dotted) ones. Redshift accepts the others, e.g. what
/// redshift_connector sends (client_protocol_version, driver_version, os_version, plugin_name
/// ...); the simulator drops them, and answers none of them.
fn postgres_takes(key: &str, settings: &HashSet<String>) -> bool {
    matches!(key, "user" | "database" | "options" | "replication")
        || key.starts_with("_pq_.")
        || key.contains('.')
        || settings.contains(&key.to_ascii_lowercase())
}

/// Reads startup parameters: NUL-terminated key/value pairs after the protocol number.
fn parameters(body: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut parts = body[4..].split(|&b| b == 0);
    while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
        if k.is_empty() {
            break;
        }
        out.push((
            String::from_utf8_lossy(k).into_owned(),
            String::from_utf8_lossy(v).into_owned(),
        ));
    }
    out
}

async fn handle(mut tcp: TcpStream, shared: Arc<Shared>) -> Fallible<()> {
    let mut body = read_untyped(&mut tcp).await?;
    let mut code = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
    if code == GSS_REQUEST {
        tcp.write_all(b"N").await?;
        body = read_untyped(&mut tcp).await?;
        code = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
    }
    if code == CANCEL_REQUEST {
        let mut backend = shared.backend.connect().await?;
        backend.put_i32_len(&body).await?;
        return Ok(());
    }
    let mut client: Box<dyn Io> = if code == SSL_REQUEST {
        tcp.write_all(b"S").await?;
        let tls = shared.tls.accept(tcp).await?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let startup = if code == SSL_REQUEST {
        read_untyped(&mut client).await?
    } else {
        body
    };
    let mut params = parameters(&startup);
    params.retain(|(k, _)| postgres_takes(k, &shared.settings));
    let startup = startup_packet(&startup, &params);
    let user = params
        .iter()
        .find(|(k, _)| k == "user")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if user.is_empty() || user == "postgres" {
        client
            .write_all(&error_message(
                "FATAL",
                "28000",
                "no such user for this cluster",
            ))
            .await?;
        return Ok(());
    }

    // Ask the client for its password, in clear text (inside TLS when the client uses it).
    let mut buf = BytesMut::new();
    let _ = Authentication::CleartextPassword.encode(&mut buf);
    client.write_all(&buf).await?;
    let tag = client.read_u8().await?;
    if tag != b'p' {
        return Err(other("expected a password message"));
    }
    let len = client.read_i32().await?;
    if !(5..=10_000).contains(&len) {
        return Err(other("bad password message"));
    }
    let mut password = vec![0u8; len as usize - 4];
    client.read_exact(&mut password).await?;

    // The same user and password, to PostgreSQL.
    let mut backend = shared.backend.connect().await?;
    backend.put_i32_len(&startup).await?;
    let tag = backend.read_u8().await?;
    let len = backend.read_i32().await?;
    let mut first = BytesMut::zeroed((len.max(4) - 4) as usize);
    backend.read_exact(&mut first).await?;
    let asks_cleartext = tag == b'R' && first.len() >= 4 && first[..4] == 3i32.to_be_bytes();
    let already_ok = tag == b'R' && first.len() >= 4 && first[..4] == 0i32.to_be_bytes();
    if asks_cleartext {
        let mut msg = BytesMut::new();
        msg.put_u8(b'p');
        msg.put_i32(password.len() as i32 + 4);
        msg.put_slice(&password);
        backend.write_all(&msg).await?;
    } else {
        // AuthenticationOk (trust) goes on to the client; anything else is an error (unknown
        // database, too many connections ...), relayed as is, and the end of the connection.
        let mut msg = BytesMut::new();
        msg.put_u8(tag);
        msg.put_i32(len);
        msg.put_slice(&first);
        client.write_all(&msg).await?;
        if !already_ok {
            return Ok(());
        }
    }
    drop(password);

    let counters = Arc::new(Counters::default());
    if let Ok(mut u) = counters.user.lock() {
        *u = user;
    }
    if let Ok(mut list) = shared.connections.lock() {
        list.push(counters.clone());
    }
    relay::relay(client, backend, &shared.knobs, &counters, &shared.history).await
}

trait PutLen {
    async fn put_i32_len(&mut self, body: &[u8]) -> Fallible<()>;
}

impl<T: AsyncWrite + Unpin> PutLen for T {
    async fn put_i32_len(&mut self, body: &[u8]) -> Fallible<()> {
        let mut msg = BytesMut::with_capacity(body.len() + 4);
        msg.put_i32(body.len() as i32 + 4);
        msg.put_slice(body);
        self.write_all(&msg).await
    }
}
