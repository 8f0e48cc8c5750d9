//! Info commands: one node at random, or every node.

use std::sync::Arc;

use aerospike::policy::AdminPolicy;

use crate::errors::AsError;

/// Answer of one info command on a random node.
pub(crate) async fn random_node(client: Arc<aerospike::Client>, command: String, policy: AdminPolicy) -> Result<String, AsError> {
    let node = client.random_node()?;
    let mut answers = node.info(&policy, &[command.as_str()]).await?;
    Ok(answers.swap_remove(&command).unwrap_or_default())
}

/// Answers of one info command from every node, by node name.
pub(crate) async fn all_nodes(client: Arc<aerospike::Client>, command: String, policy: AdminPolicy) -> Result<Vec<(String, String)>, AsError> {
    let mut out = Vec::new();
    for node in client.nodes() {
        let mut answers = node.info(&policy, &[command.as_str()]).await?;
        out.push((node.name().to_owned(), answers.swap_remove(&command).unwrap_or_default()));
    }
    Ok(out)
}
