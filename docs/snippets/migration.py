import aerospike_py

server = aerospike_py.LocalServer().start()
config = server.config

# --8<-- [start:official]
import aerospike_py as aerospike  # was: import aerospike
from aerospike_py import exception as ex  # was: from aerospike import exception as ex
from aerospike_py import predicates as p  # was: from aerospike import predicates as p

client = aerospike.client(config).connect()
key = ("test", "demo", 1)
client.put(key, {"name": "Alice", "age": 30}, meta={"ttl": 3600}, policy={"key": aerospike.POLICY_KEY_SEND})
(key, meta, bins) = client.get(key)
try:
    client.get(("test", "demo", 2))
except ex.RecordNotFound:
    pass
client.index_integer_create("test", "demo", "age", "demo_age")
print([r[2]["name"] for r in client.query("test", "demo").where(p.equals("age", 30)).results()])  # ['Alice']
client.close()
# --8<-- [end:official]

# --8<-- [start:seed]
client = aerospike.client(config).connect()
keys = [("test", "demo", 1), ("test", "demo", 404)]
batch = client.batch_read(keys)
print(len(batch), batch.found_count())  # 2 1
client.put(("test", "demo", 3), {"v": 1})
print(client.get(("test", "demo", 3)).meta.ttl > 0)  # True
client.close()
# --8<-- [end:seed]

server.stop()
