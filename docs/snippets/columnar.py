import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()

# --8<-- [start:model]
import numpy as np

for i in range(4):
    client.put(("test", "feat", i), {"age": 20 + i, "score": i * 0.5, "emb": [float(i)] * 4})
keys = [("test", "feat", i) for i in range(5)]  # key 4 does not exist

batch = client.batch_read(keys)  # nothing is converted yet: rows stay packed in Rust
print(batch)  # <LazyBatchRecords: 5 requested, 4 found>
print(batch.found.tolist())  # [True, True, True, True, False]
print(batch.result_codes.tolist())  # [0, 0, 0, 0, 2]
# --8<-- [end:model]

# --8<-- [start:to_numpy]
dtype = np.dtype([("age", "i4"), ("score", "f8"), ("emb", "f4", (4,))])
features = batch.to_numpy(dtype)  # one row per requested key
print(type(features).__name__, features.shape)  # MaskedArray (5,)
print(features.mask["age"].tolist())  # [False, False, False, False, True]
print(features["emb"][3].tolist())  # [3.0, 3.0, 3.0, 3.0]
# --8<-- [end:to_numpy]

# --8<-- [start:matrix]
X = batch.to_numpy("f8", bins=["age", "score"])  # a plain dtype: an (n, k) matrix
print(X.shape)  # (5, 2)
X = batch.to_numpy("f8", bins=["age", "score"], fill_value=0.0)  # a plain ndarray, no mask
print(X[-1].tolist(), type(X).__name__)  # [0.0, 0.0] ndarray
found_rows = X[batch.found]  # or drop the missing rows
print(found_rows.shape)  # (4, 2)
# --8<-- [end:matrix]

# --8<-- [start:zero_copy]
ages = client.batch_read(keys[:4]).column("age")  # int64, no nulls: a view of the Arrow buffer
print(ages.dtype, ages.flags.writeable)  # int64 False
names_batch = client.batch_read(keys[:4], bins=["emb"])
try:
    names_batch.column("emb", allow_copy=False)  # a list column cannot be viewed
except ValueError as e:
    print("copy" in str(e))  # True
# --8<-- [end:zero_copy]

# --8<-- [start:frames]
table = batch.to_arrow()
print(table.column_names)  # ['_key', '_result_code', '_gen', '_ttl', 'age', 'score', 'emb']
df = batch.to_polars(meta_columns=False)
print(df.columns)  # ['age', 'score', 'emb']
pdf = batch.to_pandas()
print(len(pdf))  # 5
# --8<-- [end:frames]

# --8<-- [start:conflict]
import pyarrow as pa

client.put(("test", "mixed", 1), {"v": 1})
client.put(("test", "mixed", 2), {"v": "two"})
mixed = client.batch_read([("test", "mixed", 1), ("test", "mixed", 2)])
try:
    mixed.to_arrow()
except ValueError as e:  # names the bin and both types
    print("v" in str(e))  # True
print(mixed.to_arrow(on_type_conflict="null")["v"].to_pylist())  # [1, None]
schema = pa.schema([("v", pa.string())])
print(mixed.to_arrow(schema=schema)["v"].to_pylist())  # [None, 'two']
# --8<-- [end:conflict]

# --8<-- [start:int_float]
client.put(("test", "num", 1), {"x": 1})
client.put(("test", "num", 2), {"x": 2.5})
nums = client.batch_read([("test", "num", 1), ("test", "num", 2)])
print(nums.to_arrow().schema.field("x").type)  # double
# --8<-- [end:int_float]

# --8<-- [start:write_frames]
import polars as pl

frame = pl.DataFrame({"_key": [10, 11, 12], "age": [40, 41, 42], "city": ["Seoul", "Busan", "Jeju"]})
result = client.batch_write_arrow(frame, "test", "feat")  # any Arrow exporter: pyarrow, Polars, pandas
print([br.result for br in result.batch_records])  # [0, 0, 0]

arr = np.array([(20, 1.5), (21, 2.5)], dtype=[("_key", "i8"), ("score", "f8")])
client.batch_write_numpy(arr, "test", "feat")
print(client.get(("test", "feat", 21)).bins)  # {'score': 2.5}
# --8<-- [end:write_frames]

# --8<-- [start:duckdb]
import duckdb

batch = client.batch_read([("test", "feat", k) for k in (10, 11, 12)], bins=["age", "city"])
rel = duckdb.from_arrow(batch)  # through __arrow_c_stream__: no pyarrow conversion in between
print(rel.filter("age > 40").order("age").select("city").fetchall())  # [('Busan',), ('Jeju',)]
# --8<-- [end:duckdb]

# --8<-- [start:stream]
for i in range(1000):
    client.put(("test", "big", i), {"i": i, "v": i * 0.5})

with client.query("test", "big").arrow_batches(batch_size=256) as stream:
    total = 0
    for b in stream:  # each an ArrowBatch of at most 256 rows
        total += pa.record_batch(b).num_rows
print(total, stream.peak_rows <= 256)  # 1000 True
# --8<-- [end:stream]

# --8<-- [start:stream_duckdb]
stream = client.query("test", "big").arrow_batches(batch_size=256)
reader = pa.RecordBatchReader.from_stream(stream)  # DuckDB pulls batch by batch
print(duckdb.sql("select count(*), sum(i) from reader").fetchall())  # [(1000, 499500)]
# --8<-- [end:stream_duckdb]

# --8<-- [start:query_frames]
frame = client.query("test", "big").to_polars(meta_columns=False)
print(frame.shape)  # (1000, 2)
# --8<-- [end:query_frames]

client.close()
server.stop()
