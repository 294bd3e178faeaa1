//! The PostgreSQL 15 server behind the simulator: one data directory per simulator, copied from
//! a bootstrapped template (initdb and the sql/ files run once per machine and bootstrap text),
//! listening only on a Unix socket in its own directory, so parallel tests never collide on ports.
//! Runs as the `postgres` OS user when the process is root. Stopped and removed on drop.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::SimError;

/// The Redshift shape, applied in this order to database dev of the template (or to the database
/// a given server's URL names), each file as one batch.
pub const BOOTSTRAP: &[(&str, &str)] = &[
    ("sql/shape.sql", include_str!("sql/shape.sql")),
    ("sql/identity.sql", include_str!("sql/identity.sql")),
    ("sql/model.sql", include_str!("sql/model.sql")),
    ("sql/catalog.sql", include_str!("sql/catalog.sql")),
    ("sql/history.sql", include_str!("sql/history.sql")),
];

/// Runs the bootstrap files in order, naming the file that failed.
async fn shape(db: &tokio_postgres::Client) -> Result<(), SimError> {
    for (name, sql) in BOOTSTRAP {
        db.batch_execute(sql)
            .await
            .map_err(|e| SimError::Postgres(format!("{name}: {}", crate::sql_error(&e))))?;
    }
    Ok(())
}

/// The port in the socket's file name; the socket lives in a private directory, so it never
/// collides with another server.
pub const SOCKET_PORT: u16 = 5439;

const BIN_DIRS: &[&str] = &["/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin"];

fn bin(name: &str) -> Result<PathBuf, SimError> {
    BIN_DIRS
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
        .ok_or_else(|| {
            SimError::Postgres(format!(
                "{name} not found in {}: install PostgreSQL 15 (apt-get install postgresql-15)",
                BIN_DIRS.join(", ")
            ))
        })
}

/// The uid and gid of the `postgres` OS user, when we are root and must not run the server as root.
fn run_as() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.first() == Some(&"postgres") && f.len() > 3)
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
            .flatten()
    })
}

fn chown(path: &Path) -> Result<(), SimError> {
    if let Some((uid, gid)) = run_as() {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .map_err(|e| SimError::Io(format!("chown {}", path.display()), e))?;
    }
    Ok(())
}

fn command(program: &Path) -> Command {
    let mut c = Command::new(program);
    if let Some((uid, gid)) = run_as() {
        c.uid(uid).gid(gid);
    }
    c.env_remove("PGDATA").env("LC_ALL", "C.UTF-8");
    c
}

fn unique_dir(prefix: &str) -> Result<PathBuf, SimError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| SimError::Io(format!("mkdir {}", dir.display()), e))?;
    chown(&dir)?;
    Ok(dir)
}

/// A running PostgreSQL server in a directory of its own.
pub struct Cluster {
    dir: PathBuf,
    child: Option<Child>,
}

impl Cluster {
    /// Copies the template and starts a server on it.
    pub async fn start() -> Result<Cluster, SimError> {
        let template = tokio::task::spawn_blocking(template)
            .await
            .map_err(|e| SimError::Postgres(e.to_string()))??;
        let dir = unique_dir("redshift-sim")?;
        let status = Command::new("cp")
            .arg("-a")
            .arg(template.join("data"))
            .arg(dir.join("data"))
            .status()
            .map_err(|e| SimError::Io("cp".into(), e))?;
        if !status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(SimError::Postgres("copying the template failed".into()));
        }
        let mut cluster = Cluster { dir, child: None };
        cluster.child = Some(spawn(&cluster.dir)?);
        wait_ready(&cluster.dir, cluster.child.as_mut()).await?;
        Ok(cluster)
    }

    /// The directory of the server's socket.
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// The server's socket file.
    pub fn socket_path(&self) -> PathBuf {
        self.dir.join(format!(".s.PGSQL.{SOCKET_PORT}"))
    }

    /// The directory the simulator may write its own files to (the CA certificate).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop(&mut child);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stop(child: &mut Child) {
    // Fast shutdown; then kill if it lingers.
    // SAFETY: kill with a pid we own and a valid signal number.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn spawn(dir: &Path) -> Result<Child, SimError> {
    let log = std::fs::File::create(dir.join("postgres.log"))
        .map_err(|e| SimError::Io("postgres.log".into(), e))?;
    chown(&dir.join("postgres.log"))?;
    let err = log
        .try_clone()
        .map_err(|e| SimError::Io("postgres.log".into(), e))?;
    command(&bin("postgres")?)
        .arg("-D")
        .arg(dir.join("data"))
        .arg("-p")
        .arg(SOCKET_PORT.to_string())
        .arg("-k")
        .arg(dir)
        .args(["-c", "listen_addresses="])
        .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
        .args(["-c", "full_page_writes=off", "-c", "shared_buffers=16MB"])
        .args([
            "-c",
            "max_connections=100",
            "-c",
            "log_min_messages=warning",
        ])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .spawn()
        .map_err(|e| SimError::Io("starting postgres".into(), e))
}

async fn wait_ready(dir: &Path, mut child: Option<&mut Child>) -> Result<(), SimError> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut config = tokio_postgres::Config::new();
    config
        .host_path(dir)
        .port(SOCKET_PORT)
        .user("postgres")
        .dbname("postgres");
    loop {
        if let Ok((client, conn)) = config.connect(tokio_postgres::NoTls).await {
            drop(client);
            let _ = conn.await;
            return Ok(());
        }
        if let Some(c) = child.as_deref_mut()
            && let Ok(Some(status)) = c.try_wait()
        {
            let log = std::fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
            return Err(SimError::Postgres(format!(
                "postgres exited ({status}):\n{log}"
            )));
        }
        if Instant::now() > deadline {
            return Err(SimError::Postgres(
                "postgres did not start within 30 s".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

/// A connection without TLS (to our own socket, or to a server given with --pg), its driver
/// running on the current runtime.
pub async fn connect(config: &tokio_postgres::Config) -> Result<tokio_postgres::Client, SimError> {
    let (client, conn) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(SimError::Sql)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// An admin connection (the bootstrap superuser, over the socket) to database `db`.
pub async fn admin(socket_dir: &Path, db: &str) -> Result<tokio_postgres::Client, SimError> {
    let mut config = tokio_postgres::Config::new();
    config
        .host_path(socket_dir)
        .port(SOCKET_PORT)
        .user("postgres")
        .dbname(db);
    connect(&config).await
}

/// A private scratch directory (for the CA certificate when PostgreSQL is not ours).
pub fn scratch_dir() -> Result<PathBuf, SimError> {
    unique_dir("redshift-sim")
}

/// Gives the database a given server's `config` names Redshift's shape, unless it has it: the
/// database is created when missing, awsuser too, and the sql/ files run once.
pub async fn bootstrap_into(config: &tokio_postgres::Config, dbname: &str) -> Result<(), SimError> {
    let mut maintenance = config.clone();
    maintenance.dbname("postgres");
    let admin = connect(&maintenance).await?;
    let exists = !admin
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&dbname])
        .await
        .map_err(SimError::Sql)?
        .is_empty();
    if !exists {
        admin
            .batch_execute(&format!(
                "CREATE DATABASE \"{}\"",
                dbname.replace('"', "\"\"")
            ))
            .await
            .map_err(SimError::Sql)?;
    }
    let has_awsuser = !admin
        .query("SELECT 1 FROM pg_roles WHERE rolname = 'awsuser'", &[])
        .await
        .map_err(SimError::Sql)?
        .is_empty();
    if !has_awsuser {
        admin
            .batch_execute("CREATE ROLE awsuser LOGIN SUPERUSER")
            .await
            .map_err(SimError::Sql)?;
    }
    let db = connect(config).await?;
    let shaped = !db
        .query("SELECT 1 FROM pg_namespace WHERE nspname = 'mlsim'", &[])
        .await
        .map_err(SimError::Sql)?
        .is_empty();
    if !shaped {
        shape(&db).await?;
    }
    Ok(())
}

/// A hash of what the template is made of, so that a changed bootstrap makes a new template.
fn template_key() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    BOOTSTRAP.hash(&mut h);
    HBA.hash(&mut h);
    h.finish()
}

const HBA: &str = "local all postgres trust\nlocal all all password\n";

/// The bootstrapped template data directory, made once per machine and bootstrap text.
fn template() -> Result<PathBuf, SimError> {
    static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| make_template().map_err(|e| e.to_string()))
        .clone()
        .map_err(SimError::Postgres)
}

fn make_template() -> Result<PathBuf, SimError> {
    let euid = unsafe { libc::geteuid() };
    let done = std::env::temp_dir().join(format!(
        "redshift-sim-template-{:016x}-{euid}",
        template_key()
    ));
    if done.join("data").join("PG_VERSION").exists() {
        return Ok(done);
    }
    let build = unique_dir("redshift-sim-build")?;
    let result = build_template(&build);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&build);
        return Err(e);
    }
    // Another process may have won the race; either template is good.
    if std::fs::rename(&build, &done).is_err() {
        let _ = std::fs::remove_dir_all(&build);
    }
    Ok(done)
}

fn build_template(build: &Path) -> Result<(), SimError> {
    let data = build.join("data");
    let out = command(&bin("initdb")?)
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "-E", "UTF8", "--no-sync", "--auth=trust"])
        .args(["--locale=C.UTF-8"])
        .output()
        .map_err(|e| SimError::Io("running initdb".into(), e))?;
    if !out.status.success() {
        return Err(SimError::Postgres(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    std::fs::write(data.join("pg_hba.conf"), HBA)
        .map_err(|e| SimError::Io("writing pg_hba.conf".into(), e))?;
    let mut child = spawn(build)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SimError::Io("runtime".into(), e))?;
    let result = runtime.block_on(async {
        wait_ready(build, Some(&mut child)).await?;
        let admin_pg = admin(build, "postgres").await?;
        admin_pg
            .batch_execute("CREATE DATABASE dev")
            .await
            .map_err(SimError::Sql)?;
        admin_pg
            .batch_execute("CREATE ROLE awsuser LOGIN SUPERUSER")
            .await
            .map_err(SimError::Sql)?;
        let dev = admin(build, "dev").await?;
        shape(&dev).await?;
        Ok::<(), SimError>(())
    });
    stop(&mut child);
    result
}
