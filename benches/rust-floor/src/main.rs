//! The floor: the `aerospike` crate alone, timing each repetition of what a benchmark's Python
//! workers do. Prints the same JSON line as they do.
//!
//!     rust-floor HOST:PORT SET N REPEAT [batch|scan|get|put|inflight W|raw-batch|raw-scan|wire-batch|wire-scan|wire-inflight W]
//!
//! batch (the default): a batch read of keys 0..N, its four bins gathered into columns (what
//! `to_numpy` / `to_arrow` produce). scan: a query of the whole set with `PartitionFilter::all()`,
//! gathered the same way and checked to return N records. get, put: N single commands one after
//! the other, each timed; a repetition's figure is the median seconds per command (put writes
//! back each record's own bins). inflight W: N gets by W tasks on the runtime's threads, each
//! taking the next key, so W are in flight (benches/ops.py: 256 for asyncio, 16 for threads).
//! wire-inflight W: the same gets by W tasks, each on a connection of its own, sent and decoded
//! with `wire` (each record packed as `PackedRows::push_message` packs it): what owning the
//! single-record path could cost, without the crate's command machinery.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use aerospike::{
    BatchOperation, BatchPolicy, BatchReadPolicy, Bin, Bins, Client, ClientPolicy, Key, PartitionFilter, QueryPolicy, ReadPolicy, Record, Statement,
    Value, WritePolicy,
};
use futures::StreamExt;

mod raw;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(0.0, |kib| kib / 1024.0)
}

/// CPU seconds of the whole process (every thread) so far, as Python's `time.process_time()`.
fn process_cpu() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// The four bins as columns: i, f, s, and v flattened (16 floats a row).
#[derive(Default)]
struct Columns {
    ints: Vec<i64>,
    floats: Vec<f64>,
    strings: Vec<String>,
    vectors: Vec<f64>,
}

impl Columns {
    fn push(&mut self, record: &Record) {
        if let Some(Value::Int(i)) = record.bins.get("i") { self.ints.push(*i) }
        if let Some(Value::Float(f)) = record.bins.get("f") { self.floats.push(f64::from(f)) }
        if let Some(Value::String(s)) = record.bins.get("s") { self.strings.push(s.clone()) }
        if let Some(Value::List(v)) = record.bins.get("v") {
            self.vectors.extend(v.iter().map(|x| if let Value::Float(f) = x { f64::from(f) } else { 0.0 }));
        }
    }
}

async fn batch(client: &Client, set: &str, n: i64) -> Result<Columns, Error> {
    let mut policy = BatchPolicy::default();
    policy.base_policy.total_timeout = 60_000;
    policy.base_policy.socket_timeout = 60_000;
    let read = BatchReadPolicy::default();
    let mut ops: Vec<BatchOperation> = (0..n).map(|i| BatchOperation::read(&read, Key::new("test", set, Value::Int(i)).expect("key"), Bins::All)).collect();
    client.batch(&policy, &mut ops).await?;
    let mut columns = Columns::default();
    for op in &ops {
        if let Some(record) = op.record() {
            columns.push(record);
        }
    }
    Ok(columns)
}

async fn scan(client: &Client, set: &str) -> Result<Columns, Error> {
    let mut policy = QueryPolicy::default();
    policy.base_policy.total_timeout = 0;
    policy.base_policy.socket_timeout = 60_000;
    let records = client.query(&policy, PartitionFilter::all(), Statement::new("test", set, Bins::All)).await?;
    let mut stream = records.into_stream();
    let mut columns = Columns::default();
    while let Some(record) = stream.next().await {
        columns.push(&record?);
    }
    Ok(columns)
}

fn key(set: &str, i: i64) -> Key {
    Key::new("test", set, Value::Int(i)).expect("key")
}

/// The bins benches/harness.py wrote for key i.
fn bins_of(i: i64) -> Vec<Bin> {
    vec![
        Bin::new("i", Value::Int(i)),
        Bin::new("f", Value::from(i as f64 * 0.5)),
        Bin::new("s", Value::String(format!("s{:05}", i % 1000))),
        Bin::new("v", Value::List((0..16).map(|j| Value::from((i + j) as f64)).collect())),
    ]
}

/// N commands one after the other (get, or put of each record's own bins): their seconds, each.
async fn single(client: &Client, set: &str, n: i64, put: bool) -> Result<Vec<f64>, Error> {
    let (read, write) = (ReadPolicy::default(), WritePolicy::default());
    let bins: Vec<Vec<Bin>> = if put { (0..n).map(bins_of).collect() } else { Vec::new() };
    let mut seconds = Vec::with_capacity(n as usize);
    for i in 0..n {
        let start = Instant::now();
        if put {
            client.put(&write, &key(set, i), &bins[i as usize]).await?;
        } else {
            std::hint::black_box(client.get(&read, &key(set, i), Bins::All).await?);
        }
        seconds.push(start.elapsed().as_secs_f64());
    }
    Ok(seconds)
}

/// N gets by `width` tasks, each taking the next key until none is left: the records read.
async fn inflight(client: &Arc<Client>, set: &str, n: i64, width: usize) -> Result<i64, Error> {
    let next = Arc::new(AtomicI64::new(0));
    let tasks: Vec<_> = (0..width)
        .map(|_| {
            let (client, next, set) = (client.clone(), next.clone(), set.to_string());
            tokio::spawn(async move {
                let read = ReadPolicy::default();
                let mut done = 0i64;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return Ok::<i64, Error>(done);
                    }
                    std::hint::black_box(client.get(&read, &key(&set, i), Bins::All).await?);
                    done += 1;
                }
            })
        })
        .collect();
    let mut done = 0;
    for task in tasks {
        done += task.await??;
    }
    Ok(done)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    if xs.len() % 2 == 1 { xs[mid] } else { (xs[mid - 1] + xs[mid]) / 2.0 }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let (hosts, set, n, repeat) = (args[1].clone(), args[2].clone(), args[3].parse::<i64>()?, args[4].parse::<usize>()?);
    let mode = args.get(5).map_or("batch", String::as_str);
    if let Some(kind) = mode.strip_prefix("raw-") {
        return raw_floor(&hosts, &set, n, repeat, kind);
    }
    if mode == "wire-inflight" {
        return wire_inflight(&hosts, &set, n, repeat, args.get(6).ok_or("wire-inflight needs its width")?.parse()?).await;
    }
    if let Some(kind) = mode.strip_prefix("wire-") {
        return wire_floor(&hosts, &set, n, repeat, kind);
    }
    let client = Arc::new(Client::new(&ClientPolicy::default(), &hosts).await?);
    let (mut times, mut cpu) = (Vec::new(), Vec::new());
    for round in 0..=repeat {
        let (start, start_cpu) = (Instant::now(), process_cpu());
        // The records (or commands) done, and the round's figure when it is not its wall time.
        let (rows, figure) = match mode {
            "batch" | "scan" => {
                let columns = if mode == "batch" { batch(&client, &set, n).await? } else { scan(&client, &set).await? };
                (std::hint::black_box(columns).ints.len() as i64, None)
            }
            "get" | "put" => {
                let seconds = single(&client, &set, n, mode == "put").await?;
                (seconds.len() as i64, Some(median(seconds)))
            }
            "inflight" => (inflight(&client, &set, n, args.get(6).ok_or("inflight needs its width")?.parse()?).await?, None),
            other => return Err(format!("mode is batch, scan, get, put or inflight W, not {other}").into()),
        };
        if rows != n {
            return Err(format!("{mode}: {rows} of {n} records").into());
        }
        if round > 0 {
            times.push(figure.unwrap_or_else(|| start.elapsed().as_secs_f64()));
            cpu.push(process_cpu() - start_cpu);
        }
    }
    println!("{{\"times\": {times:?}, \"cpu_times\": {cpu:?}, \"peak_rss_mib\": {}}}", peak_rss_mib());
    Ok(())
}

/// What owning the I/O would cost: the raw floor's connection and request, its answer decoded
/// by `wire` into packed rows, then built into Arrow batches (scan, as `to_arrow`) or filled
/// into the benchmark's NumPy layout (batch, as `to_numpy`).
fn wire_floor(hosts: &str, set: &str, n: i64, repeat: usize, kind: &str) -> Result<(), Error> {
    let host = hosts.split(',').next().ok_or("no host")?;
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_nodelay(true)?;
    let (mut times, mut cpu) = (Vec::new(), Vec::new());
    for round in 0..=repeat {
        let (start, start_cpu) = (Instant::now(), process_cpu());
        let (records, _) = match kind {
            "scan" => raw::decode_scan(&mut stream, &raw::scan_request(set, 1 + round as u64)?)?,
            "batch" => raw::decode_batch(&mut stream, &raw::batch_request(set, n)?)?,
            other => return Err(format!("wire mode is wire-batch or wire-scan, not wire-{other}").into()),
        };
        if records != n {
            return Err(format!("wire-{kind}: {records} of {n} records").into());
        }
        if round > 0 {
            times.push(start.elapsed().as_secs_f64());
            cpu.push(process_cpu() - start_cpu);
        }
    }
    println!("{{\"times\": {times:?}, \"cpu_times\": {cpu:?}, \"peak_rss_mib\": {}}}", peak_rss_mib());
    Ok(())
}

/// The raw-socket floor: one connection, one request a repetition, its answer read and dropped.
fn raw_floor(hosts: &str, set: &str, n: i64, repeat: usize, kind: &str) -> Result<(), Error> {
    let host = hosts.split(',').next().ok_or("no host")?;
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_nodelay(true)?;
    let request = |round: usize| match kind {
        "batch" => raw::batch_request(set, n),
        "scan" => raw::scan_request(set, 1 + round as u64),
        other => Err(format!("raw mode is raw-batch or raw-scan, not raw-{other}").into()),
    };
    let records = raw::count_records(&mut stream, &request(repeat + 1)?)?;
    if records != n {
        return Err(format!("raw-{kind}: {records} of {n} records").into());
    }
    let (mut times, mut cpu, mut body) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..=repeat {
        let req = request(round)?;
        let (start, start_cpu) = (Instant::now(), process_cpu());
        std::hint::black_box(raw::run(&mut stream, &req, &mut body)?);
        if round > 0 {
            times.push(start.elapsed().as_secs_f64());
            cpu.push(process_cpu() - start_cpu);
        }
    }
    println!("{{\"times\": {times:?}, \"cpu_times\": {cpu:?}, \"peak_rss_mib\": {}}}", peak_rss_mib());
    Ok(())
}

/// N gets by `width` tasks on connections of their own, built and decoded with `wire`: the
/// records found, per repetition, as the JSON line of the other modes.
async fn wire_inflight(hosts: &str, set: &str, n: i64, repeat: usize, width: usize) -> Result<(), Error> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = hosts.split(',').next().ok_or("no host")?.to_string();
    let mut streams = Vec::with_capacity(width);
    for _ in 0..width {
        let stream = tokio::net::TcpStream::connect(&host).await?;
        stream.set_nodelay(true)?;
        // Buffered: a reply's header and body come in one read, a request goes in one write.
        streams.push(tokio::io::BufStream::new(stream));
    }
    let (mut times, mut cpu) = (Vec::new(), Vec::new());
    for round in 0..=repeat {
        let (start, start_cpu) = (Instant::now(), process_cpu());
        let next = Arc::new(AtomicI64::new(0));
        let tasks: Vec<_> = streams
            .drain(..)
            .map(|mut stream| {
                let (next, set) = (next.clone(), set.to_string());
                tokio::spawn(async move {
                    let (mut found, mut body) = (0i64, Vec::new());
                    let mut rows = columnar::packed::PackedRows::default();
                    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return Ok::<_, Error>((stream, found));
                        }
                        stream.write_all(&raw::get_request(&set, i)?).await?;
                        stream.flush().await?;
                        let mut h = [0u8; wire::proto::HEADER_SIZE];
                        stream.read_exact(&mut h).await?;
                        body.resize(usize::try_from(wire::proto::ProtoHeader::parse(&h).size)?, 0);
                        stream.read_exact(&mut body).await?;
                        let message = wire::message::parse(&body)?;
                        found += i64::from(message.header.result_code == 0);
                        rows.clear();
                        rows.push_message(&message, now)?;
                        std::hint::black_box(&rows);
                    }
                })
            })
            .collect();
        let mut found = 0;
        for task in tasks {
            let (stream, f) = task.await??;
            streams.push(stream);
            found += f;
        }
        if found != n {
            return Err(format!("wire-inflight: {found} of {n} records").into());
        }
        if round > 0 {
            times.push(start.elapsed().as_secs_f64());
            cpu.push(process_cpu() - start_cpu);
        }
    }
    println!("{{\"times\": {times:?}, \"cpu_times\": {cpu:?}, \"peak_rss_mib\": {}}}", peak_rss_mib());
    Ok(())
}
