import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()

# --8<-- [start:put]
key = ("test", "demo", "user1")
client.put(key, {"name": "Alice", "age": 30})
client.put(key, {"x": 1}, meta={"ttl": 300})
try:
    client.put(key, {"x": 1}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
except aerospike.RecordExistsError as e:
    print(e.result_code)  # 5
# --8<-- [end:put]

# --8<-- [start:get]
key, meta, bins = client.get(("test", "demo", "user1"))
print(meta.gen, meta.ttl <= 300)  # 2 True
print(bins)  # {'name': 'Alice', 'age': 30, 'x': 1}
# --8<-- [end:get]

# --8<-- [start:not_found]
try:
    client.get(("test", "demo", "nobody"))
except aerospike.RecordNotFound as e:
    print(type(e).__name__, e.result_code)  # RecordNotFound 2
# --8<-- [end:not_found]

# --8<-- [start:select]
_, meta, bins = client.select(key, ["name"])
print(bins)  # {'name': 'Alice'}
# --8<-- [end:select]

# --8<-- [start:exists]
_, meta = client.exists(key)
if meta is not None:
    print(f"Found, gen={meta.gen}")  # Found, gen=2
_, meta = client.exists(("test", "demo", "nobody"))
print(meta)  # None
# --8<-- [end:exists]

# --8<-- [start:touch]
client.touch(key, val=600)
print(client.get(key).meta.ttl > 300)  # True
# --8<-- [end:touch]

# --8<-- [start:remove]
gen = client.get(key).meta.gen
client.remove(key, meta={"gen": gen}, policy={"gen": aerospike.POLICY_GEN_EQ})  # only if unchanged
print(client.exists(key).meta)  # None
# --8<-- [end:remove]

client.close()
server.stop()
