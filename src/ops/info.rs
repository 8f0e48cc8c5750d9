//! Info commands: one node at random, one named node, or every node; and `ping`.

use std::sync::Arc;

use aerospike::policy::AdminPolicy;

use crate::errors::AsError;

/// Answer of one info command on a random node.
pub(crate) async fn random_node(client: Arc<aerospike::Client>, command: String, policy: AdminPolicy) -> Result<String, AsError> {
    let node = client.random_node()?;
    let mut answers = node.info(&policy, &[command.as_str()]).await?;
    Ok(answers.swap_remove(&command).unwrap_or_default())
}

/// Every node's answer to an info command, by node name, each node asked at once; a node that
/// fails gives its error in its place rather than failing the others (as the official client).
pub(crate) async fn all_nodes(client: Arc<aerospike::Client>, command: String, policy: AdminPolicy) -> Result<Vec<(String, Result<String, AsError>)>, AsError> {
    let mut asks = tokio::task::JoinSet::new();
    for (order, node) in client.nodes().into_iter().enumerate() {
        let command = command.clone();
        asks.spawn(async move {
            let answer = node.info(&policy, &[command.as_str()]).await.map(|mut a| a.swap_remove(&command).unwrap_or_default());
            (order, node.name().to_owned(), answer.map_err(AsError::from))
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = asks.join_next().await {
        answers.push(joined.map_err(|e| AsError::Client(format!("an info request failed: {e}")))?);
    }
    answers.sort_by_key(|(order, _, _)| *order);
    Ok(answers.into_iter().map(|(_, name, answer)| (name, answer)).collect())
}

/// The answer of the node named `node` (its name, or its `address:port`).
pub(crate) async fn single_node(client: Arc<aerospike::Client>, node: String, command: String, policy: AdminPolicy) -> Result<String, AsError> {
    let found = client.nodes().into_iter().find(|n| n.name() == node || n.address() == node);
    let Some(found) = found else {
        return Err(AsError::Client(format!("no node {node:?} in the cluster; its nodes are {:?}", client.node_names())));
    };
    let mut answers = found.info(&policy, &[command.as_str()]).await?;
    Ok(answers.swap_remove(&command).unwrap_or_default())
}

/// Whether a node answers a `build` info command: a round trip, unlike `is_connected()`.
pub(crate) async fn ping(client: Arc<aerospike::Client>, policy: AdminPolicy) -> Result<bool, AsError> {
    Ok(random_node(client, "build".to_owned(), policy).await.is_ok_and(|build| !build.is_empty()))
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
