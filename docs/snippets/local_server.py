import aerospike_py as aerospike

# --8<-- [start:basic]
server = aerospike.LocalServer(namespaces=["test", "cache"], default_ttl=0).start()
print(server.is_running, server.config["hosts"] == [("127.0.0.1", server.port)])  # True True
with aerospike.client(server.config).connect() as client:
    client.put(("cache", "s", 1), {"v": 1})
    print(client.get(("cache", "s", 1)).meta.ttl)  # 4294967295
server.stop()
# --8<-- [end:basic]

# --8<-- [start:cluster]
with aerospike.LocalServer(nodes=3) as cluster:
    with aerospike.client(cluster.config).connect() as client:
        print(len(client.get_node_names()), len(cluster.ports))  # 3 3
        keys = [("test", "spread", i) for i in range(300)]
        client.batch_write([(k, {"i": i}) for i, k in enumerate(keys)])
        print(client.batch_read(keys).found_count())  # 300
        print(len(client.query("test", "spread").results()))  # 300
# --8<-- [end:cluster]

# --8<-- [start:security]
with aerospike.LocalServer(security=True) as server:
    try:
        aerospike.client(server.config).connect()  # no user: the cluster refuses to talk, as Enterprise does
    except aerospike.AerospikeError as e:
        print(type(e).__name__)  # ConnectionError
    with aerospike.client(server.config).connect("admin", "admin") as admin:
        print(admin.admin_query_user("admin")["roles"])  # ['user-admin']
# --8<-- [end:security]

# --8<-- [start:tls]
with aerospike.LocalServer(tls=True) as server:
    tls = server.config["tls"]
    print(tls["enable"], tls["cafile"] == server.tls_ca_file)  # True True
    with aerospike.client(server.config).connect() as client:
        client.put(("test", "tls", 1), {"secret": "over TLS"})
        print(client.get(("test", "tls", 1)).bins)  # {'secret': 'over TLS'}
# --8<-- [end:tls]

# --8<-- [start:mtls]
with aerospike.LocalServer(tls=True, tls_client_auth=True) as server:
    certfile, keyfile = server.issue_client_cert("app")
    config = {**server.config, "tls": {**server.config["tls"], "certfile": certfile, "keyfile": keyfile}}
    with aerospike.client(config).connect() as client:
        print(client.ping())  # True
# --8<-- [end:mtls]
