import aerospike_py as aerospike
from aerospike_py import list_operations as lo

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
key = ("test", "demo", "page1")
client.put(key, {"counter": 1})

# --8<-- [start:operate]
ops = [
    {"op": aerospike.OPERATOR_INCR, "bin": "counter", "val": 1},
    {"op": aerospike.OPERATOR_READ, "bin": "counter", "val": None},
]
_, meta, bins = client.operate(key, ops)
print(bins)  # {'counter': 2}
# --8<-- [end:operate]

# --8<-- [start:ordered]
ops = [
    {"op": aerospike.OPERATOR_INCR, "bin": "counter", "val": 1},
    {"op": aerospike.OPERATOR_READ, "bin": "counter", "val": None},
]
_, meta, results = client.operate_ordered(key, ops)
print(results)  # [BinTuple(name='counter', value=3)]
# --8<-- [end:ordered]

# --8<-- [start:cdt]
ops = [
    lo.list_append("tags", "new"),
    lo.list_append("tags", "sale"),
    lo.list_size("tags"),
]
_, _, bins = client.operate(key, ops)
print(bins)  # {'tags': 2}
# --8<-- [end:cdt]

client.close()
server.stop()
