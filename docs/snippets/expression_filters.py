import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
key = ("test", "demo", "user1")
client.put(key, {"age": 30, "status": "active"})
client.put(("test", "demo", "kid"), {"age": 12, "status": "active"})
keys = [key, ("test", "demo", "kid")]

# --8<-- [start:filters]
from aerospike_py import exp

expr = exp.ge(exp.int_bin("age"), exp.int_val(21))

# get with a filter
_, _, bins = client.get(key, policy={"filter_expression": expr})

# put with a filter (writes only when the filter matches)
expr = exp.eq(exp.string_bin("status"), exp.string_val("active"))
client.put(key, {"visits": 1}, policy={"filter_expression": expr})

# query with a filter
query = client.query("test", "demo")
records = query.results(policy={"filter_expression": expr})

# batch with a filter
ops = [{"op": aerospike.OPERATOR_READ, "bin": "status", "val": None}]
records = client.batch_operate(keys, ops, policy={"filter_expression": expr})
# --8<-- [end:filters]
print(len(query.results(policy={"filter_expression": expr})))  # 2

# --8<-- [start:filtered_out]
adult = exp.ge(exp.int_bin("age"), exp.int_val(21))
try:
    client.get(("test", "demo", "kid"), policy={"filter_expression": adult})
except aerospike.FilteredOut as e:
    print(e.result_code)  # 27
batch = client.batch_read(keys, policy={"filter_expression": adult})
print([br.result for br in batch])  # [0, 27]
# --8<-- [end:filtered_out]

client.close()
server.stop()
