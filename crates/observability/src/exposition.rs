//! The Prometheus text exposition format (version 0.0.4) of everything in `metrics`: what
//! `get_metrics()` returns and the HTTP server serves. Metric and label names follow the seed
//! project's (`db_client_operation_duration_seconds` with `db_system_name`, `db_namespace`,
//! `db_collection_name`, `db_operation_name`, `error_type`), themselves the OpenTelemetry
//! database-client conventions with dots as underscores.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::Ordering::Relaxed;

use crate::histogram::{Snapshot, LATENCY_BOUNDS};
use crate::metrics::{all_series, node_stats, Series, Stage};

/// Reads one figure of a node.
type NodeFigure = fn(&crate::metrics::NodeStats) -> u64;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A label value as the format wants it: backslash, double quote and newline escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn common_labels(s: &Series) -> String {
    format!(
        "db_system_name=\"aerospike\",db_namespace=\"{}\",db_collection_name=\"{}\",db_operation_name=\"{}\"",
        escape(&s.namespace),
        escape(&s.set),
        s.operation
    )
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn histogram(out: &mut String, name: &str, labels: &str, snap: &Snapshot) {
    for (bound, count) in LATENCY_BOUNDS.iter().zip(snap.cumulative) {
        // "10.0", not "10": the `le` values Prometheus clients write, which queries match on.
        let bound = if bound.fract() == 0.0 { format!("{bound:.1}") } else { bound.to_string() };
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {count}");
    }
    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", snap.cumulative[16]);
    let _ = writeln!(out, "{name}_sum{{{labels}}} {}", snap.sum_seconds);
    let _ = writeln!(out, "{name}_count{{{labels}}} {}", snap.count);
}

/// The whole registry, series in a stable order. `# EOF` ends it, as the seed project's output
/// does (a comment to a 0.0.4 parser).
pub fn render() -> String {
    let series = all_series();
    let mut out = String::with_capacity(4096 + series.len() * 2048);

    let name = "db_client_operation_duration_seconds";
    header(&mut out, name, "histogram", "Duration of the client's database operations; error_type is empty on success.");
    for s in &series {
        let labels = common_labels(s);
        if s.ok.count() > 0 {
            histogram(&mut out, name, &format!("{labels},error_type=\"\""), &s.ok.snapshot());
        }
        if let Ok(failures) = s.failures.lock() {
            for f in failures.iter() {
                histogram(&mut out, name, &format!("{labels},error_type=\"{}\"", f.error_type), &f.latency.snapshot());
            }
        }
    }

    let name = "db_client_operation_errors_total";
    header(&mut out, name, "counter", "Failed operations by the result code the exception carries (db_response_status_code) and its class.");
    for s in &series {
        let labels = common_labels(s);
        if let Ok(failures) = s.failures.lock() {
            for f in failures.iter() {
                let _ = writeln!(
                    out,
                    "{name}{{{labels},db_response_status_code=\"{}\",error_type=\"{}\"}} {}",
                    f.code,
                    f.error_type,
                    f.latency.count()
                );
            }
        }
    }

    let name = "db_client_operation_timeouts_total";
    header(&mut out, name, "counter", "Operations that failed with a timeout (client or server side).");
    for s in &series {
        let n = s.timeouts.load(Relaxed);
        if n > 0 {
            let _ = writeln!(out, "{name}{{{}}} {n}", common_labels(s));
        }
    }

    let name = "db_client_operation_retries_total";
    header(&mut out, name, "counter", "Re-sends after the first attempt, counted for operations that failed in the end (attempts are reported with the error only).");
    for s in &series {
        let n = s.retries.load(Relaxed);
        if n > 0 {
            let _ = writeln!(out, "{name}{{{}}} {n}", common_labels(s));
        }
    }

    let name = "db_client_operation_records_total";
    header(&mut out, name, "counter", "Records that batch, scan and query operations carried.");
    for s in &series {
        let n = s.records.load(Relaxed);
        if n > 0 {
            let _ = writeln!(out, "{name}{{{}}} {n}", common_labels(s));
        }
    }

    // Stage timings are summed over namespaces and sets: they profile the client, not the data.
    let name = "db_client_internal_stage_seconds";
    header(&mut out, name, "histogram", "Phases of an operation inside the client (set_internal_stage_metrics_enabled).");
    let mut stages: BTreeMap<(&str, &str), Snapshot> = BTreeMap::new();
    for s in &series {
        for stage in Stage::ALL {
            let h = &s.stages[stage as usize];
            if h.count() > 0 {
                h.add_to(stages.entry((s.operation, stage.label())).or_insert_with(Snapshot::empty));
            }
        }
    }
    for ((operation, stage), snap) in &stages {
        histogram(&mut out, name, &format!("stage=\"{stage}\",db_operation_name=\"{operation}\""), snap);
    }

    let nodes = node_stats();
    let node_labels = |n: &crate::metrics::NodeStats| {
        format!("db_system_name=\"aerospike\",node=\"{}\",server_address=\"{}\"", escape(&n.node), escape(&n.address))
    };
    let gauges: [(&str, &str, &str, NodeFigure); 4] = [
        ("aerospike_client_connections_open", "gauge", "Connections a node's pool holds (idle or in use).", |n| n.open),
        ("aerospike_client_connections_in_use", "gauge", "Connections of a node's pool checked out by a command.", |n| n.in_use),
        ("aerospike_client_connections_created_total", "counter", "Connections opened to a node.", |n| n.created),
        ("aerospike_client_connections_closed_total", "counter", "Connections to a node closed.", |n| n.closed),
    ];
    for (name, kind, help, value) in gauges {
        header(&mut out, name, kind, help);
        for n in &nodes {
            let _ = writeln!(out, "{name}{{{}}} {}", node_labels(n), value(n));
        }
    }
    out.push_str("# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::series;
    use std::time::Duration;

    #[test]
    fn a_series_renders_its_histogram_errors_and_records() {
        let s = series("batch_read", "expo-ns", "se\"t");
        s.success(Duration::from_micros(300));
        s.success(Duration::from_millis(20));
        s.failure(Duration::from_millis(2), 2, "RecordNotFound", false);
        s.add_records(7);
        s.add_retries(3);
        let text = render();
        let labels = "db_system_name=\"aerospike\",db_namespace=\"expo-ns\",db_collection_name=\"se\\\"t\",db_operation_name=\"batch_read\"";
        assert!(text.contains(&format!("db_client_operation_duration_seconds_bucket{{{labels},error_type=\"\",le=\"0.0005\"}} 1\n")), "{text}");
        assert!(text.contains(&format!("db_client_operation_duration_seconds_bucket{{{labels},error_type=\"\",le=\"+Inf\"}} 2\n")));
        assert!(text.contains(&format!("db_client_operation_duration_seconds_count{{{labels},error_type=\"RecordNotFound\"}} 1\n")));
        assert!(text.contains(&format!("db_client_operation_errors_total{{{labels},db_response_status_code=\"2\",error_type=\"RecordNotFound\"}} 1\n")));
        assert!(text.contains(&format!("db_client_operation_records_total{{{labels}}} 7\n")));
        assert!(text.contains(&format!("db_client_operation_retries_total{{{labels}}} 3\n")));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn every_metric_has_help_and_type_even_when_empty() {
        let text = render();
        for name in ["db_client_operation_duration_seconds", "db_client_operation_retries_total", "db_client_internal_stage_seconds", "aerospike_client_connections_open"] {
            assert!(text.contains(&format!("# HELP {name} ")));
            assert!(text.contains(&format!("# TYPE {name} ")));
        }
    }
}
