import os
import tempfile

import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
os.chdir(tempfile.mkdtemp())
key = ("test", "demo", "u_0")
client.put(key, {"counter": 0})

# --8<-- [start:put]
with open("my_udf.lua", "w") as f:
    f.write('''
function increment_counter(rec, by)
  rec["counter"] = (rec["counter"] or 0) + by
  if aerospike:exists(rec) then aerospike:update(rec) else aerospike:create(rec) end
  return rec["counter"]
end
function my_function(rec, n, s) return s .. n end
''')
client.udf_put("my_udf.lua")
print([m["name"] for m in client.udf_list()])  # ['my_udf.lua']
# --8<-- [end:put]

# --8<-- [start:apply]
result = client.apply(key, "my_udf", "my_function", [1, "hello"])
print(result)  # hello1
print(client.apply(key, "my_udf", "increment_counter", [5]))  # 5
# --8<-- [end:apply]

# --8<-- [start:batch_apply]
# the same UDF on every key
keys = [("test", "demo", f"u_{i}") for i in range(10)]
results = client.batch_apply(keys, "my_udf", "increment_counter", [1])
for br in results.batch_records:
    if br.result == 0 and br.record is not None:
        value = br.record.bins.get("SUCCESS")  # the UDF's return value
print(value)  # 1

# per-record overrides: one record gets other args and a longer TTL
results = client.batch_apply(
    [
        ("test", "demo", "u_1"),  # the default args
        (("test", "demo", "u_2"), {"args": [5], "ttl": 3600}),
    ],
    "my_udf", "increment_counter", args=[1],
)
print([br.record.bins["SUCCESS"] for br in results.batch_records])  # [2, 6]
# --8<-- [end:batch_apply]

# --8<-- [start:remove]
client.udf_remove("my_udf.lua")
print(client.udf_list())  # []
# --8<-- [end:remove]

client.close()
server.stop()
