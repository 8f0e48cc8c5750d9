//! The floor: batch-read N records with the `aerospike` crate and gather them into columns
//! (what `to_numpy` produces), timing each repetition. Prints the same JSON as the Python
//! workers. Usage: rust-floor HOST:PORT SET N REPEAT
use std::time::Instant;

use aerospike::{BatchOperation, BatchPolicy, BatchReadPolicy, Bins, Client, ClientPolicy, Key, Value};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(0.0, |kib| kib / 1024.0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (hosts, set, n, repeat) = (args[1].clone(), args[2].clone(), args[3].parse::<i64>()?, args[4].parse::<usize>()?);
    let client = Client::new(&ClientPolicy::default(), &hosts).await?;
    let mut policy = BatchPolicy::default();
    policy.base_policy.total_timeout = 60_000;
    policy.base_policy.socket_timeout = 60_000;
    let read = BatchReadPolicy::default();
    let mut times = Vec::new();
    for round in 0..=repeat {
        let start = Instant::now();
        let mut ops: Vec<BatchOperation> = (0..n).map(|i| BatchOperation::read(&read, Key::new("test", set.as_str(), Value::Int(i)).expect("key"), Bins::All)).collect();
        client.batch(&policy, &mut ops).await?;
        let (mut ints, mut floats, mut strings, mut vectors) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for op in &ops {
            let Some(record) = op.record() else { continue };
            if let Some(Value::Int(i)) = record.bins.get("i") { ints.push(*i) }
            if let Some(Value::Float(f)) = record.bins.get("f") { floats.push(f64::from(f)) }
            if let Some(Value::String(s)) = record.bins.get("s") { strings.push(s.clone()) }
            if let Some(Value::List(v)) = record.bins.get("v") {
                vectors.extend(v.iter().map(|x| if let Value::Float(f) = x { f64::from(f) } else { 0.0 }));
            }
        }
        if ints.len() as i64 != n {
            return Err(format!("read {} of {n} records", ints.len()).into());
        }
        if round > 0 {
            times.push(start.elapsed().as_secs_f64());
        }
        std::hint::black_box((ints, floats, strings, vectors));
    }
    println!("{{\"times\": {times:?}, \"peak_rss_mib\": {}}}", peak_rss_mib());
    Ok(())
}
