import asyncio

import aerospike_py as aerospike


async def main(config):
    async with aerospike.async_client(config) as client:
        # --8<-- [start:gather_write]
        keys = [("test", "demo", f"item_{i}") for i in range(100)]
        tasks = [client.put(k, {"idx": i}) for i, k in enumerate(keys)]
        await asyncio.gather(*tasks)
        # --8<-- [end:gather_write]

        # --8<-- [start:gather_read]
        keys = [("test", "demo", f"item_{i}") for i in range(100)] + [("test", "demo", "missing")]
        tasks = [client.get(k) for k in keys]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        print(type(results[-1]).__name__)  # RecordNotFound
        # --8<-- [end:gather_read]

        # --8<-- [start:mixed]
        async def process_user(client, user_id):
            key = ("test", "users", user_id)
            try:
                _, _, bins = await client.get(key)
            except aerospike.RecordNotFound:
                bins = {}
            bins["visits"] = bins.get("visits", 0) + 1
            await client.put(key, bins)
            return bins

        results = await asyncio.gather(*[
            process_user(client, f"user_{i}")
            for i in range(10)
        ])
        print(results[0])  # {'visits': 1}
        # --8<-- [end:mixed]

        # --8<-- [start:bounded]
        limit = asyncio.Semaphore(32)  # at most 32 commands in flight

        async def bounded_get(key):
            async with limit:
                return await client.get(key)

        records = await asyncio.gather(*(bounded_get(k) for k in keys[:100]))
        print(len(records))  # 100
        # --8<-- [end:bounded]

        # --8<-- [start:timeout]
        async with asyncio.TaskGroup() as tg:
            task = tg.create_task(asyncio.wait_for(client.get(keys[0]), timeout=5))
        print(task.result().bins)  # {'idx': 0}
        # --8<-- [end:timeout]


with aerospike.LocalServer() as server:
    asyncio.run(main(server.config))
