//! Where Lua UDFs plug into queries: an aggregation gets the sink its stream functions run in
//! (`udf::stream`), a background UDF job the action applied to each record (`udf::background`).

use super::jobs::RecordAction;
use super::request::Query;
use super::RecordSink;
use crate::storage::Store;

/// A stream UDF (`query.apply(...)` then `results()`/`foreach()`): `q.udf` holds the module,
/// function and arguments; the sink receives each selected record.
pub fn aggregation_sink(store: &Store, q: &Query) -> Result<Box<dyn RecordSink>, u8> {
    crate::udf::stream::sink(&store.udf, q)
}

/// A background UDF job (`query.execute_background()` after `apply`): the returned action runs
/// the record UDF on each selected record; its outcomes are the job's counts.
pub fn background_action(_store: &Store, q: &Query) -> Result<Box<dyn RecordAction>, u8> {
    crate::udf::background::action(q)
}
