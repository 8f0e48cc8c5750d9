import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
key = ("test", "demo", "user1")
client.put(key, {"name": "Alice", "age": 30, "score": 1.0, "temp_bin": 1, "debug_bin": 2})

# --8<-- [start:append]
client.append(key, "name", "_suffix")
client.prepend(key, "name", "prefix_")
print(client.get(key).bins["name"])  # prefix_Alice_suffix
# --8<-- [end:append]

# --8<-- [start:increment]
client.increment(key, "age", 1)
client.increment(key, "score", 0.5)
print(client.select(key, ["age", "score"]).bins)  # {'age': 31, 'score': 1.5}
# --8<-- [end:increment]

# --8<-- [start:type_error]
try:
    client.increment(key, "name", 1)  # a string bin cannot be incremented
except aerospike.BinTypeError as e:
    print(e.result_code)  # 12
# --8<-- [end:type_error]

# --8<-- [start:remove_bin]
client.remove_bin(key, ["temp_bin", "debug_bin"])
print(sorted(client.get(key).bins))  # ['age', 'name', 'score']
# --8<-- [end:remove_bin]

client.close()
server.stop()
