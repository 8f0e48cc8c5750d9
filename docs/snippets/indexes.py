import aerospike_py as aerospike
from aerospike_py import predicates as p

server = aerospike.LocalServer().start()
client = aerospike.client(server.config).connect()
client.put(("test", "demo", "seoul"), {"age": 30, "name": "Alice",
                                      "location": aerospike.GeoJSON({"type": "Point", "coordinates": [126.98, 37.57]})})

# --8<-- [start:create]
client.index_integer_create("test", "demo", "age", "age_idx")
client.index_string_create("test", "demo", "name", "name_idx")
client.index_geo2dsphere_create("test", "demo", "location", "geo_idx")
# --8<-- [end:create]

# --8<-- [start:use]
print(len(client.query("test", "demo").where(p.equals("name", "Alice")).results()))  # 1
near = client.query("test", "demo").where(p.geo_within_radius("location", 127.0, 37.5, 20_000))
print([r.bins["name"] for r in near.results()])  # ['Alice']
# --8<-- [end:use]

# --8<-- [start:remove]
client.index_remove("test", "age_idx")
client.index_remove("test", "name_idx")
client.index_remove("test", "geo_idx")
# --8<-- [end:remove]

# --8<-- [start:missing]
try:
    client.query("test", "demo").where(p.equals("age", 30)).results()
except aerospike.IndexNotFound as e:
    print(e.result_code)  # 201
# --8<-- [end:missing]

client.close()
server.stop()
