import asyncio
import time
import os
import tempfile

import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
for i in range(100):
    client.put(("test", "events", i), {"kind": ["click", "view"][i % 2], "n": i, "tags": [f"t{i % 3}"]})
client.index_integer_create("test", "events", "n", "events_n")
client.index_list_create("test", "events", "tags", aerospike.INDEX_STRING, "events_tags")

# --8<-- [start:predicates]
from aerospike_py import predicates as p

between = client.query("test", "events").where(p.between("n", 10, 19))
print(len(between.results()))  # 10
equals = client.query("test", "events").where(p.equals("n", 42))
print([r.bins["kind"] for r in equals.results()])  # ['click']
tagged = client.query("test", "events").where(p.contains("tags", aerospike.INDEX_TYPE_LIST, "t1"))
print(len(tagged.results()))  # 33
# --8<-- [end:predicates]

# --8<-- [start:select]
query = client.query("test", "events").select("n")
print(sorted(query.results()[0].bins))  # ['n']
# --8<-- [end:select]

# --8<-- [start:pagination]
scan = client.query("test", "events").paginate()
scan.max_records = 30
pages = []
while not scan.is_done():
    pages.append(len(scan.results()))
print(sum(pages))  # 100
# --8<-- [end:pagination]

# --8<-- [start:resume]
stream = client.query("test", "events").records()
first = [next(stream) for _ in range(10)]
stream.close()  # stops the query on the server
cursor = stream.partition_filter.to_dict()  # JSON-able: keep it anywhere

rest = client.query("test", "events")
rest.partition_filter = aerospike.PartitionFilter.from_dict(cursor)
print(len(first) + len(rest.results()))  # 100
# --8<-- [end:resume]

# --8<-- [start:partitions]
part = client.query("test", "events")
part.partition_filter = aerospike.partition_filter_by_range(0, 2048)  # half of the 4096 partitions
half = len(part.results())
part.partition_filter = aerospike.partition_filter_by_range(2048, 2048)
print(half + len(part.results()))  # 100
# --8<-- [end:partitions]

# --8<-- [start:frames]
df = client.query("test", "events").where(p.between("n", 0, 9)).to_polars(meta_columns=False)
print(df.sort("n")["n"].to_list())  # [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
# --8<-- [end:frames]

# --8<-- [start:background]
os.chdir(tempfile.mkdtemp())
with open("events.lua", "w") as f:
    f.write('function mark(rec) rec["seen"] = 1 aerospike:update(rec) end\n')
client.udf_put("events.lua")
job = client.query("test", "events").where(p.between("n", 0, 49)).apply("events", "mark").execute_background()
while client.job_info(job, aerospike.JOB_QUERY)["status"] != aerospike.JOB_STATUS_COMPLETED:
    time.sleep(0.05)
print(sum(1 for r in client.query("test", "events").results() if r.bins.get("seen")))  # 50
# --8<-- [end:background]


# --8<-- [start:async]
async def count_clicks(config):
    async with aerospike.async_client(config) as client:
        clicks = 0
        async for record in client.query("test", "events").records():
            clicks += record.bins["kind"] == "click"
        return clicks


print(asyncio.run(count_clicks(server.config)))  # 50
# --8<-- [end:async]

client.close()
server.stop()
