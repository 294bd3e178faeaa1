//! redshift-sim: an Amazon Redshift simulator on a real PostgreSQL 15, for mlgrant's tests.
//!
//! It starts its own PostgreSQL (or uses one given), gives it Redshift's shape (database `dev`,
//! superuser `awsuser`, the hidden language `mlfunc`, the svv_* catalog views, a Redshift
//! `version()`), and serves the Postgres protocol with TLS on a loopback port, rewriting
//! Redshift's ML grammar (CREATE MODEL, GRANT ... ON MODEL, CREATE GROUP, ASSUMEROLE ...) onto
//! real PostgreSQL objects, so that transactions, ownership and ACLs behave for real.
//!
//! Where PostgreSQL's habits and AWS's documentation differ, it follows the documentation: the
//! catalog views live in pg_catalog (searched before public); the svv_*_privileges views show
//! explicit grants only, never an owner's implicit rights; svv_iam_privileges has one row per
//! command (COPY, UNLOAD, CREATE MODEL, EXFUNC) and names the default role
//! `default-aws-iam-role`; the system roles `sys:*` exist and take no grants;
//! svv_schema_privileges carries privilege_scope; svv_transactions names who holds and who waits
//! for each table lock (superusers see every session, others their own); the server reports
//! server_version 8.0.2, takes redshift_connector's startup parameters, and runs any statement
//! sent with Parse/Bind/Execute (SQL-level PREPARE takes only SELECT, INSERT, UPDATE and DELETE).
//! Each choice where the documentation is silent is written down where it is made, in
//! `src/sql/`.
//!
//! It is strict (`redshift/`, consulted by `rewrite/strict.rs`): it refuses what Redshift refuses
//! (SET of parameters outside the configuration reference with 42501, statement kinds and clauses
//! the SQL command reference lacks, undocumented catalog relations), each rule citing its page,
//! and where the documentation is silent it refuses and says so, so that a guess fails in
//! mlgrant's tests rather than on a cluster. The one guess kept on purpose: GRANT ASSUMEROLE runs
//! inside a transaction block (undocumented; mlgrant's doctor and rehearsal prove it on a
//! cluster). Where Redshift shows something PostgreSQL does not, it shows Redshift's form: raw
//! ACLs name a group's entry `group NAME=U/owner`. A GRANT or REVOKE by a user who holds the
//! privilege without the grant option succeeds, changes nothing and warns, as PostgreSQL does
//! (`no privileges were granted for "m"`, SQLSTATE 01007; `no privileges could be revoked for
//! "m"`, 01006). Errors and warnings raised by the simulator's own procedures carry no context
//! line naming them.
//!
//! Test setup that Redshift could not do goes through the admin door (`Simulator::admin_url`,
//! `backend_admin`; the binary prints it as its `admin URL` line): PostgreSQL itself, past the
//! front.
//!
//! One simulator-only call, for tests: a new model is `Model is Ready` at once (training is
//! instant), and a superuser can put it in another state,
//! `CALL mlsim.set_model_state('schema', 'model', 'Train Model On SageMaker In Progress')` (still
//! training) or `'Model Failed'` (any text up to 128 characters is taken), and back to
//! `'Model is Ready'`. svv_ml_model_info.model_state shows it; the prediction function of a model
//! that is not ready fails with SQLSTATE 55000; GRANT and REVOKE ON MODEL work in every state.
//!
//! Faults for tests: added latency, connections cut after a number of statements, and
//! Redshift's serialization error (error 1023) at a chosen statement
//! (`Options::serialization_error_at`, `--serialization-error-at N`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), redshift_sim::SimError> {
//! let sim = redshift_sim::Simulator::start(redshift_sim::Options::default()).await?;
//! println!("{}", sim.url()); // postgres://awsuser@127.0.0.1:PORT/dev?sslmode=verify-full&sslrootcert=...
//! # Ok(()) }
//! ```

mod postgres;
mod proxy;
pub mod redshift;
pub mod rewrite;
mod tls;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub use proxy::{Counters, Knobs, SERVER_VERSION};

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("postgres: {0}")]
    Postgres(String),
    #[error("sql: {}", sql_error(.0))]
    Sql(#[source] tokio_postgres::Error),
    #[error("tls: {0}")]
    Tls(String),
}

/// The server's message and SQLSTATE where there is one.
fn sql_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{} (SQLSTATE {}){}",
            db.message(),
            db.code().code(),
            db.where_().map(|w| format!(" at {w}")).unwrap_or_default()
        ),
        None => e.to_string(),
    }
}

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the front listens; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The password of the superuser `awsuser`.
    pub password: String,
    /// Milliseconds added to every round trip.
    pub latency_ms: u64,
    /// Cut a client connection after this many statements (0: never).
    pub drop_after: u64,
    /// The statement, numbered from 1 across all connections, that fails once with Redshift's
    /// serialization error (0: none): SQLSTATE XX000, message `1023`, DETAIL `Serializable
    /// isolation violation on table - 100123, transactions forming the cycle are: 1001, 1002
    /// (pid:4242)`. Statements are counted as `ConnectionStats::statements` counts them: each
    /// statement of a simple-query message (`a; b` is two) and each Execute message of the
    /// extended protocol (not Parse, Bind, Describe or Sync); statements a cut (`drop_after`)
    /// keeps from PostgreSQL are not numbered. The statement is replaced by a CALL of
    /// mlsim.serialization_error, which raises the error in the client's transaction, so
    /// PostgreSQL aborts it as a real error would; a COMMIT, END, ROLLBACK or ABORT is replaced
    /// by ROLLBACK and that CALL, so that no transaction is left open, as after a COMMIT that
    /// fails. Sent again, the same statement has another number and runs.
    pub serialization_error_at: u64,
    /// Use this PostgreSQL (a superuser URL, e.g. `postgres://postgres@/dev?host=/run/postgresql`)
    /// instead of starting one. The database it names gets Redshift's shape if it lacks it; the
    /// server must accept the simulator's clients with `password` (clear text) or `trust`
    /// authentication.
    pub pg: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            password: "awsuser-Passw0rd".to_owned(),
            latency_ms: 0,
            drop_after: 0,
            serialization_error_at: 0,
            pg: None,
        }
    }
}

/// What one client connection did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionStats {
    pub user: String,
    pub round_trips: u64,
    pub statements: u64,
    pub dropped: bool,
    /// Protocol bytes (inside TLS) from the client, and to it.
    pub bytes_in: u64,
    pub bytes_out: u64,
}

/// A running simulator; dropping it stops the front and PostgreSQL and removes their files.
pub struct Simulator {
    addr: SocketAddr,
    password: String,
    ca_path: PathBuf,
    knobs: Arc<Knobs>,
    connections: Arc<std::sync::Mutex<Vec<Arc<Counters>>>>,
    server: tokio::task::JoinHandle<()>,
    /// What the front serves with, kept to start it again (`restart_front`).
    shared: Arc<proxy::Shared>,
    /// Bumped to end every open client connection (`stop_front`).
    cut: tokio::sync::watch::Sender<u64>,
    backend: Backend,
    /// Our own PostgreSQL, when we started one (dropped last: it removes the files).
    _cluster: Option<postgres::Cluster>,
    /// Where the CA certificate lives when there is no cluster directory.
    _scratch: Option<Scratch>,
}

/// A directory removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How the simulator reaches PostgreSQL.
#[derive(Clone, Debug)]
enum Backend {
    Own {
        socket_dir: PathBuf,
    },
    Given {
        config: Box<tokio_postgres::Config>,
        dbname: String,
    },
}

impl Simulator {
    /// Starts PostgreSQL from the bootstrapped template, sets awsuser's password, and starts the
    /// TLS front.
    pub async fn start(options: Options) -> Result<Simulator, SimError> {
        let (cluster, scratch, backend, target) = match &options.pg {
            None => {
                let cluster = postgres::Cluster::start().await?;
                let backend = Backend::Own {
                    socket_dir: cluster.socket_dir(),
                };
                let target = proxy::Backend::Unix(cluster.socket_path());
                (Some(cluster), None, backend, target)
            }
            Some(url) => {
                let config: tokio_postgres::Config = url
                    .parse()
                    .map_err(|e: tokio_postgres::Error| SimError::Postgres(format!("--pg: {e}")))?;
                let dbname = config.get_dbname().unwrap_or("dev").to_owned();
                let port = config.get_ports().first().copied().unwrap_or(5432);
                let target = match config.get_hosts().first() {
                    Some(tokio_postgres::config::Host::Unix(dir)) => {
                        proxy::Backend::Unix(dir.join(format!(".s.PGSQL.{port}")))
                    }
                    Some(tokio_postgres::config::Host::Tcp(host)) => {
                        proxy::Backend::Tcp(host.clone(), port)
                    }
                    None => proxy::Backend::Tcp("localhost".to_owned(), port),
                };
                postgres::bootstrap_into(&config, &dbname).await?;
                let scratch = Scratch(postgres::scratch_dir()?);
                (
                    None,
                    Some(scratch),
                    Backend::Given {
                        config: Box::new(config),
                        dbname,
                    },
                    target,
                )
            }
        };
        let sim_backend = backend.clone();
        let admin = admin_of(&backend).await?;
        admin
            .batch_execute(&format!(
                "ALTER ROLE awsuser PASSWORD '{}'",
                options.password.replace('\'', "''")
            ))
            .await
            .map_err(SimError::Sql)?;
        let settings = admin
            .query("SELECT lower(name) FROM pg_settings", &[])
            .await
            .map_err(SimError::Sql)?
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        let dir = match (&cluster, &scratch) {
            (Some(c), _) => c.dir().to_owned(),
            (None, Some(s)) => s.0.clone(),
            (None, None) => std::env::temp_dir(),
        };
        let ca_path = dir.join("ca.pem");
        let tls = tls::make(&ca_path)?;
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|e| SimError::Io(format!("listening on {}", options.listen), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| SimError::Io("local address".into(), e))?;
        let knobs = Arc::new(Knobs::default());
        knobs
            .latency_ms
            .store(options.latency_ms, Ordering::Relaxed);
        knobs
            .drop_after
            .store(options.drop_after, Ordering::Relaxed);
        knobs
            .serialization_error_at
            .store(options.serialization_error_at, Ordering::SeqCst);
        let connections = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (cut, cuts) = tokio::sync::watch::channel(0u64);
        let history = Arc::new(proxy::History::new(admin_of(&backend).await?));
        let shared = Arc::new(proxy::Shared {
            history,
            tls: tokio_rustls::TlsAcceptor::from(tls),
            settings,
            backend: target,
            knobs: knobs.clone(),
            connections: connections.clone(),
            cuts,
        });
        let server = tokio::spawn(proxy::serve(listener, shared.clone()));
        Ok(Simulator {
            addr,
            password: options.password,
            ca_path,
            knobs,
            connections,
            server,
            shared,
            cut,
            backend: sim_backend,
            _cluster: cluster,
            _scratch: scratch,
        })
    }

    /// A libpq URL for awsuser that verifies the certificate (no password in it).
    pub fn url(&self) -> String {
        let db = match &self.backend {
            Backend::Own { .. } => "dev",
            Backend::Given { dbname, .. } => dbname.as_str(),
        };
        format!(
            "postgres://awsuser@127.0.0.1:{}/{db}?sslmode=verify-full&sslrootcert={}",
            self.addr.port(),
            self.ca_path.display()
        )
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The CA certificate that signed the front's certificate (PEM).
    pub fn ca_path(&self) -> &Path {
        &self.ca_path
    }

    /// awsuser's password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The admin door: a PostgreSQL superuser URL straight to the simulator's database, past the
    /// front (no Redshift rules, PostgreSQL's own catalog). Only for tests that must arrange what
    /// Redshift could not (an event trigger, a filtered catalog view); nothing else may use it.
    pub fn admin_url(&self) -> String {
        match &self.backend {
            Backend::Own { socket_dir } => format!(
                "postgres://postgres@/dev?host={}&port={}",
                socket_dir.display(),
                postgres::SOCKET_PORT
            ),
            Backend::Given { config, dbname } => {
                let host = match config.get_hosts().first() {
                    Some(tokio_postgres::config::Host::Unix(dir)) => dir.display().to_string(),
                    Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
                    None => "localhost".to_owned(),
                };
                format!(
                    "postgres://{}@/{dbname}?host={host}&port={}",
                    config.get_user().unwrap_or("postgres"),
                    config.get_ports().first().copied().unwrap_or(5432)
                )
            }
        }
    }

    /// A superuser connection straight to PostgreSQL (not through the front), for setting up
    /// and inspecting test state. It sees PostgreSQL's own catalog, not Redshift's shape.
    pub async fn backend_admin(&self) -> Result<tokio_postgres::Client, SimError> {
        admin_of(&self.backend).await
    }

    /// Counters of every client connection so far, in connection order.
    pub fn stats(&self) -> Vec<ConnectionStats> {
        let list = self
            .connections
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default();
        list.iter()
            .map(|c| ConnectionStats {
                user: c.user.lock().map(|u| u.clone()).unwrap_or_default(),
                round_trips: c.round_trips.load(Ordering::Relaxed),
                statements: c.statements.load(Ordering::Relaxed),
                dropped: c.dropped.load(Ordering::Relaxed),
                bytes_in: c.bytes_in.load(Ordering::Relaxed),
                bytes_out: c.bytes_out.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Milliseconds added to every round trip from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.knobs
            .latency_ms
            .store(latency.as_millis() as u64, Ordering::Relaxed);
    }

    /// Cut client connections after this many statements (per connection; 0: never).
    pub fn set_drop_after(&self, statements: u64) {
        self.knobs.drop_after.store(statements, Ordering::Relaxed);
    }

    /// Stops the front as a cluster going away does: the port refuses connections, and every
    /// open client connection ends (its PostgreSQL session, and any open transaction, with it).
    /// PostgreSQL and its data stay.
    pub async fn stop_front(&mut self) {
        self.server.abort();
        let _ = (&mut self.server).await;
        self.cut.send_modify(|g| *g += 1);
    }

    /// Starts the front again on the same port, after [`Simulator::stop_front`].
    pub async fn restart_front(&mut self) -> Result<(), SimError> {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|e| SimError::Io(format!("listening on {} again", self.addr), e))?;
        self.server = tokio::spawn(proxy::serve(listener, self.shared.clone()));
        Ok(())
    }

    /// Statements received so far across all connections, as `Options::serialization_error_at`
    /// numbers them.
    pub fn statements(&self) -> u64 {
        self.knobs.statements.load(Ordering::SeqCst)
    }

    /// From now on, the statement numbered `n` (`Options::serialization_error_at`; 0: none)
    /// fails once with Redshift's serialization error; `statements() + 1` is the next one.
    pub fn set_serialization_error_at(&self, n: u64) {
        self.knobs.serialization_error_at.store(n, Ordering::SeqCst);
    }
}

async fn admin_of(backend: &Backend) -> Result<tokio_postgres::Client, SimError> {
    match backend {
        Backend::Own { socket_dir } => postgres::admin(socket_dir, "dev").await,
        Backend::Given { config, .. } => postgres::connect(config).await,
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}
