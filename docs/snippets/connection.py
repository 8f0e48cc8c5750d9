import aerospike_py as aerospike

server = aerospike.LocalServer(cluster_name="docker").start()
config = {**server.config}
key, bins = ("test", "demo", "user1"), {"name": "Alice"}

# --8<-- [start:create]
client = aerospike.client({
    "hosts": [("127.0.0.1", server.port)],  # your cluster's seed nodes, e.g. ("127.0.0.1", 3000)
    "cluster_name": "docker",
}).connect()
# --8<-- [end:create]
# --8<-- [start:is_connected]
if client.is_connected():
    print("Connected")  # Connected
# --8<-- [end:is_connected]
# --8<-- [start:nodes]
nodes = client.get_node_names()
print(len(nodes))  # 1
# --8<-- [end:nodes]
# --8<-- [start:close]
client.close()
print(client.is_connected())  # False
# --8<-- [end:close]

# --8<-- [start:with]
with aerospike.client(config).connect() as client:
    client.put(key, bins)
# close() is called on leaving the block
# --8<-- [end:with]
print(client.is_connected())  # False
server.stop()

secure = aerospike.LocalServer(security=True).start()
config = secure.config
# --8<-- [start:auth]
client = aerospike.client(config).connect("admin", "admin")
# --8<-- [end:auth]
print(client.is_connected())  # True
client.close()
secure.stop()
