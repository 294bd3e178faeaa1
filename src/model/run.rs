//! One applied run as the audit log records it: read by audit, shown by render.

/// One row of `mlgrant.apply_log`, for `mlgrant history`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogEntry {
    pub run_id: String,
    pub applied_at: String,
    pub db_user: String,
    pub mlgrant_version: String,
    pub model_file: String,
    pub model_digest: String,
    pub plan_digest: String,
    pub statements: u64,
    pub grants: u64,
    pub revokes: u64,
    pub groups_created: u64,
    pub members_added: u64,
    pub members_dropped: u64,
    pub outcome: String,
    /// The SHA-256 of the saved plan file the run applied, if it applied one.
    pub plan_file_digest: Option<String>,
}
