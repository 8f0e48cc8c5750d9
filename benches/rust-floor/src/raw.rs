//! The raw-socket floor: the same scan, batch-read and get requests this client sends (built by
//! `crates/direct`, as the client builds them), over one plain TCP connection; the answer is
//! read and thrown away. The only bytes looked at are each proto header (to read its body) and
//! the last 22 bytes of each body (to see the bare LAST message that ends the answer). Nothing
//! else is decoded: this is what the server and the socket allow, the bound under any client.
//!
//! `decode_scan` is the floor of a client that owned the scan's I/O: the same answer, decoded by
//! `wire` straight into `columnar`'s packed rows and built into Arrow batches as `to_arrow`
//! builds them, with no `aerospike::Value` in between.
//!
//! One node: every partition (scan) and every key (batch) goes to the first host given. Against
//! a cluster of several nodes the figure is not a floor; the local server is one node.

use std::io::{Read, Write};
use std::net::TcpStream;

use wire::message::{self, info3, MSG_HEADER_SIZE};
use wire::proto;

use crate::Error;

const PARTITIONS: u16 = 4096;

/// A scan of the whole set, all bins: the request the client sends to a node holding every
/// partition (`direct::ScanRequest`, the default query policy).
pub fn scan_request(set: &str, task_id: u64) -> Result<Vec<u8>, Error> {
    let request = direct::ScanRequest::new("test", set, &aerospike::Bins::All, &aerospike::QueryPolicy::default()).map_err(|e| e.0)?;
    let every: Vec<u16> = (0..PARTITIONS).collect();
    Ok(request.encode(task_id, &every, &[], 0))
}

/// A batch read of keys 0..n, all bins: the request the client sends (`direct::ReadRequest`,
/// the default batch policy).
pub fn batch_request(set: &str, n: i64) -> Result<Vec<u8>, Error> {
    let request = direct::ReadRequest::new(&aerospike::BatchPolicy::default(), &aerospike::BatchReadPolicy::default(), &aerospike::Bins::All).map_err(|e| e.0)?;
    let keys = (0..n).map(|i| aerospike::Key::new("test", set, aerospike::Value::Int(i))).collect::<Result<Vec<_>, _>>()?;
    Ok(request.encode(keys.iter()))
}

/// A single-record read of key `i`, all bins: the request the client's `get` sends
/// (`direct::single_read`, a read policy with a 1 s total timeout).
pub fn get_request(set: &str, i: i64) -> Result<Vec<u8>, Error> {
    let key = aerospike::Key::new("test", set, aerospike::Value::Int(i))?;
    let policy = aerospike::ReadPolicy { base_policy: aerospike::BasePolicy { total_timeout: 1000, ..aerospike::BasePolicy::default() }, ..aerospike::ReadPolicy::default() };
    Ok(direct::single_read::encode_read(&key, &aerospike::Bins::All, &policy).map_err(|e| e.0)?)
}

/// Sends `request` and reads the answer to its end: the bytes received.
pub fn run(stream: &mut TcpStream, request: &[u8], body: &mut Vec<u8>) -> Result<usize, Error> {
    stream.write_all(request)?;
    let mut total = 0;
    loop {
        let mut h = [0u8; proto::HEADER_SIZE];
        stream.read_exact(&mut h)?;
        let size = usize::try_from(proto::ProtoHeader::parse(&h).size)?;
        body.resize(size, 0);
        stream.read_exact(body)?;
        total += proto::HEADER_SIZE + size;
        // (`count_records` checks, untimed, that the answer was whole.)
        if ends_answer(body) {
            return Ok(total);
        }
    }
}

/// Whether a proto body ends the answer: its last bytes are a bare message header (no fields,
/// no ops) that carries LAST. Only those bytes are looked at.
fn ends_answer(body: &[u8]) -> bool {
    let last = body.len().checked_sub(usize::from(MSG_HEADER_SIZE)).and_then(|at| body.get(at..));
    last.is_some_and(|m| m[0] == MSG_HEADER_SIZE && m[3] & info3::LAST != 0 && m[18..22] == [0; 4])
}

/// Counts the records of an answer, outside the timed part: the check that the floor read
/// what the benchmark wrote.
pub fn count_records(stream: &mut TcpStream, request: &[u8]) -> Result<i64, Error> {
    let mut records = 0;
    each_message(stream, request, |m| {
        records += i64::from(m.header.result_code == 0 && !m.ops.is_empty());
        Ok(())
    })?;
    Ok(records)
}

/// Rows per Arrow batch, as `to_arrow` builds them (`query.rs` DEFAULT_BATCH_SIZE).
const BATCH_ROWS: usize = 65_536;

/// The thread that reads an answer's bodies.
type Reading = std::thread::JoinHandle<Result<(), Error>>;

/// Reads an answer's proto bodies on a thread of their own, up to the one that ends it, so the
/// server never waits on the decoding (as a client's I/O task and its consumer would run).
fn read_bodies(stream: &TcpStream) -> Result<(std::sync::mpsc::Receiver<Vec<u8>>, Reading), Error> {
    let mut reader = stream.try_clone()?;
    let (bodies, received) = std::sync::mpsc::sync_channel::<Vec<u8>>(64);
    let reading = std::thread::spawn(move || -> Result<(), Error> {
        loop {
            let mut h = [0u8; proto::HEADER_SIZE];
            reader.read_exact(&mut h)?;
            let mut body = vec![0u8; usize::try_from(proto::ProtoHeader::parse(&h).size)?];
            reader.read_exact(&mut body)?;
            let done = ends_answer(&body);
            if bodies.send(body).is_err() || done {
                return Ok(());
            }
        }
    });
    Ok((received, reading))
}

/// Every record message of an answer, parsed by `wire`, to `each` (records and not-found rows;
/// a scan's partition-done messages are skipped), until its LAST message.
fn each_message(stream: &mut TcpStream, request: &[u8], mut each: impl FnMut(message::Message<'_>) -> Result<(), Error>) -> Result<(), Error> {
    stream.write_all(request)?;
    let (received, reading) = read_bodies(stream)?;
    for body in received {
        let mut r = wire::Reader::new(&body);
        while r.remaining() > 0 {
            let header = message::parse_header(&mut r)?;
            let (fields, ops) = message::parse_fields_and_ops(&mut r, header.n_fields, header.n_ops)?;
            if header.info3 & info3::LAST != 0 {
                reading.join().map_err(|_| "the reading thread panicked")??;
                return Ok(());
            }
            if header.info3 & info3::PARTITION_DONE == 0 {
                each(message::Message { header, fields, ops })?;
            }
        }
    }
    reading.join().map_err(|_| "the reading thread panicked")??;
    Err("the answer ended without its LAST message".into())
}

fn now_unix_secs() -> Result<u64, Error> {
    Ok(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs())
}

/// Sends a scan `request` and decodes its answer: every record's message packed
/// (`PackedRows::push_message`) and built into Arrow batches of 65536 rows (`build_packed`,
/// meta columns included), as `to_arrow` builds them. Returns the records and the batches' rows.
pub fn decode_scan(stream: &mut TcpStream, request: &[u8]) -> Result<(i64, usize), Error> {
    let now = now_unix_secs()?;
    let (mut records, mut built) = (0i64, 0usize);
    let mut rows = columnar::packed::PackedRows::with_capacity(BATCH_ROWS);
    let options = columnar::Options::default();
    each_message(stream, request, |message| {
        if message.header.result_code != 0 {
            return Ok(());
        }
        rows.push_message(&message, now)?;
        records += 1;
        if rows.len() == BATCH_ROWS {
            built += std::hint::black_box(columnar::build_packed(&rows, &options)?).num_rows();
            rows.clear();
        }
        Ok(())
    })?;
    if !rows.is_empty() {
        built += std::hint::black_box(columnar::build_packed(&rows, &options)?).num_rows();
    }
    Ok((records, built))
}

/// The NumPy dtype of benches/workers/batch_read.py: i int64, f float64, s S8, v 16 x float64.
fn batch_layout() -> columnar::numpy::Layout {
    use columnar::numpy::{FieldLayout, Layout, Scalar};
    let field = |name: &str, offset, scalar, count| FieldLayout { name: name.into(), column: name.into(), offset, scalar, count };
    Layout {
        itemsize: 152,
        fields: vec![
            field("i", 0, Scalar::Int { bytes: 8, signed: true }, 1),
            field("f", 8, Scalar::Float { bytes: 8 }, 1),
            field("s", 16, Scalar::Bytes { len: 8 }, 1),
            field("v", 24, Scalar::Float { bytes: 8 }, 16),
        ],
    }
}

/// Sends a batch `request` and decodes its answer: every row's message packed in key order (the
/// batch index each answer carries in its transaction-ttl slot; one node answers in order) and
/// filled into the benchmark's NumPy layout (`numpy::fill_packed`), as `to_numpy` fills it.
/// Returns the rows found and the filled buffer's length.
pub fn decode_batch(stream: &mut TcpStream, request: &[u8]) -> Result<(i64, usize), Error> {
    let now = now_unix_secs()?;
    let mut rows = columnar::packed::PackedRows::default();
    let mut found = 0i64;
    each_message(stream, request, |message| {
        if message.header.transaction_ttl as usize != rows.len() {
            return Err(format!("batch row {} answered out of order", message.header.transaction_ttl).into());
        }
        found += i64::from(message.header.result_code == 0);
        Ok(rows.push_message(&message, now)?)
    })?;
    let filled = columnar::numpy::fill_packed(&rows, &batch_layout())?;
    Ok((found, std::hint::black_box(filled).data.len()))
}
