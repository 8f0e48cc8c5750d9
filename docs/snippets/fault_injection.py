import aerospike_py as aerospike
from aerospike_py import exception

# --8<-- [start:kill]
with aerospike.LocalServer(nodes=3, replication_factor=2) as server:
    print(server.replication_factor, server.nodes_up)  # 2 [True, True, True]
    with aerospike.client(server.config).connect() as client:
        keys = [("test", "orders", i) for i in range(100)]
        client.batch_write([(k, {"n": i}) for i, k in enumerate(keys)])
        server.kill_node(0)  # a crash: port closed, connections dropped, replicas take over
        print(server.nodes_up)  # [False, True, True]
        # Until the client's tend drops node 0 (up to tend_interval, 1 s), its keys wait for it:
        # give commands that must ride through a crash a total_timeout above tend_interval.
        print(client.batch_read(keys, policy={"total_timeout": 5000}).found_count())  # 100
        server.restart_node(0)  # back empty; given what it holds before it serves again
        print(server.nodes_up, client.batch_read(keys).found_count())  # [True, True, True] 100
# --8<-- [end:kill]

# --8<-- [start:one_copy]
with aerospike.LocalServer(nodes=2, replication_factor=1) as server:
    with aerospike.client(server.config).connect() as client:
        keys = [("test", "orders", i) for i in range(100)]
        client.batch_write([(k, {"n": i}) for i, k in enumerate(keys)])
        server.kill_node(1)
        server.restart_node(1)
        print(0 < client.batch_read(keys).found_count() < 100)  # True
# --8<-- [end:one_copy]

with aerospike.LocalServer() as server, aerospike.client(server.config).connect() as client:
    key = ("test", "orders", 1)
    client.put(key, {"n": 0})
    # --8<-- [start:drop]
    server.inject_fault(node=0, kind="drop", times=1)  # half an answer, then the connection closes
    try:
        client.increment(key, "n", 1, policy={"max_retries": 0})
    except exception.AerospikeError as e:
        print(e.in_doubt)  # True
    print(client.get(key).bins)  # {'n': 1}
    # --8<-- [end:drop]

    # --8<-- [start:result_code]
    server.inject_fault(node=0, kind="result_code", result_code=8, times=2)  # 8: server full
    answers = []
    for attempt in range(3):
        try:
            client.put(key, {"n": 2})
            answers.append("stored")
        except exception.ServerFull as e:
            answers.append((e.code, e.in_doubt))
    print(answers)  # [(8, False), (8, False), 'stored']
    # --8<-- [end:result_code]

    # --8<-- [start:retried]
    server.inject_fault(node=0, kind="result_code", result_code=11, times=2)  # 11: partition unavailable
    print(client.get(key, policy={"max_retries": 2}).bins)  # {'n': 2}
    server.inject_fault(node=0, kind="result_code", result_code=11, times=3)
    try:
        client.get(key, policy={"max_retries": 2})
    except exception.ClusterError as e:  # the last answer, as the official client raises it
        print(e.code, e.in_doubt)  # 11 False
    # --8<-- [end:retried]

    # --8<-- [start:refuse]
    server.inject_fault(node=0, kind="refuse")  # every new connection is closed at once
    try:
        aerospike.client({**server.config, "timeout": 1000}).connect()
    except exception.ConnectionError:
        print("refused")  # refused
    server.clear_faults()
    with aerospike.client(server.config).connect() as again:
        print(again.is_connected())  # True
    # --8<-- [end:refuse]

    # Last: the commands it slowed down are still waiting on the node after the client gave up,
    # and a fault injected after them would be taken by them when they get their turn.
    # --8<-- [start:delay]
    server.inject_fault(node=0, kind="delay", delay_ms=1000)  # until clear_faults()
    fast = {"socket_timeout": 100, "total_timeout": 300, "max_retries": 1}
    try:
        client.get(key, policy=fast)
    except exception.TimeoutError as e:
        print("read", e.in_doubt)  # read False
    try:
        client.put(key, {"n": 5}, policy=fast)
    except exception.TimeoutError as e:
        print("write", e.in_doubt)  # write True
    server.clear_faults(node=0)
    # --8<-- [end:delay]
