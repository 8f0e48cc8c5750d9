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

/// How many records a scan of `namespace` (or of one set in it, when `set` is not empty)
/// returns: the nodes' object counts over the replication factor. Real servers count replica
/// copies on each node; for a namespace, `master_objects` counts only the node's own.
pub(crate) async fn scan_size(client: Arc<aerospike::Client>, namespace: String, set: String) -> Result<u64, AsError> {
    let policy = AdminPolicy::default();
    let namespace_command = format!("namespace/{namespace}");
    let set_command = format!("sets/{namespace}/{set}");
    let mut total = 0u64;
    for node in client.nodes() {
        let stats = node.info(&policy, &[namespace_command.as_str()]).await?;
        let stats = stats.get(&namespace_command).map_or("", String::as_str);
        let stat = |text: &str, name: &str| -> Option<u64> {
            text.split([';', ':']).find_map(|pair| pair.strip_prefix(name)?.strip_prefix('=')?.trim().parse().ok())
        };
        if set.is_empty() {
            total += stat(stats, "master_objects").unwrap_or(0);
        } else {
            let replicas = stat(stats, "effective_replication_factor").or_else(|| stat(stats, "replication-factor")).unwrap_or(1).max(1);
            let sets = node.info(&policy, &[set_command.as_str()]).await?;
            total += stat(sets.get(&set_command).map_or("", String::as_str), "objects").unwrap_or(0) / replicas;
        }
    }
    Ok(total)
}
