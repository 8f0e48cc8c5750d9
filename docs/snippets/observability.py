import logging
import socket
import time
import urllib.request

import aerospike_py as aerospike

with aerospike.LocalServer() as server, aerospike.client(server.config).connect() as client:
    client.batch_write([(("test", "obs", i), {"i": i}) for i in range(100)])
    # --8<-- [start:progress]
    print(aerospike.build_profile in ("release", "debug"))  # True
    with client.query("test", "obs").arrow_batches(batch_size=10, progress=True) as stream:
        rows = sum(len(batch) for batch in stream)
    print(rows, stream.peak_rows <= 10)  # 100 True
    # --8<-- [end:progress]

    # --8<-- [start:metrics]
    from prometheus_client.parser import text_string_to_metric_families

    print(aerospike.is_metrics_enabled())  # True
    client.put(("test", "users", "u1"), {"name": "Alice"})
    client.get(("test", "users", "u1"))
    try:
        client.get(("test", "users", "nobody"))
    except aerospike.exception.RecordNotFound:
        pass
    client.batch_read([("test", "users", "u1"), ("test", "users", "u2")])

    def sample(text, name, **labels):
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                    return s.value
        return 0

    text = aerospike.get_metrics()
    users = {"db_namespace": "test", "db_collection_name": "users"}
    print(sample(text, "db_client_operation_duration_seconds_count", **users, db_operation_name="get", error_type=""))  # 1
    print(sample(text, "db_client_operation_errors_total", **users, db_operation_name="get"))  # 1
    print(sample(text, "db_client_operation_records_total", **users, db_operation_name="batch_read"))  # 2
    print(sample(text, "aerospike_client_connections_open") >= 1)  # True
    # --8<-- [end:metrics]

    # --8<-- [start:endpoint]
    port = aerospike.start_metrics_server(port=0, addr="127.0.0.1")  # default: port 9464 on 0.0.0.0
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as answer:
        print(answer.headers["Content-Type"])  # text/plain; version=0.0.4; charset=utf-8
        print('db_operation_name="put"' in answer.read().decode())  # True
    aerospike.stop_metrics_server()
    # --8<-- [end:endpoint]

    # --8<-- [start:off]
    aerospike.set_metrics_enabled(False)
    client.get(("test", "users", "u1"))  # not counted
    after = aerospike.get_metrics()
    aerospike.set_metrics_enabled(True)
    print(sample(after, "db_client_operation_duration_seconds_count", **users, db_operation_name="get", error_type=""))  # 1
    # --8<-- [end:off]

    # --8<-- [start:tracing]
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()  # in a service: BatchSpanProcessor(OTLPSpanExporter())
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    aerospike.init_tracing(provider)

    with provider.get_tracer("app").start_as_current_span("handle request") as request:
        client.put(("test", "users", "u2"), {"name": "Bob"})
        try:
            client.get(("test", "users", "nobody"))
        except aerospike.exception.RecordNotFound:
            pass

    put, get, parent = exporter.get_finished_spans()
    print([s.name for s in (put, get, parent)])  # ['PUT test.users', 'GET test.users', 'handle request']
    print(put.parent.span_id == parent.context.span_id, put.kind.name)  # True CLIENT
    print({k: put.attributes[k] for k in ("db.system.name", "db.namespace", "db.collection.name", "db.operation.name")})  # {'db.system.name': 'aerospike', 'db.namespace': 'test', 'db.collection.name': 'users', 'db.operation.name': 'PUT'}
    print(get.attributes["error.type"], get.attributes["db.response.status_code"], get.status.status_code.name)  # RecordNotFound 2 ERROR

    # A scan or query is one span, from the call to the end of its stream.
    exporter.clear()
    for batch in client.query("test", "users").arrow_batches(batch_size=1):
        break  # stopped early: the span says so
    everyone = client.query("test", "users").results()
    stopped, scan = exporter.get_finished_spans()
    print(scan.name, scan.attributes["db.response.returned_rows"], len(everyone))  # SCAN test.users 2 2
    print(stopped.attributes["aerospike.query.stopped"], stopped.attributes["db.response.returned_rows"])  # True 1
    aerospike.shutdown_tracing()
    # --8<-- [end:tracing]

    # --8<-- [start:stages]
    with aerospike.internal_stage_profiling():
        client.get(("test", "users", "u1"))
    stages = aerospike.get_metrics()
    counts = {stage: sample(stages, "db_client_internal_stage_seconds_count", stage=stage, db_operation_name="get") for stage in ("parse", "send", "wait", "convert")}
    print(counts)  # {'parse': 1, 'send': 1, 'wait': 1, 'convert': 1}
    print(aerospike.is_internal_stage_metrics_enabled())  # False
    # --8<-- [end:stages]

# --8<-- [start:logging]
logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
aerospike.set_log_level(aerospike.LOG_LEVEL_WARN)  # or logging.getLogger("aerospike_py").setLevel(...)
print(logging.getLogger("aerospike_py").level == logging.WARNING)  # True

with socket.socket() as probe:  # a port nothing listens on
    probe.bind(("127.0.0.1", 0))
    closed = probe.getsockname()[1]
seen = []
handler = logging.Handler()
handler.emit = lambda record: seen.append((record.levelname, record.name))
logging.getLogger("aerospike_py").addHandler(handler)
try:
    aerospike.client({"hosts": [("127.0.0.1", closed)], "timeout": 1000}).connect()
except aerospike.exception.ConnectionError:
    pass
deadline = time.monotonic() + 5  # records come through a queue: a moment after the event
while ("WARNING", "aerospike_py.connection") not in seen and time.monotonic() < deadline:
    time.sleep(0.05)
print(("WARNING", "aerospike_py.connection") in seen)  # True
print(aerospike.dropped_log_count())  # 0
# --8<-- [end:logging]
