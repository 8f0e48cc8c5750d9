import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()

# --8<-- [start:handle]
key = ("test", "demo", "order-1")
client.put(key, {"state": "new"})
try:
    client.put(key, {"state": "new"}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
except aerospike.RecordExistsError as e:
    print(e.result_code, e.in_doubt)  # 5 False
except aerospike.AerospikeTimeoutError as e:
    if e.in_doubt:
        pass  # the write may have happened: read the record before retrying
# --8<-- [end:handle]

# --8<-- [start:families]
try:
    client.get(("test", "demo", "order-2"))
except aerospike.RecordError as e:  # the family: RecordNotFound, RecordExistsError, FilteredOut, ...
    print(type(e).__name__, e.code)  # RecordNotFound 2
# --8<-- [end:families]

# --8<-- [start:param]
try:
    client.put(("test", "demo"), {"v": 1})  # a key needs three parts
except ValueError as e:  # ParamError is also a ValueError
    print(type(e).__name__, e.result_code)  # ParamError -2
# --8<-- [end:param]

client.close()
server.stop()
