import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
for i in range(8):
    client.put(("test", "demo", f"user_{i}"), {"name": f"n{i}", "age": 20 + i})

# --8<-- [start:read]
keys = [("test", "demo", f"user_{i}") for i in range(10)]  # user_8 and user_9 do not exist

# every bin
batch = client.batch_read(keys)
for br in batch.batch_records:
    if br.record:
        key, meta, bins = br.record
print(len(batch), batch.found_count())  # 10 8

# some bins
batch = client.batch_read(keys, bins=["name", "age"])
print(batch["user_3"])  # {'name': 'n3', 'age': 23}

# existence only
batch = client.batch_read(keys, bins=[])
print([br.record is not None for br in batch.batch_records][-3:])  # [True, False, False]
# --8<-- [end:read]

# --8<-- [start:views]
batch = client.batch_read(keys, bins=["age"])
print(batch.to_list()[:2], batch.to_list()[-1])  # [{'age': 20}, {'age': 21}] None
print(batch.to_numpy("i8").shape)  # (10, 1)
# --8<-- [end:views]

# --8<-- [start:operate]
ops = [{"op": aerospike.OPERATOR_INCR, "bin": "views", "val": 1}]
results = client.batch_operate(keys[:8], ops)
print([br.result for br in results.batch_records][:3])  # [0, 0, 0]
# --8<-- [end:operate]

# --8<-- [start:write]
results = client.batch_write([(("test", "demo", f"new_{i}"), {"i": i}) for i in range(3)])
print([br.result for br in results.batch_records])  # [0, 0, 0]
# --8<-- [end:write]

# --8<-- [start:remove]
results = client.batch_remove(keys)
print([br.result for br in results.batch_records][-2:])  # [2, 2]
# --8<-- [end:remove]

client.close()
server.stop()
