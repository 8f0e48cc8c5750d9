# Getting started: the local server, a first put and get, sync and asyncio.
# --8<-- [start:sync]
import aerospike_py as aerospike

with aerospike.LocalServer() as server:  # an Aerospike-compatible server in this process
    with aerospike.client(server.config).connect() as client:
        key = ("test", "demo", "user1")  # (namespace, set, user key)
        client.put(key, {"name": "Alice", "age": 30})
        record = client.get(key)
        print(record.bins)  # {'name': 'Alice', 'age': 30}
        print(record.meta.gen)  # 1
# --8<-- [end:sync]

# --8<-- [start:async]
import asyncio

import aerospike_py as aerospike


async def main(config):
    async with aerospike.async_client(config) as client:
        keys = [("test", "demo", i) for i in range(100)]
        await asyncio.gather(*(client.put(k, {"i": i}) for i, k in enumerate(keys)))
        records = await asyncio.gather(*(client.get(k) for k in keys))
        print(sum(r.bins["i"] for r in records))  # 4950


with aerospike.LocalServer() as server:
    asyncio.run(main(server.config))
# --8<-- [end:async]
