import aerospike_py as aerospike

with aerospike.LocalServer(nodes=3) as server, aerospike.client(server.config).connect() as client:
    # --8<-- [start:polars]
    import polars as pl

    from aerospike_py.polars import pushdown_report, scan_aerospike

    users = pl.DataFrame({"_key": range(1000), "age": [i % 90 for i in range(1000)], "name": [f"u{i}" for i in range(1000)]})
    client.batch_write_arrow(users, "test", "users")

    lf = scan_aerospike(client, "test", "users").filter(pl.col("age") >= 80).select("name")
    print(lf.collect().height)  # 110
    report = pushdown_report(lf)
    print(report.columns, report.server_filter)  # ('age', 'name') age >= 80
    print(report.records_received)  # 110
    # --8<-- [end:polars]

    # --8<-- [start:polars_partial]
    lf = scan_aerospike(client, "test", "users").filter((pl.col("age") % 10 == 0) & (pl.col("name").str.starts_with("u1")))
    print(lf.collect().height)  # 11
    report = pushdown_report(lf)
    print(report.server_filter)  # name starts with 'u1'
    print(report.records_received)  # 111
    # --8<-- [end:polars_partial]

    # --8<-- [start:polars_head]
    lf = scan_aerospike(client, "test", "users").head(5)
    print(lf.collect().height, pushdown_report(lf).max_records)  # 5 5
    # --8<-- [end:polars_head]

    # --8<-- [start:dask]
    import dask.dataframe as dd
    import pandas as pd

    from aerospike_py import exp
    from aerospike_py.dask import read_aerospike, to_aerospike

    config = server.config  # a dict: it travels to the tasks
    frame = dd.from_pandas(pd.DataFrame({"_key": range(10_000), "v": range(10_000)}), npartitions=4)
    print(to_aerospike(frame, config, "test", "events"))  # 10000
    ddf = read_aerospike(config, "test", "events", npartitions=8, filter_expression=exp.lt(exp.int_bin("v"), 100))
    print(ddf.npartitions, len(ddf), int(ddf["v"].sum().compute()))  # 8 100 4950
    # --8<-- [end:dask]

