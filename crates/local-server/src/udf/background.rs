//! Background UDF jobs (`scan_apply`, `query_apply`, `execute_background` after `apply`): the
//! query module's job thread selects the records; each goes through the record-UDF path as an
//! internal transaction, which never creates a record. A failing UDF, or a missing module,
//! leaves the record unchanged and counts as a failure; the job still completes.

use std::sync::Arc;

use crate::codec::message::{field, info2, Field, Message, MsgHeader, MSG_HEADER_SIZE};
use crate::query::jobs::{result_code, Outcome, RecordAction};
use crate::query::request::Query;
use crate::result_code as rc;
use crate::storage::Digest;
use crate::indexed_store::{Namespace, Store};
use crate::transactions::Target;

pub struct UdfAction {
    registry: Arc<super::Registry>,
    package: Vec<u8>,
    function: Vec<u8>,
    args: Vec<u8>,
    record_ttl: u32,
    transaction_ttl: u32,
    durable_delete: bool,
}

/// The action a `Kind::BackgroundUdf` query's job applies to each record (`net` starts it).
pub fn action(registry: &Arc<super::Registry>, q: &Query) -> Result<Box<dyn RecordAction>, u8> {
    let udf = q.udf.as_ref().ok_or(rc::PARAMETER_ERROR)?;
    Ok(Box::new(UdfAction {
        registry: registry.clone(),
        package: udf.package.clone(),
        function: udf.function.clone(),
        args: udf.args.clone(),
        record_ttl: q.header.record_ttl,
        transaction_ttl: 0,
        durable_delete: q.header.info2 & info2::DURABLE_DELETE != 0,
    }))
}

impl RecordAction for UdfAction {
    fn apply(&mut self, _store: &Store, ns: &Arc<Namespace>, digest: &Digest, set: &[u8]) -> Outcome {
        let mut fields = vec![Field { kind: field::NAMESPACE, data: ns.name().as_bytes() }];
        if !set.is_empty() {
            fields.push(Field { kind: field::SET, data: set });
        }
        fields.push(Field { kind: field::DIGEST, data: digest });
        fields.push(Field { kind: field::UDF_PACKAGE_NAME, data: &self.package });
        fields.push(Field { kind: field::UDF_FUNCTION, data: &self.function });
        fields.push(Field { kind: field::UDF_ARGLIST, data: &self.args });
        let header = MsgHeader {
            header_sz: MSG_HEADER_SIZE,
            info2: info2::WRITE | if self.durable_delete { info2::DURABLE_DELETE } else { 0 },
            record_ttl: self.record_ttl,
            transaction_ttl: self.transaction_ttl,
            n_fields: fields.len() as u16,
            ..Default::default()
        };
        let msg = Message { header, fields, ops: Vec::new() };
        let t = Target { ns, set: (!set.is_empty()).then_some(set), digest: *digest, key: None };
        let frame = super::apply::apply_as(&self.registry, &t, &msg, true);
        match result_code(&frame) {
            Some(rc::OK) => Outcome::Succeeded,
            Some(rc::FILTERED_OUT) => Outcome::FilteredOut,
            Some(rc::KEY_NOT_FOUND) => Outcome::Gone,
            _ => Outcome::Failed,
        }
    }
}
