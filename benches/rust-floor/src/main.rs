//! The floor: the `aerospike` crate alone, reading the benchmark records and gathering their four
//! bins into columns (what `to_numpy` / `to_arrow` produce), timing each repetition. Prints the
//! same JSON line as the Python workers.
//!
//!     rust-floor HOST:PORT SET N REPEAT [batch|scan]
//!
//! batch (the default): a batch read of keys 0..N. scan: a query of the whole set with
//! `PartitionFilter::all()`, checked to return N records.
use std::time::Instant;

use aerospike::{
    BatchOperation, BatchPolicy, BatchReadPolicy, Bins, Client, ClientPolicy, Key, PartitionFilter, QueryPolicy, Record, Statement, Value,
};
use futures::StreamExt;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(0.0, |kib| kib / 1024.0)
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

async fn batch(client: &Client, set: &str, n: i64) -> Result<Columns, Box<dyn std::error::Error>> {
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

async fn scan(client: &Client, set: &str) -> Result<Columns, Box<dyn std::error::Error>> {
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (hosts, set, n, repeat) = (args[1].clone(), args[2].clone(), args[3].parse::<i64>()?, args[4].parse::<usize>()?);
    let mode = args.get(5).map_or("batch", String::as_str);
    let client = Client::new(&ClientPolicy::default(), &hosts).await?;
    let mut times = Vec::new();
    for round in 0..=repeat {
        let start = Instant::now();
        let columns = match mode {
            "batch" => batch(&client, &set, n).await?,
            "scan" => scan(&client, &set).await?,
            other => return Err(format!("mode is batch or scan, not {other}").into()),
        };
        if columns.ints.len() as i64 != n {
            return Err(format!("read {} of {n} records", columns.ints.len()).into());
        }
        if round > 0 {
            times.push(start.elapsed().as_secs_f64());
        }
        std::hint::black_box(columns);
    }
    println!("{{\"times\": {times:?}, \"peak_rss_mib\": {}}}", peak_rss_mib());
    Ok(())
}
