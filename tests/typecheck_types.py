"""Typical user code, type-checked by mypy in scripts/test.sh (never run): the TypedDicts of
`aerospike_py.types` and the stubs must accept what users write for the seed's API and for the
official client, and reject a misspelt key or a wrong value type. The negative checks are lines
whose `# type: ignore[code]` mypy must find necessary (`--warn-unused-ignores`): if a mistake
stopped being caught, the ignore would be unused and the check would fail."""

from __future__ import annotations

from typing import assert_type

import aerospike_py as aerospike
from aerospike_py import exception, exp
from aerospike_py.types import (
    AdminPolicy,
    BatchPolicy,
    BatchUDFMeta,
    ClientConfig,
    Privilege,
    QueryPolicy,
    ReadPolicy,
    Record,
    RoleInfo,
    UserInfo,
    WriteMeta,
    WritePolicy,
)


def seed_style(hosts: list[tuple[str, int]]) -> None:
    config: ClientConfig = {
        "hosts": hosts,
        "cluster_name": "docker",
        "policies": {"read": {"total_timeout": 1000}, "write": {"key": aerospike.POLICY_KEY_SEND}},
    }
    with aerospike.client(config).connect() as client:
        key = ("test", "demo", "user1")
        client.put(key, {"name": "Alice", "age": 30}, meta={"ttl": 300})
        client.put(key, {"x": 1}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
        record = client.get(key, policy={"filter_expression": exp.ge(exp.int_bin("age"), exp.int_val(21))})
        assert_type(record, Record)
        _, meta, bins = record
        if meta is not None:
            print(meta.gen, meta.ttl, bins)
        client.remove(key, meta={"gen": 3}, policy={"gen": aerospike.POLICY_GEN_EQ})
        client.touch(key, 300)
        batch_policy: BatchPolicy = {"total_timeout": 2000, "respond_all_keys": True, "concurrent": True}
        client.batch_read([key], bins=["name"], policy=batch_policy)
        udf_meta: BatchUDFMeta = {"args": [5], "ttl": 3600}
        client.batch_apply([key, (key, udf_meta)], "my_udf", "increment_counter", args=[1])
        query_policy: QueryPolicy = {"max_records": 10, "expected_duration": aerospike.QUERY_DURATION_SHORT}
        client.query("test", "demo").results(policy=query_policy)


def official_style() -> None:
    config: ClientConfig = {
        "hosts": [("127.0.0.1", 3000)],
        "policies": {
            "read": {"total_timeout": 1000, "replica": aerospike.POLICY_REPLICA_SEQUENCE, "read_mode_ap": aerospike.POLICY_READ_MODE_AP_ONE},
            "write": {"key": aerospike.POLICY_KEY_SEND, "durable_delete": False, "ttl": aerospike.TTL_NEVER_EXPIRE},
            "batch_write": {"commit_level": aerospike.POLICY_COMMIT_LEVEL_MASTER},
            "info": {"timeout": 500},
            "total_timeout": 1500,
        },
        "max_socket_idle": 55,
        "rack_aware": True,
        "rack_id": 1,
        "lua": {"user_path": "/tmp"},
        "validate_keys": True,
    }
    client = aerospike.client(config).connect()
    read: ReadPolicy = {"read_touch_ttl_percent": 80, "deserialize": True, "socket_timeout": 100}
    write: WritePolicy = {"commit_level": aerospike.POLICY_COMMIT_LEVEL_ALL, "compression_threshold": 0}
    meta: WriteMeta = {"ttl": aerospike.TTL_DONT_UPDATE}
    key = ("test", "demo", 1)
    try:
        client.put(key, {"a": 1}, meta, write)
        client.get(key, read)
    except exception.RecordNotFound as err:
        print(err.code, err.msg, err.in_doubt)
    except aerospike.TimeoutError:
        pass
    admin: AdminPolicy = {"timeout": 1000}
    privilege: Privilege = {"code": aerospike.PRIV_READ, "ns": "test", "set": "demo"}
    print(admin, privilege)
    client.close()


def admin_results(user: UserInfo, role: RoleInfo) -> list[str]:
    # Both clients' spellings are there to read.
    return user.get("roles", []) + role.get("whitelist", []) + role.get("allowlist", [])


def mistakes_are_caught() -> None:
    client = aerospike.client({"hosts": [("127.0.0.1", 3000)]})
    key = ("test", "demo", 1)
    client.get(key, policy={"total_timout": 5})  # type: ignore[arg-type]
    client.put(key, {"a": 1}, meta={"ttl": "300"})  # type: ignore[arg-type]
    client.put(key, {"a": 1}, policy={"exists": 1, "keys": 1})  # type: ignore[arg-type]
    aerospike.client({"hosts": [("h", 3000)], "policies": {"reads": {}}})  # type: ignore[typeddict-unknown-key]
    aerospike.client({"cluster_name": "x"})  # type: ignore[typeddict-item]
    bad: Privilege = {"ns": "test"}  # type: ignore[typeddict-item]
    print(bad)
