"""Policy, meta and config keys on both clients: every key the official client documents is
accepted and takes effect where its effect can be seen (send_key stores the key, exists/gen
refuse, ttl and the TTL_* specials, read_touch_ttl_percent resets the TTL on a read, timeouts and
max_retries stop a spinning UDF, filter expressions under both names, per-record batch keys,
config-level defaults and the deprecated client-wide scalars); a documented key this client
cannot honour is refused with the reason; a key no client knows is an error naming it. Every
assertion holds on a real server too (AEROSPIKE_HOSTS): no namespace default TTL is assumed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import exception, exp

NEVER = 4294967295


def ttl_of(client: Any, key: Any) -> int:
    return client.get(key, {"read_touch_ttl_percent": aerospike.READ_TOUCH_TTL_PERCENT_DONT_RESET}).meta.ttl


def stored_keys(client: Any, ns: str, set_name: str) -> dict[bytes, Any]:
    """``{digest: user_key}`` as a scan of the set returns them: the key the server stored, or None."""
    if getattr(client, "is_async", False):
        query = client.inner.query(ns, set_name)

        async def run() -> Any:
            return await query.results()

        records = client._runner.run(run())
    else:
        records = client.query(ns, set_name).results()
    return {r.key.digest: r.key.user_key for r in records}


def stored_key(client: Any, key: Any) -> Any:
    return stored_keys(client, key[0], key[1])[client.get(key).key.digest]


# ------------------------------------------------------------------------------ write policy and meta


def test_send_key_stores_the_user_key(client: Any, keys: Any) -> None:
    sent, digest, by_meta = keys("sent"), keys("digest"), keys("by-meta")
    client.put(sent, {"a": 1}, policy={"key": aerospike.POLICY_KEY_SEND})
    client.put(digest, {"a": 1}, policy={"key": aerospike.POLICY_KEY_DIGEST})
    client.put(by_meta, {"a": 1}, meta={"key": aerospike.POLICY_KEY_SEND})  # the seed's WriteMeta key
    # A scan returns the key the server stored: only a sent one.
    assert stored_key(client, sent) == "sent"
    assert stored_key(client, digest) is None
    assert stored_key(client, by_meta) == "by-meta"


def test_exists_policy_and_meta(client: Any, keys: Any) -> None:
    k, missing = keys(), keys()
    client.put(k, {"a": 1, "b": 2})
    with pytest.raises(exception.RecordExistsError):
        client.put(k, {"a": 1}, policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    with pytest.raises(exception.RecordExistsError):
        client.put(k, {"a": 1}, meta={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    with pytest.raises(exception.RecordNotFound):
        client.put(missing, {"a": 1}, policy={"exists": aerospike.POLICY_EXISTS_UPDATE_ONLY})
    with pytest.raises(exception.RecordNotFound):
        client.put(missing, {"a": 1}, policy={"exists": aerospike.POLICY_EXISTS_REPLACE_ONLY})
    client.put(k, {"c": 3}, policy={"exists": aerospike.POLICY_EXISTS_REPLACE_ONLY})
    assert client.get(k).bins == {"c": 3}


def test_generation_checks(client: Any, keys: Any) -> None:
    k = keys()
    client.put(k, {"a": 1})
    gen = client.get(k).meta.gen
    with pytest.raises(exception.RecordGenerationError):
        client.put(k, {"a": 2}, meta={"gen": gen + 5}, policy={"gen": aerospike.POLICY_GEN_EQ})
    client.put(k, {"a": 2}, meta={"gen": gen}, policy={"gen": aerospike.POLICY_GEN_EQ})
    # The official remove policy's "generation".
    with pytest.raises(exception.RecordGenerationError):
        client.remove(k, policy={"gen": aerospike.POLICY_GEN_EQ, "generation": gen + 5})
    client.remove(k, policy={"gen": aerospike.POLICY_GEN_EQ, "generation": gen + 1})
    assert client.exists(k).meta is None


def test_ttl_in_policy_and_meta(client: Any, keys: Any) -> None:
    k = keys()
    client.put(k, {"a": 1}, policy={"ttl": 1000})
    assert 990 <= ttl_of(client, k) <= 1000
    client.put(k, {"a": 1}, meta={"ttl": 500}, policy={"ttl": 1000})  # meta wins
    assert 490 <= ttl_of(client, k) <= 500
    client.put(k, {"a": 1}, meta={"ttl": aerospike.TTL_CLIENT_DEFAULT}, policy={"ttl": 1000})
    assert 990 <= ttl_of(client, k) <= 1000
    client.put(k, {"a": 1}, meta={"ttl": aerospike.TTL_NEVER_EXPIRE})
    assert ttl_of(client, k) == NEVER
    client.put(k, {"a": 1}, meta={"ttl": 300})
    client.put(k, {"a": 2}, meta={"ttl": aerospike.TTL_DONT_UPDATE})
    assert 290 <= ttl_of(client, k) <= 300 and client.get(k).bins == {"a": 2}
    client.put(k, {"a": 1}, meta={"ttl": 0xFFFFFFFF})  # the official client's unsigned spelling
    assert ttl_of(client, k) == NEVER
    plain = keys()
    client.put(plain, {"a": 1})
    client.put(k, {"a": 1}, meta={"ttl": aerospike.TTL_NAMESPACE_DEFAULT})
    assert abs(ttl_of(client, k) - ttl_of(client, plain)) <= 2
    client.touch(k, 700)
    assert 690 <= ttl_of(client, k) <= 700


def test_config_write_ttl_is_the_client_default(make_client: Any, config: dict[str, Any], keys: Any) -> None:
    c = make_client({**config, "policies": {"write": {"ttl": 2000}, "operate": {"ttl": 3000}}}).connect()
    k = keys()
    c.put(k, {"a": 1})
    assert 1990 <= ttl_of(c, k) <= 2000
    c.put(k, {"a": 1}, meta={"ttl": aerospike.TTL_CLIENT_DEFAULT})
    assert 1990 <= ttl_of(c, k) <= 2000
    c.operate(k, [{"op": aerospike.OPERATOR_WRITE, "bin": "b", "val": 1}])
    assert 2990 <= ttl_of(c, k) <= 3000


def test_commit_level_durable_delete_and_compress(client: Any, keys: Any) -> None:
    k = keys()
    client.put(k, {"a": 1}, policy={"commit_level": aerospike.POLICY_COMMIT_LEVEL_MASTER, "compress": False})
    client.put(k, {"a": 2}, meta={"commit_level": aerospike.POLICY_COMMIT_LEVEL_ALL})
    assert client.get(k, {"compress": False}).bins == {"a": 2}
    try:  # durable deletes are an Enterprise feature: sent, and refused by a Community server
        client.remove(k, policy={"durable_delete": True})
    except exception.EnterpriseOnly:
        client.remove(k)
    assert client.exists(k).meta is None
    with pytest.raises(TypeError, match="compress"):
        client.get(k, {"compress": "yes"})


# ------------------------------------------------------------------------------ read policy


@pytest.mark.parametrize(
    "replica",
    [aerospike.POLICY_REPLICA_MASTER, aerospike.POLICY_REPLICA_SEQUENCE, aerospike.POLICY_REPLICA_ANY, aerospike.POLICY_REPLICA_RANDOM],
)
def test_replica_values_are_sent(client: Any, keys: Any, replica: int) -> None:
    k = keys()
    client.put(k, {"a": 1}, policy={"replica": replica})
    assert client.get(k, {"replica": replica}).bins == {"a": 1}
    assert client.batch_read([k], policy={"replica": replica}).to_dict() == {k[2]: {"a": 1}}


def test_prefer_rack_needs_rack_awareness(make_client: Any, config: dict[str, Any], keys: Any) -> None:
    k = keys()
    c = make_client({**config, "rack_aware": True, "rack_id": 0}).connect()
    c.put(k, {"a": 1})
    assert c.get(k, {"replica": aerospike.POLICY_REPLICA_PREFER_RACK}).bins == {"a": 1}
    plain = make_client(config).connect()
    with pytest.raises(exception.ParamError, match="PreferRack|rack"):
        plain.get(k, {"replica": aerospike.POLICY_REPLICA_PREFER_RACK})


def test_read_modes_and_deserialize_are_accepted(client: Any, keys: Any) -> None:
    k = keys()
    client.put(k, {"l": [1, 2], "m": {"x": 1}})
    for ap in (aerospike.POLICY_READ_MODE_AP_ONE, aerospike.POLICY_READ_MODE_AP_ALL):
        for sc in (
            aerospike.POLICY_READ_MODE_SC_SESSION,
            aerospike.POLICY_READ_MODE_SC_LINEARIZE,
            aerospike.POLICY_READ_MODE_SC_ALLOW_REPLICA,
            aerospike.POLICY_READ_MODE_SC_ALLOW_UNAVAILABLE,
        ):
            # deserialize is accepted either way: lists and maps always arrive as list and dict.
            policy = {"read_mode_ap": ap, "read_mode_sc": sc, "deserialize": False}
            assert client.get(k, policy).bins == {"l": [1, 2], "m": {"x": 1}}
    with pytest.raises(exception.ParamError, match="read_mode_sc"):
        client.get(k, {"read_mode_sc": 9})


def test_read_touch_ttl_percent_resets_the_ttl_on_read(client: Any, keys: Any) -> None:
    touched, untouched, batched = keys(), keys(), keys()
    for k in (touched, untouched, batched):
        client.put(k, {"a": 1}, meta={"ttl": 100})
    time.sleep(2.2)
    client.get(untouched, {"read_touch_ttl_percent": aerospike.READ_TOUCH_TTL_PERCENT_DONT_RESET})
    client.get(touched, {"read_touch_ttl_percent": 100})
    client.batch_read([batched], policy={"read_touch_ttl_percent": 100})
    assert ttl_of(client, untouched) <= 98
    deadline = time.monotonic() + 3  # a server may apply the touch just after answering the read
    while (ttl_of(client, touched) < 99 or ttl_of(client, batched) < 99) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ttl_of(client, touched) >= 99 and ttl_of(client, batched) >= 99
    with pytest.raises(exception.ParamError, match="read_touch_ttl_percent"):
        client.get(touched, {"read_touch_ttl_percent": 101})


# ------------------------------------------------------------------------------ timeouts and retries

SPIN = "function spin(rec) local i = 0 while true do i = i + 1 end end\n"


@pytest.fixture
def spin_module(client: Any, tmp_path: Path) -> Iterator[str]:
    name = f"spin_{uuid.uuid4().hex[:10]}"
    path = tmp_path / f"{name}.lua"
    path.write_text(SPIN)
    client.udf_put(str(path))
    yield name
    try:
        client.udf_remove(name)
    except aerospike.AerospikeError:
        pass


@pytest.mark.parametrize(
    "policy",
    [
        {"total_timeout": 300, "max_retries": 0},
        {"timeout": 300, "max_retries": 2, "sleep_between_retries": 10},  # the seed's "timeout"
        # No retries after the first socket timeout: it fails long before the 20 s total.
        {"socket_timeout": 300, "total_timeout": 20000, "max_retries": 0, "timeout_delay": 0},
    ],
)
def test_timeouts_and_retries_stop_a_spinning_udf(client: Any, keys: Any, spin_module: str, policy: dict[str, Any]) -> None:
    k = keys()
    client.put(k, {"a": 1})
    started = time.monotonic()
    with pytest.raises((exception.AerospikeTimeoutError, exception.UDFError)):
        client.apply(k, spin_module, "spin", None, policy)
    assert time.monotonic() - started < 10
    assert client.get(k).bins == {"a": 1}


# ------------------------------------------------------------------------------ filters, batches


def test_filter_expression_under_both_names(client: Any, keys: Any) -> None:
    k = keys()
    client.put(k, {"a": 1})
    no = exp.eq(exp.int_bin("a"), exp.int_val(2))
    for name in ("filter_expression", "expressions"):
        with pytest.raises(exception.FilteredOut):
            client.get(k, {name: no})
        batch = client.batch_read([k], policy={name: no})
        assert batch.batch_records[0].result == aerospike.AEROSPIKE_ERR_FILTERED_OUT


def test_batch_policy_keys(client: Any, keys: Any) -> None:
    ks = keys.many(3, prefix="bk")
    result = client.batch_write([(k, {"i": i}) for i, k in enumerate(ks)], policy={"key": aerospike.POLICY_KEY_SEND, "ttl": 1000})
    assert [r.result for r in result.batch_records] == [0, 0, 0]
    for k in ks:
        assert 990 <= ttl_of(client, k) <= 1000
        assert stored_key(client, k) == k[2]
    policy = {
        "concurrent": aerospike.BATCH_CONCURRENCY_SEQUENTIAL,
        "respond_all_keys": True,
        "allow_inline": False,
        "allow_inline_ssd": True,
        "deserialize": True,
        "read_mode_ap": aerospike.POLICY_READ_MODE_AP_ALL,
        "total_timeout": 5000,
        "socket_timeout": 5000,
        "max_retries": 1,
    }
    assert client.batch_read(ks, policy=policy).to_dict() == {k[2]: {"i": i} for i, k in enumerate(ks)}
    assert client.batch_read(ks, policy={"concurrent": True}).to_dict() == {k[2]: {"i": i} for i, k in enumerate(ks)}
    result = client.batch_write([(ks[0], {"i": 9})], policy={"exists": aerospike.POLICY_EXISTS_CREATE_ONLY})
    assert result.batch_records[0].result == aerospike.AEROSPIKE_ERR_RECORD_EXISTS
    client.batch_write([(ks[0], {"i": 9}, {"ttl": 500, "key": aerospike.POLICY_KEY_SEND})])
    assert 490 <= ttl_of(client, ks[0]) <= 500


def test_batch_param_error_keeps_its_result_code(client: Any, keys: Any) -> None:
    k = keys()
    with pytest.raises(exception.ParamError) as err:
        client.batch_read([k, ("", "s", 1)])
    assert err.value.result_code == aerospike.AEROSPIKE_ERR_PARAM == -2
    assert "keys[1]" in str(err.value)
    with pytest.raises(exception.ParamError) as err:
        client.batch_write([(k, {"a": 1}, {"ttl": -7})])
    assert err.value.result_code == -2 and "records[0]" in str(err.value)
    with pytest.raises(exception.ParamError) as err:
        client.put(k, {"a": 1}, policy={"filter_expression": b"\xc1"})
    assert err.value.result_code == -2 and "filter_expression" in str(err.value)


# ------------------------------------------------------------------------------ config


def test_every_accepted_config_key(make_client: Any, config: dict[str, Any], keys: Any, tmp_path: Path) -> None:
    cfg = {
        **config,
        "cluster_name": None,
        "connect_timeout": 5000,
        "login_timeout": 5000,
        "idle_timeout": 0,
        "max_socket_idle": 55,
        "tend_interval": 1000,
        "max_conns_per_node": 100,
        "min_conns_per_node": 0,
        "conn_pools_per_node": 1,
        "max_error_rate": 100,
        "error_rate_window": 1,
        "use_services_alternate": False,
        "rack_aware": False,
        "rack_id": 0,
        "rack_ids": [0],
        "app_id": "tests",
        "fail_if_not_connected": True,
        "force_single_node": False,
        "compression_threshold": 0,
        "validate_keys": True,
        "thread_pool_size": 16,
        "send_bool_as": aerospike.AS_BOOL,
        "use_shared_connection": False,
        "shm": None,
        "serialization": None,
        "config_provider": None,
        "max_concurrent_operations": 0,
        "operation_queue_timeout_ms": 0,
        "lua": {"user_path": str(tmp_path), "system_path": str(tmp_path)},
        "tls": {"enable": False},
        "policies": {
            "total_timeout": 4000,
            "login_timeout_ms": 5000,
            "key": aerospike.POLICY_KEY_SEND,
            "exists": aerospike.POLICY_EXISTS_IGNORE,
            "max_retries": 1,
            "replica": aerospike.POLICY_REPLICA_SEQUENCE,
            "commit_level": aerospike.POLICY_COMMIT_LEVEL_ALL,
            "read": {"total_timeout": 3000, "read_mode_ap": aerospike.POLICY_READ_MODE_AP_ONE},
            "write": {"durable_delete": False, "compression_threshold": 0},
            "apply": {"ttl": 0},
            "operate": {"respond_all_ops": False},
            "remove": {"generation": 0},
            "query": {"expected_duration": aerospike.QUERY_DURATION_LONG},
            "scan": {"records_per_second": 0, "durable_delete": False, "ttl": 0},
            "batch": {"concurrent": False, "allow_inline": True},
            "batch_parent_write": {"max_retries": 0},
            "batch_write": {"exists": aerospike.POLICY_EXISTS_IGNORE},
            "batch_remove": {"durable_delete": False},
            "batch_apply": {"commit_level": aerospike.POLICY_COMMIT_LEVEL_ALL},
            "info": {"timeout": 2000},
            "admin": {"timeout": 2000},
            "txn_verify": {"max_retries": 1},
            "txn_roll": {"max_retries": 1},
        },
    }
    c = make_client(cfg).connect()
    k = keys()
    c.put(k, {"b": True})
    # policies["key"] is the client-wide default: the key is stored.
    assert stored_key(c, k) == k[2]
    assert c.get(k).bins == {"b": True}


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"shm": {"max_nodes": 16}}, "shm.*shared-memory"),
        ({"serialization": (str, str)}, "serialization.*serializers"),
        ({"config_provider": object()}, "config_provider"),
        ({"use_shared_connection": True}, "use_shared_connection"),
        ({"force_single_node": True}, "force_single_node"),
        ({"send_bool_as": aerospike.INTEGER}, "send_bool_as.*AS_BOOL"),
        ({"policies": {"metrics": {}}}, "metrics"),
        ({"policies": {"read": {"txn": object()}}}, "txn.*transactions"),
        ({"policies": {"read": {"connect_timeout": 10}}}, "connect_timeout.*per client"),
    ],
)
def test_documented_keys_we_cannot_honour_are_refused_with_why(
    make_client: Any, config: dict[str, Any], extra: dict[str, Any], match: str
) -> None:
    with pytest.raises(exception.ParamError, match=match):
        make_client({**config, **extra})


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"hostz": []}, 'config key "hostz"'),
        ({"policies": {"reed": {}}}, '"reed"'),
        ({"policies": {"read": {"key_policy": 1}}}, 'read policy key "key_policy"'),
        ({"policies": {"batch_write": {"replica": 1}}}, 'batch_write policy key "replica"'),
        ({"policies": {"info": {"total_timeout": 1}}}, 'info policy key "total_timeout"'),
        ({"policies": {"query": {"respond_all_keys": True}}}, 'query policy key "respond_all_keys"'),
        ({"rack_ids": []}, "rack_ids"),
        ({"conn_pools_per_node": 0}, "conn_pools_per_node"),
    ],
)
def test_unknown_config_keys_are_named(make_client: Any, config: dict[str, Any], extra: dict[str, Any], match: str) -> None:
    with pytest.raises(exception.ParamError, match=match):
        make_client({**config, **extra})


def test_unknown_call_keys_are_named(client: Any, keys: Any) -> None:
    k = keys()
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: client.get(k, {"exists": 1}), 'read policy key "exists"'),
        (lambda: client.put(k, {"a": 1}, policy={"ttl_": 1}), 'write policy key "ttl_"'),
        (lambda: client.put(k, {"a": 1}, meta={"expiration": 1}), 'meta key "expiration"'),
        (lambda: client.batch_read([k], policy={"nobins": True}), 'batch policy key "nobins"'),
        (lambda: client.info_all("build", {"total_timeout": 1}), 'info policy key "total_timeout"'),
    ]
    for call, match in cases:
        with pytest.raises(exception.ParamError, match=match):
            call()
