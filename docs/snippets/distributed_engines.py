import pyarrow as pa

import aerospike_py as aerospike

with aerospike.LocalServer(nodes=3) as server, aerospike.client(server.config).connect() as client:
    config = server.config
    client.batch_write_arrow(pa.table({"_key": range(10_000), "v": range(10_000)}), "test", "events")

    # --8<-- [start:ray]
    from aerospike_py.ray import AerospikeDatasink, AerospikeDatasource

    source = AerospikeDatasource(config, "test", "events")
    tasks = source.get_read_tasks(8)  # what ray.data.read_datasource(source, override_num_blocks=8) runs
    print(len(tasks), sum(table.num_rows for task in tasks for table in task()))  # 8 10000
    sink = AerospikeDatasink(config, "test", "small", key="v")  # for dataset.write_datasink(sink)
    print(sink.get_name())  # Aerospike(test.small)
    # --8<-- [end:ray]

    # --8<-- [start:spark]
    from aerospike_py.spark import AerospikeDataSource

    hosts = ",".join(f"{host}:{port}" for host, port in client.get_nodes())
    options = {"hosts": hosts, "namespace": "test", "set": "events", "partitions": "16"}
    source = AerospikeDataSource(options)  # what spark.read.format("aerospike").options(**options).load() plans
    print(source.schema().simpleString())  # struct<v:bigint>
    reader = source.reader(source.schema())
    print(len(reader.partitions()), sum(batch.num_rows for p in reader.partitions() for batch in reader.read(p)))  # 16 10000
    # --8<-- [end:spark]
