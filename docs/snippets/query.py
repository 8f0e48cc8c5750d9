import aerospike_py as aerospike
from aerospike_py import predicates as p

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
for i in range(10):
    client.put(("test", "demo", f"user_{i}"), {"name": f"n{i}", "age": 20 + i})

# --8<-- [start:query]
client.index_integer_create("test", "demo", "age", "age_idx")

query = client.query("test", "demo")
query.select("name", "age")
query.where(p.between("age", 22, 24))
records = query.results()
print(sorted(bins["age"] for _, _, bins in records))  # [22, 23, 24]
# --8<-- [end:query]

# --8<-- [start:scan]
scan = client.query("test", "demo")  # no predicate: every record of the set
print(len(scan.results()))  # 10
# --8<-- [end:scan]

# --8<-- [start:stream]
with client.query("test", "demo").records() as stream:
    total = sum(bins["age"] for _, _, bins in stream)
print(total)  # 245
# --8<-- [end:stream]

# --8<-- [start:foreach]
seen = []


def on_record(record):
    seen.append(record.bins["name"])
    if len(seen) == 3:
        return False  # stop the query


client.query("test", "demo").foreach(on_record)
print(len(seen))  # 3
# --8<-- [end:foreach]

client.index_remove("test", "age_idx")
client.close()
server.stop()
