//! The watch's cheap question, asked every interval: one message of two queries, the model
//! inventory with each model's state (DG r_SVV_ML_MODEL_INFO) and who holds a grant on each
//! model (DG r_SVV_ML_MODEL_PRIVILEGES), a small part of what the catalog read reads. A model
//! created, dropped, recreated (its grants gone), newly ready, or granted or revoked on by hand
//! changes the answer; a round (a whole catalog read and plan) follows only then, on a model
//! file that changed, after a lost connection, and every `--recheck`.
//!
//! Only the answer's digest is kept, so the watch's memory does not grow with the cluster.

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::catalog::result_sets;
use crate::server::WireError;

/// The poll, one message. svv_* views only, never joined with pg_* tables (DG
/// c_sql-functions-leader-node).
pub const SQL: &str = "SELECT schema_name, model_name, model_state FROM pg_catalog.svv_ml_model_info;\nSELECT namespace_name, model_name, identity_type, identity_name, privilege_type FROM pg_catalog.svv_ml_model_privileges";

/// What the poll saw: a digest of its rows (in any order), and their count and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub digest: [u8; 32],
    pub rows: usize,
    pub bytes: usize,
}

/// The digest of `sets` (each a list of rows), independent of the rows' order.
pub fn digest(sets: &[Vec<Vec<Option<String>>>]) -> Seen {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut bytes = 0;
    for (i, set) in sets.iter().enumerate() {
        for row in set {
            // Length-prefixed fields: no value can pass for two.
            let mut line = vec![i as u8];
            for v in row {
                match v {
                    None => line.push(0),
                    Some(s) => {
                        line.push(1);
                        line.extend_from_slice(&(s.len() as u64).to_le_bytes());
                        line.extend_from_slice(s.as_bytes());
                        bytes += s.len();
                    }
                }
            }
            lines.push(line);
        }
    }
    lines.sort_unstable();
    let mut h = Sha256::new();
    for l in &lines {
        h.update((l.len() as u64).to_le_bytes());
        h.update(l);
    }
    Seen {
        digest: h.finalize().into(),
        rows: lines.len(),
        bytes,
    }
}

/// Asks the poll.
pub async fn poll(client: &Client) -> Result<Seen, WireError> {
    let messages = client
        .simple_query(SQL)
        .await
        .map_err(|e| WireError::from(&e))?;
    Ok(digest(&result_sets(messages)))
}

#[cfg(test)]
mod tests {
    use super::digest;

    fn row(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some((*s).to_owned())).collect()
    }

    #[test]
    fn the_digest_ignores_order_and_tells_every_change() {
        let a = vec![
            vec![
                row(&["s", "m", "Model is Ready"]),
                row(&["s", "n", "Model is Ready"]),
            ],
            vec![row(&["s", "m", "2"])],
        ];
        let mut b = a.clone();
        b[0].reverse();
        assert_eq!(digest(&a), digest(&b));
        assert_eq!(digest(&a).rows, 3);
        let mut recreated = a.clone();
        recreated[1].clear();
        assert_ne!(digest(&a).digest, digest(&recreated).digest);
        let mut training = a.clone();
        training[0][1] = row(&["s", "n", "Train Model On SageMaker In Progress"]);
        assert_ne!(digest(&a).digest, digest(&training).digest);
        // Fields cannot run into each other, nor a row move to the other query.
        let x = vec![vec![row(&["ab", "c"])], vec![]];
        let y = vec![vec![row(&["a", "bc"])], vec![]];
        let z = vec![vec![], vec![row(&["ab", "c"])]];
        assert_ne!(digest(&x).digest, digest(&y).digest);
        assert_ne!(digest(&x).digest, digest(&z).digest);
    }
}
