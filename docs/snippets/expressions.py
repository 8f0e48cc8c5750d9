import aerospike_py as aerospike

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
people = {"alice": {"name": "Alice", "age": 30, "tags": ["vip"], "city": "Seoul"},
          "bob": {"name": "Bob", "age": 17, "tags": [], "city": "Busan"},
          "carol": {"name": "Carol", "age": 45, "tags": ["vip", "new"], "city": "Seoul"}}
for pk, bins in people.items():
    client.put(("test", "people", pk), bins)
keys = [("test", "people", pk) for pk in people]

# --8<-- [start:build]
from aerospike_py import exp

adult = exp.ge(exp.int_bin("age"), exp.int_val(21))
in_seoul = exp.eq(exp.string_bin("city"), "Seoul")  # plain values are accepted too
adult_in_seoul = exp.and_(adult, in_seoul)
print(type(adult_in_seoul).__name__)  # Expr
# --8<-- [end:build]

# --8<-- [start:batch]
batch = client.batch_read(keys, policy={"filter_expression": adult_in_seoul})
print([br.result for br in batch])  # [0, 27, 0]
print(sorted(batch.keys()))  # ['alice', 'carol']
# --8<-- [end:batch]

# --8<-- [start:query]
query = client.query("test", "people")
names = sorted(r.bins["name"] for r in query.results(policy={"filter_expression": adult}))
print(names)  # ['Alice', 'Carol']
# --8<-- [end:query]

# --8<-- [start:metadata]
fresh = exp.lt(exp.since_update(), 60_000)  # written in the last minute (ms)
expires = exp.ne(exp.ttl(), -1)  # has a TTL
print(len(query.results(policy={"filter_expression": exp.and_(fresh, expires)})))  # 3
# --8<-- [end:metadata]

# --8<-- [start:regex]
starts_with_a = exp.regex_compare("^A", aerospike.REGEX_NONE, exp.string_bin("name"))
print([r.bins["name"] for r in query.results(policy={"filter_expression": starts_with_a})])  # ['Alice']
# --8<-- [end:regex]

# --8<-- [start:write_guard]
# write only where the filter matches: the others raise FilteredOut
try:
    client.increment(("test", "people", "bob"), "age", 1, policy={"filter_expression": adult})
except aerospike.FilteredOut:
    print("bob is not an adult")  # bob is not an adult
# --8<-- [end:write_guard]

# --8<-- [start:operations]
_, _, bins = client.operate(("test", "people", "alice"), [
    exp.read_exp("next_age", exp.num_add(exp.int_bin("age"), 1)),
    exp.write_exp("adult", exp.ge(exp.int_bin("age"), 21)),
])
print(bins["next_age"], client.get(("test", "people", "alice")).bins["adult"])  # 31 True
# --8<-- [end:operations]

client.close()
server.stop()
