import aerospike_py as aerospike

with aerospike.LocalServer() as server, aerospike.client(server.config).connect() as client:
    client.batch_write([(("test", "obs", i), {"i": i}) for i in range(100)])
    # --8<-- [start:progress]
    print(aerospike.build_profile in ("release", "debug"))  # True
    with client.query("test", "obs").arrow_batches(batch_size=10, progress=True) as stream:
        rows = sum(len(batch) for batch in stream)
    print(rows, stream.peak_rows <= 10)  # 100 True
    # --8<-- [end:progress]
