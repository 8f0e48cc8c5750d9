//! Criterion benches of `columnar::build` and `numpy::fill` on the batch-read benchmark's record
//! shape (int, float, short string, 16-float list), sequential against parallel column building,
//! and of the packed rows a batch or scan lands in (`packed::PackedRows::push`: the crate's
//! records to Aerospike msgpack through `wire`; `build_packed`: those bytes read back into
//! columns): `cargo bench -p columnar`.
use std::hint::black_box;

use aerospike::{IndexMap, Key, Record, Value};
use columnar::numpy::{fill, FieldLayout, Layout, Scalar};
use columnar::packed::PackedRows;
use columnar::{build, build_packed, Options, Row};
use criterion::{criterion_group, criterion_main, Criterion};

fn records(n: i64) -> Vec<(Value, IndexMap<String, Value>)> {
    (0..n)
        .map(|i| {
            let mut bins = IndexMap::new();
            bins.insert("i".to_owned(), Value::Int(i));
            bins.insert("f".to_owned(), Value::from(i as f64 * 0.5));
            bins.insert("s".to_owned(), Value::String(format!("s{:05}", i % 1000)));
            bins.insert("v".to_owned(), Value::List((0..16).map(|j| Value::from((i + j) as f64)).collect()));
            (Value::Int(i), bins)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let data = records(100_000);
    let rows: Vec<Row<'_>> =
        data.iter().map(|(k, b)| Row { key: Some(k), result_code: 0, generation: 1, ttl: -1, bins: Some(b) }).collect();
    let mut group = c.benchmark_group("build_100k");
    group.sample_size(10);
    for (name, parallel) in [("sequential", false), ("parallel", true)] {
        let options = Options { parallel: Some(parallel), ..Options::default() };
        group.bench_function(name, |b| b.iter(|| black_box(build(&rows, &options))));
    }
    group.finish();
    let keyed: Vec<(Key, Record)> = data
        .iter()
        .filter_map(|(k, b)| Some((Key::new("test", "bench", k.clone()).ok()?, Record::new(None, b.clone(), None, 1, 0))))
        .collect();
    let pack = || {
        let mut packed = PackedRows::with_capacity(keyed.len());
        for (key, record) in &keyed {
            packed.push(Some(key), 0, Some(record), false);
        }
        packed
    };
    c.bench_function("packed_push_100k", |b| b.iter(|| black_box(pack())));
    let packed = pack();
    let sequential = Options { parallel: Some(false), ..Options::default() };
    c.bench_function("build_packed_100k_sequential", |b| b.iter(|| black_box(build_packed(&packed, &sequential))));
    let Ok(batch) = build(&rows, &Options::default()) else { return };
    let layout = Layout {
        itemsize: 8 + 8 + 32 + 16 * 8,
        fields: vec![
            FieldLayout { name: "i".into(), column: "i".into(), offset: 0, scalar: Scalar::Int { bytes: 8, signed: true }, count: 1 },
            FieldLayout { name: "f".into(), column: "f".into(), offset: 8, scalar: Scalar::Float { bytes: 8 }, count: 1 },
            FieldLayout { name: "s".into(), column: "s".into(), offset: 16, scalar: Scalar::Unicode { chars: 8 }, count: 1 },
            FieldLayout { name: "v".into(), column: "v".into(), offset: 48, scalar: Scalar::Float { bytes: 8 }, count: 16 },
        ],
    };
    c.bench_function("numpy_fill_100k", |b| b.iter(|| black_box(fill(&batch, &layout))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
