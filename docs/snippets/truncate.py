import time

import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
for i in range(5):
    client.put(("test", "demo", i), {"i": i})
client.put(("test", "other", 1), {"i": 1})
time.sleep(0.01)  # truncate removes records last written before its millisecond

# --8<-- [start:truncate]
client.truncate("test", "demo")
print(len(client.query("test", "demo").results()))  # 0
print(client.exists(("test", "other", 1)).meta is not None)  # True
# --8<-- [end:truncate]

# --8<-- [start:namespace]
client.truncate("test", None)  # every set of the namespace
print(len(client.query("test", None).results()))  # 0
# --8<-- [end:namespace]

client.close()
server.stop()
