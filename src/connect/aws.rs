//! IAM login: temporary database credentials from AWS, as AWS's own drivers obtain them
//! (redshift_connector's `iam=True`, JDBC's `jdbc:redshift:iam://`). Credentials for the AWS
//! call come from the SDK's standard chain (environment, profiles, SSO, instance and container
//! roles); `AWS_ENDPOINT_URL` and profiles are honoured as the SDK honours them.
//!
//! - a provisioned cluster (`--aws-cluster ID`): GetClusterCredentials for `--db-user` (the
//!   login is `IAM:USER`), else GetClusterCredentialsWithIAM (the login is the IAM identity);
//!   DescribeClusters gives the endpoint unless `--url` names the host;
//! - a Serverless workgroup (`--aws-workgroup NAME`): GetCredentials; GetWorkgroup gives the
//!   endpoint unless `--url` names the host.
//!
//! The temporary password goes into the [`Target`]'s [`Password`] and nowhere else: it is never
//! printed, logged or stored.

use super::{ConnectError, Target};

/// How to log in with IAM, from the command line or a target of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IamLogin {
    pub cluster: Option<String>,
    pub workgroup: Option<String>,
    pub region: Option<String>,
    pub db_user: Option<String>,
}

impl IamLogin {
    pub fn is_set(&self) -> bool {
        self.cluster.is_some() || self.workgroup.is_some()
    }

    /// `cluster ID` or `workgroup NAME`, for messages.
    pub fn describe(&self) -> String {
        match (&self.cluster, &self.workgroup) {
            (Some(c), _) => format!("cluster {}", crate::text::sanitize(c)),
            (None, Some(w)) => format!("Serverless workgroup {}", crate::text::sanitize(w)),
            (None, None) => String::new(),
        }
    }
}

#[cfg(feature = "aws")]
fn aws_error(login: &IamLogin, call: &str, detail: String) -> ConnectError {
    let service = if login.workgroup.is_some() {
        "redshift-serverless"
    } else {
        "redshift"
    };
    // The SDK says so in words of its own when the credential chain found nothing.
    let lower = detail.to_ascii_lowercase();
    let cause = if lower.contains("credentials")
        && (lower.contains("no ") || lower.contains("not load") || lower.contains("imds"))
    {
        "no AWS credentials were found (the SDK tried the environment, the profile, SSO, web identity, the container and the instance): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`".to_owned()
    } else {
        format!(
            "check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO login), the region (--aws-region or AWS_REGION) and that the identity may call {service}:{call}"
        )
    };
    ConnectError::Settings(format!(
        "IAM login to {}: {call} failed: {}; {cause}",
        login.describe(),
        crate::text::sanitize(&detail)
    ))
}

/// Logs in with IAM: fills `target`'s user and password with temporary credentials, and its
/// host and port from AWS unless `host_given`.
#[cfg(feature = "aws")]
pub async fn login(
    target: &mut Target,
    login: &IamLogin,
    host_given: bool,
) -> Result<(), ConnectError> {
    use aws_config::{BehaviorVersion, Region};
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(r) = &login.region {
        loader = loader.region(Region::new(r.clone()));
    }
    let conf = loader.load().await;
    if conf.region().is_none() {
        return Err(ConnectError::Settings(format!(
            "IAM login to {}: no AWS region: give --aws-region (or aws_region in the target), or set AWS_REGION",
            login.describe()
        )));
    }
    let (user, password, endpoint) = if let Some(id) = &login.cluster {
        let client = aws_sdk_redshift::Client::new(&conf);
        let endpoint = if host_given {
            None
        } else {
            let found = client
                .describe_clusters()
                .cluster_identifier(id)
                .send()
                .await
                .map_err(|e| aws_error(login, "DescribeClusters", super::error::chain(&e)))?;
            let ep = found
                .clusters()
                .first()
                .and_then(|c| c.endpoint())
                .and_then(|e| Some((e.address()?.to_owned(), e.port()?)))
                .ok_or_else(|| {
                    aws_error(
                        login,
                        "DescribeClusters",
                        "the cluster has no endpoint yet (is it available?)".to_owned(),
                    )
                })?;
            Some(ep)
        };
        let (user, password) = match &login.db_user {
            Some(db_user) => {
                let c = client
                    .get_cluster_credentials()
                    .cluster_identifier(id)
                    .db_user(db_user)
                    .db_name(&target.dbname)
                    .auto_create(false)
                    .send()
                    .await
                    .map_err(|e| {
                        aws_error(login, "GetClusterCredentials", super::error::chain(&e))
                    })?;
                (c.db_user, c.db_password)
            }
            None => {
                let c = client
                    .get_cluster_credentials_with_iam()
                    .cluster_identifier(id)
                    .db_name(&target.dbname)
                    .send()
                    .await
                    .map_err(|e| {
                        aws_error(
                            login,
                            "GetClusterCredentialsWithIAM",
                            super::error::chain(&e),
                        )
                    })?;
                (c.db_user, c.db_password)
            }
        };
        (user, password, endpoint)
    } else if let Some(name) = &login.workgroup {
        let client = aws_sdk_redshiftserverless::Client::new(&conf);
        let endpoint = if host_given {
            None
        } else {
            let found = client
                .get_workgroup()
                .workgroup_name(name)
                .send()
                .await
                .map_err(|e| aws_error(login, "GetWorkgroup", super::error::chain(&e)))?;
            let ep = found
                .workgroup()
                .and_then(|w| w.endpoint())
                .and_then(|e| Some((e.address()?.to_owned(), e.port()?)))
                .ok_or_else(|| {
                    aws_error(
                        login,
                        "GetWorkgroup",
                        "the workgroup has no endpoint yet (is it available?)".to_owned(),
                    )
                })?;
            Some(ep)
        };
        let c = client
            .get_credentials()
            .workgroup_name(name)
            .db_name(&target.dbname)
            .send()
            .await
            .map_err(|e| aws_error(login, "GetCredentials", super::error::chain(&e)))?;
        (c.db_user, c.db_password, endpoint)
    } else {
        return Ok(());
    };
    let (Some(user), Some(password)) = (user, password) else {
        return Err(aws_error(
            login,
            "the credentials call",
            "the answer holds no user or no password".to_owned(),
        ));
    };
    if let Some((host, port)) = endpoint {
        target.host = host;
        target.port = u16::try_from(port).map_err(|_| {
            aws_error(
                login,
                "the endpoint lookup",
                format!("port {port} is out of range"),
            )
        })?;
    }
    target.user = user;
    target.password = Some(super::Password(password));
    target.via = Some(login.describe());
    Ok(())
}

/// Without the `aws` feature, IAM login is refused with a message that says how to get it.
#[cfg(not(feature = "aws"))]
pub async fn login(
    _target: &mut Target,
    login: &IamLogin,
    _host_given: bool,
) -> Result<(), ConnectError> {
    Err(ConnectError::Settings(format!(
        "IAM login to {} needs mlgrant built with the `aws` feature (the default): cargo install --path . --features aws",
        login.describe()
    )))
}
