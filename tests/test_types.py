"""The TypedDicts of `aerospike_py.types` against the native parser (`src/policy.rs`), so neither
can drift: for each family, the keys the client accepts (quoted by its "unknown key" error:
"...; it takes: a, b, c") are exactly the TypedDict's keys, and a dict holding every key of the
TypedDict (with a neutral value for each) is accepted, so every listed key is also handled."""

from __future__ import annotations

import re
import types as pytypes
import typing
from collections.abc import Sequence
from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import exception
from aerospike_py import types as t

# Keys of ClientConfig that another part of the client owns and has yet to accept here: drop a
# name from this set once config parsing takes it.
PENDING_CONFIG_KEYS: set[str] = set()


def keys_of(td: Any) -> set[str]:
    return set(td.__required_keys__) | set(td.__optional_keys__)


def accepted(err: BaseException) -> set[str]:
    """The keys an "unknown key" error lists."""
    match = re.search(r"(?:it|config) takes:? (.*)$", str(err))
    assert match, f"the error does not list the accepted keys: {err}"
    return {k.strip().strip('"') for k in match.group(1).split(",")}


def neutral(td: Any, key: str) -> Any:
    """A value of the key's type that changes nothing, to show the key is handled."""
    hint = typing.get_type_hints(td)[key]
    if key in ("record_queue_size", "conn_pools_per_node"):
        return 1
    if key == "tls":
        return {"enable": False}
    if hint is bool or (isinstance(hint, pytypes.UnionType) and bool in hint.__args__):
        return False
    if hint is int:
        return 0
    if typing.get_origin(hint) in (list, Sequence):
        return [0]
    if isinstance(hint, type) and typing.is_typeddict(hint):
        return {}
    return None


FAMILIES = [
    ("read", t.ReadPolicy),
    ("write", t.WritePolicy),
    ("operate", t.OperatePolicy),
    ("remove", t.RemovePolicy),
    ("apply", t.ApplyPolicy),
    ("query", t.QueryPolicy),
    ("scan", t.ScanPolicy),
    ("batch", t.BatchPolicy),
    ("batch_parent_write", t.BatchPolicy),
    ("batch_write", t.BatchWritePolicy),
    ("batch_remove", t.BatchDeletePolicy),
    ("batch_apply", t.BatchApplyPolicy),
    ("info", t.InfoPolicy),
    ("admin", t.AdminPolicy),
    ("txn_verify", t.BatchPolicy),
    ("txn_roll", t.BatchPolicy),
]


@pytest.mark.parametrize(("family", "td"), FAMILIES, ids=[f for f, _ in FAMILIES])
def test_config_policy_family_matches_its_typeddict(config: dict[str, Any], family: str, td: Any) -> None:
    with pytest.raises(exception.ParamError) as err:
        aerospike.client({**config, "policies": {family: {"__nope": 1}}})
    assert accepted(err.value) == keys_of(td)
    every = {k: neutral(td, k) for k in keys_of(td) if k != "partition_filter"}  # one query's, not a default
    aerospike.client({**config, "policies": {family: every}})
    assert family in keys_of(t.ClientPolicies)


def test_client_policies_matches_its_typeddict(config: dict[str, Any]) -> None:
    with pytest.raises(exception.ParamError) as err:
        aerospike.client({**config, "policies": {"__nope": 1}})
    assert accepted(err.value) == keys_of(t.ClientPolicies)
    scalars = {k: neutral(t.ClientPolicies, k) for k in keys_of(t.ClientPolicies) if k not in dict(FAMILIES)}
    aerospike.client({**config, "policies": scalars})


def test_client_config_matches_its_typeddict(config: dict[str, Any]) -> None:
    with pytest.raises(exception.ParamError) as err:
        aerospike.client({**config, "__nope": 1})
    assert accepted(err.value) == keys_of(t.ClientConfig) - PENDING_CONFIG_KEYS
    every = {k: neutral(t.ClientConfig, k) for k in keys_of(t.ClientConfig) - PENDING_CONFIG_KEYS - {"hosts", "user", "password"}}
    every["send_bool_as"] = aerospike.AS_BOOL
    aerospike.client({**config, **every})


@pytest.fixture
def sync_client(config: dict[str, Any]) -> Any:
    with aerospike.client(config).connect() as c:
        yield c


def test_call_policies_match_their_typeddicts(sync_client: Any, keys: Any) -> None:
    k = keys()
    calls: list[tuple[Any, Any]] = [
        (lambda p: sync_client.get(k, p), t.ReadPolicy),
        (lambda p: sync_client.put(k, {"a": 1}, policy=p), t.WritePolicy),
        (lambda p: sync_client.operate(k, [{"op": aerospike.OPERATOR_WRITE, "bin": "a", "val": 1}], policy=p), t.OperatePolicy),
        (lambda p: sync_client.batch_read([k], policy=p), t.BatchPolicy),
        (lambda p: sync_client.batch_apply([k], "m", "f", None, p), t.BatchUDFPolicy),
        (lambda p: sync_client.info_all("build", p), t.InfoPolicy),
        (lambda p: sync_client.put(k, {"a": 1}, meta=p), t.WriteMeta),
    ]
    for call, td in calls:
        with pytest.raises(exception.ParamError) as err:
            call({"__nope": 1})
        assert accepted(err.value) == keys_of(td), td.__name__


def test_batch_udf_meta_matches_its_typeddict(sync_client: Any, keys: Any) -> None:
    with pytest.raises(exception.ParamError) as err:
        sync_client.batch_apply([(keys(), {"__nope": 1})], "m", "f")
    assert accepted(err.value) == keys_of(t.BatchUDFMeta)


def test_write_family_typeddicts_share_their_keys() -> None:
    # One parser serves every write family; the TypedDicts say so.
    assert keys_of(t.WritePolicy) == keys_of(t.OperatePolicy) == keys_of(t.ApplyPolicy) == keys_of(t.RemovePolicy)
    assert keys_of(t.QueryPolicy) == keys_of(t.ScanPolicy)


def test_admin_results_carry_both_clients_keys() -> None:
    assert {"roles", "read_info", "write_info", "conns_in_use", "user"} <= keys_of(t.UserInfo)
    assert {"privileges", "whitelist", "read_quota", "write_quota", "name", "allowlist"} <= keys_of(t.RoleInfo)
    assert keys_of(t.Privilege) == {"code", "ns", "set"}  # "code" is Required for type checkers


def test_static_export_lists_are_complete() -> None:
    # Written out for type checkers: every constant and every exception class is listed.
    from aerospike_py import constants

    assert set(constants.__all__) == {n for n in vars(constants) if n.isupper()}
    shadowing = {"TimeoutError", "IndexError", "ConnectionError"}
    classes = {n for n, v in vars(exception).items() if isinstance(v, type) and issubclass(v, exception.AerospikeError) and n == v.__name__}
    assert set(exception.__all__) == (classes - shadowing) | {"InvalidArgError", "BinIncompatibleType"}
    assert all(hasattr(aerospike, n) for n in [*constants.__all__, *exception.__all__, *shadowing])


def test_constants_match_the_official_client_where_the_seed_is_silent() -> None:
    official = pytest.importorskip("aerospike")
    for prefix in ("LOG_LEVEL_", "AUTH_", "PRIV_", "POLICY_READ_MODE_SC_", "SERIALIZER_NONE", "SERIALIZER_JSON", "SERIALIZER_USER", "AS_BOOL", "INTEGER"):
        for name in dir(official):
            if name.startswith(prefix):
                assert getattr(aerospike, name) == getattr(official, name), name
    for name in dir(official.exception):
        cls = getattr(official.exception, name)
        if isinstance(cls, type) and issubclass(cls, official.exception.AerospikeError):
            ours = getattr(exception, name)
            assert ours.code == cls.code, name
