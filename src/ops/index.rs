//! Secondary indexes and truncate: info commands sent to a node, and for a new index a wait until
//! every node has built it (as the official client's `index_*_create` does).

use std::sync::Arc;
use std::time::Duration;

use aerospike::operations::cdt_context::CdtContext;
use aerospike::policy::AdminPolicy;
use aerospike::query::{CollectionIndexType, IndexType};
use aerospike::task::{Status, Task};

use crate::errors::AsError;

/// How often a new index's build state is polled.
const BUILD_POLL: Duration = Duration::from_millis(50);
/// How many polls may find the new index missing before the wait ends (5 s).
const MAX_UNSEEN_POLLS: u32 = 100;

/// A secondary index to create.
pub(crate) struct IndexSpec {
    pub namespace: String,
    pub set: String,
    pub bin: String,
    pub name: String,
    pub index_type: IndexType,
    pub collection: CollectionIndexType,
    pub ctx: Vec<CdtContext>,
    pub policy: AdminPolicy,
}

/// Creates the index, then waits until every node reports it built.
pub(crate) async fn create(client: Arc<aerospike::Client>, spec: IndexSpec) -> Result<(), AsError> {
    let ctx = (!spec.ctx.is_empty()).then_some(spec.ctx.as_slice());
    let task = client
        .create_index_on_bin(&spec.policy, &spec.namespace, &spec.set, &spec.bin, &spec.name, spec.index_type, spec.collection, ctx)
        .await?;
    let mut unseen = 0;
    loop {
        match task.query_status().await? {
            Status::Complete => return Ok(()),
            Status::InProgress => {}
            // Not visible yet on some node: the create has not reached it. The create itself
            // was accepted, so after a while stop waiting rather than wait forever.
            Status::NotFound if unseen >= MAX_UNSEEN_POLLS => return Ok(()),
            Status::NotFound => unseen += 1,
        }
        tokio::time::sleep(BUILD_POLL).await;
    }
}

/// Drops the index `name` of `namespace`. Servers answer `ok` to dropping an index that does not
/// exist, so the index is looked up first (`sindex-exists`): the answer is `Err(message)` when
/// there was none. A server without `sindex-exists` just drops.
pub(crate) async fn remove(client: Arc<aerospike::Client>, policy: AdminPolicy, namespace: String, name: String) -> Result<Result<(), String>, AsError> {
    let exists = format!("sindex-exists:namespace={namespace};indexname={name}");
    let answer = crate::ops::info::random_node(client.clone(), exists, policy).await?;
    if answer.trim() == "false" {
        return Ok(Err(format!("index {name:?} does not exist in namespace {namespace:?}")));
    }
    client.drop_index(&policy, &namespace, "", &name).await?;
    Ok(Ok(()))
}

/// Removes the records of a set (or of the namespace when `set` is empty) last updated before
/// `before_nanos` (0: now).
pub(crate) async fn truncate(client: Arc<aerospike::Client>, policy: AdminPolicy, namespace: String, set: String, before_nanos: i64) -> Result<(), AsError> {
    client.truncate(&policy, &namespace, &set, before_nanos).await?;
    Ok(())
}
