"""The types of aerospike-py: the results (plain NamedTuples, so they unpack like the official
client's tuples and print, compare and pickle like any tuple) and the dicts the API takes
(TypedDicts, ``total=False``, for type checkers: at run time they are plain dicts).

Each policy TypedDict lists exactly the keys the client accepts for that family (the keys the
official ``aerospike`` client documents, plus the seed's); ``tests/test_types.py`` holds them to
the native parser, so neither can drift. A key outside them raises ``ParamError`` naming it.

>>> from aerospike_py.types import Record, RecordMetadata, WritePolicy
>>> key, meta, bins = Record(None, RecordMetadata(gen=1, ttl=4294967295), {"a": 1})
>>> meta.gen, bins["a"]
(1, 1)
>>> policy: WritePolicy = {"key": 1, "total_timeout": 500}
"""

from __future__ import annotations

import json as _json
from collections.abc import Sequence
from typing import Any, NamedTuple, Required, TypeAlias, TypedDict


class Key(NamedTuple):
    """A record's key as the client returns it: ``(namespace, set, user_key, digest)``.

    ``user_key`` is None unless the key was sent (policy ``key=POLICY_KEY_SEND``) or given;
    ``digest`` is the 20-byte RIPEMD-160 digest that locates the record.
    """

    namespace: str
    set: str | None
    user_key: str | int | bytes | None
    digest: bytes


class RecordMetadata(NamedTuple):
    """A record's generation and time to live in seconds (4294967295: never expires, as the
    official client reports it)."""

    gen: int
    ttl: int


class Record(NamedTuple):
    """A record: ``key, meta, bins = client.get(key)``."""

    key: Key | None
    meta: RecordMetadata | None
    bins: dict[str, Any] | None


class ExistsResult(NamedTuple):
    """The answer of ``exists()``: ``meta`` is None when the record does not exist."""

    key: Key | None
    meta: RecordMetadata | None


class BinTuple(NamedTuple):
    """One result of ``operate_ordered()``: the bin an operation read, and its value."""

    name: str
    value: Any


class OperateOrderedResult(NamedTuple):
    """The answer of ``operate_ordered()``: one ``BinTuple`` per operation that returned a value."""

    key: Key | None
    meta: RecordMetadata | None
    ordered_bins: list[BinTuple]





class BatchRecord(NamedTuple):
    """One key's outcome in a batch: ``result`` is its result code (0: ok, 2: not found, 27:
    filtered out, ...), ``record`` the record when there is one, ``in_doubt`` True when a write
    may have been applied although it failed."""

    key: Key
    result: int
    record: Record | None
    in_doubt: bool


class BatchWriteResult(NamedTuple):
    """The answer of ``batch_operate``, ``batch_remove``, ``batch_write`` and friends."""

    batch_records: list[BatchRecord]


class GeoJSON:
    """A GeoJSON value, stored in the GeoJSON particle type that geo indexes and queries use.

    >>> point = GeoJSON({"type": "Point", "coordinates": [103.9, 1.3]})
    >>> point.json
    '{"type": "Point", "coordinates": [103.9, 1.3]}'
    >>> point == GeoJSON(point.json)
    True
    """

    __slots__ = ("json",)

    def __init__(self, value: str | dict[str, Any]) -> None:
        if isinstance(value, dict):
            value = _json.dumps(value)
        elif not isinstance(value, str):
            raise TypeError(f"GeoJSON takes a JSON string or a dict, not {type(value).__name__}")
        self.json: str = value

    def unwrap(self) -> dict[str, Any]:
        """The GeoJSON object as a dict."""
        return _json.loads(self.json)

    def dumps(self) -> str:
        """The GeoJSON text (the name the official client uses)."""
        return self.json

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GeoJSON) and other.json == self.json

    def __hash__(self) -> int:
        return hash(self.json)

    def __repr__(self) -> str:
        return f"GeoJSON({self.json!r})"

    def __str__(self) -> str:
        return self.json


class HyperLogLog(bytes):
    """The bytes of a HyperLogLog bin, kept distinct from a plain blob so it is written back as HLL."""

    def __repr__(self) -> str:
        return f"HyperLogLog({bytes(self)!r})"

# ------------------------------------------------------------------------------ aliases

UserKey: TypeAlias = str | int | bytes | bytearray
"""A record's primary key as the user gives it."""

KeyTuple: TypeAlias = tuple[str, str | None, UserKey] | tuple[str, str | None, UserKey | None, bytes | bytearray]
"""A key argument: ``(namespace, set, pk)`` or ``(namespace, set, None, digest)``."""

Bins: TypeAlias = dict[str, Any]
"""A record's bins: ``{bin_name: value}``."""

AerospikeKey: TypeAlias = Key
"""The seed's name for a returned key (``Key``)."""

AerospikeRecord: TypeAlias = dict[str, Any]
"""The seed's name for one record's bins in a batch result."""

BatchRecords: TypeAlias = dict[Any, AerospikeRecord]
"""``batch_read(...).to_dict()``: ``{user_key: bins}``."""


# ------------------------------------------------------------------------------ policies


class _BasePolicy(TypedDict, total=False):
    """The keys every command policy takes (the official client's "Base Policies").

    Timeouts are in milliseconds; ``timeout`` is the seed's name of ``total_timeout``.
    ``connect_timeout`` may only be 0 here (the connect timeout is per client:
    ``config["connect_timeout"]``). ``expressions`` is the official name of
    ``filter_expression``. ``deserialize`` is accepted and has no effect (lists and maps always
    arrive as list and dict).
    """

    timeout: int
    total_timeout: int
    socket_timeout: int
    max_retries: int
    sleep_between_retries: int
    timeout_delay: int
    connect_timeout: int
    compress: bool
    filter_expression: Any
    expressions: Any
    replica: int
    read_mode_ap: int
    read_mode_sc: int
    read_touch_ttl_percent: int
    deserialize: bool


class ReadPolicy(_BasePolicy, total=False):
    """``get``, ``select``, ``exists`` and ``config["policies"]["read"]``. ``key`` is validated
    and has no effect on a read."""

    key: int


class WritePolicy(_BasePolicy, total=False):
    """``put``, ``append``, ``prepend``, ``increment``, ``remove_bin``, ``touch`` and
    ``config["policies"]["write"]``.

    ``key`` (POLICY_KEY_*), ``exists`` (POLICY_EXISTS_*), ``gen`` (POLICY_GEN_*, with
    ``meta["gen"]``), ``generation`` (the expected generation), ``commit_level``
    (POLICY_COMMIT_LEVEL_*), ``durable_delete``, ``ttl`` (the default TTL: used when meta has none
    or has TTL_CLIENT_DEFAULT), ``respond_all_ops``, ``compression_threshold`` (bytes; > 0 turns
    compression on), ``on_locking_only``.
    """

    key: int
    exists: int
    gen: int
    generation: int
    commit_level: int
    durable_delete: bool
    ttl: int
    respond_all_ops: bool
    compression_threshold: int
    on_locking_only: bool


class OperatePolicy(WritePolicy, total=False):
    """``operate``, ``operate_ordered`` and ``config["policies"]["operate"]``: a write policy."""


class ApplyPolicy(WritePolicy, total=False):
    """``apply``, background UDF jobs and ``config["policies"]["apply"]``: a write policy."""


class RemovePolicy(WritePolicy, total=False):
    """``remove`` and ``config["policies"]["remove"]``: a write policy (``gen`` with
    ``generation`` or ``meta["gen"]`` makes the delete conditional)."""


class BatchPolicy(_BasePolicy, total=False):
    """``batch_read``, ``batch_operate``, ``batch_write``, ``batch_remove`` and
    ``config["policies"]["batch"]``: the batch-wide keys, and (the seed's) the per-record write
    keys applied to every record (a record's own meta overrides them). ``concurrent`` is a bool
    or BATCH_CONCURRENCY_*."""

    respond_all_keys: bool
    allow_inline: bool
    allow_inline_ssd: bool
    concurrent: bool | int
    key: int
    exists: int
    gen: int
    commit_level: int
    durable_delete: bool
    ttl: int


class BatchWritePolicy(TypedDict, total=False):
    """A batch write record's policy: ``config["policies"]["batch_write"]``."""

    key: int
    commit_level: int
    gen: int
    exists: int
    durable_delete: bool
    ttl: int
    filter_expression: Any
    expressions: Any
    on_locking_only: bool


class BatchDeletePolicy(TypedDict, total=False):
    """A batch remove record's policy: ``config["policies"]["batch_remove"]``."""

    key: int
    commit_level: int
    gen: int
    generation: int
    durable_delete: bool
    filter_expression: Any
    expressions: Any


class BatchApplyPolicy(TypedDict, total=False):
    """A batch UDF record's policy: ``config["policies"]["batch_apply"]``."""

    key: int
    commit_level: int
    ttl: int
    durable_delete: bool
    filter_expression: Any
    expressions: Any
    on_locking_only: bool


class BatchReadPolicy(TypedDict, total=False):
    """A batch read record's policy (the seed's ``BatchReadPolicy``)."""

    read_touch_ttl_percent: int
    filter_expression: Any
    expressions: Any


class BatchUDFPolicy(_BasePolicy, total=False):
    """``batch_apply(..., policy=)``: the batch-wide keys and the per-record UDF keys
    (``key``, ``ttl``, ``commit_level``, ``durable_delete``) in one dict."""

    respond_all_keys: bool
    allow_inline: bool
    allow_inline_ssd: bool
    concurrent: bool | int
    key: int
    ttl: int
    commit_level: int
    durable_delete: bool


class QueryPolicy(_BasePolicy, total=False):
    """Query and scan calls (``results``, ``foreach``, ``arrow_batches``...) and
    ``config["policies"]["query"]``. ``expected_duration`` is QUERY_DURATION_* (``short_query``
    the official client's older bool); ``durable_delete`` and ``ttl`` (the official scan policy's)
    matter only to background jobs."""

    partition_filter: Any
    max_records: int
    records_per_second: int
    record_queue_size: int
    max_concurrent_nodes: int
    include_bin_data: bool
    expected_duration: int
    short_query: bool
    durable_delete: bool
    ttl: int


class ScanPolicy(QueryPolicy, total=False):
    """``config["policies"]["scan"]`` and scan calls: the same keys as ``QueryPolicy`` (a scan is a
    query without a predicate)."""


class InfoPolicy(TypedDict, total=False):
    """Info commands, index and UDF management, truncate: ``{"timeout": ms}``."""

    timeout: int


class AdminPolicy(TypedDict, total=False):
    """User and role administration: ``{"timeout": ms}``."""

    timeout: int


class ListPolicy(TypedDict, total=False):
    """A list operation's ``list_policy``: LIST_ORDERED/UNORDERED and LIST_WRITE_* flags."""

    list_order: int
    write_flags: int


class MapPolicy(TypedDict, total=False):
    """A map operation's ``map_policy``: MAP_*_ORDERED, MAP_WRITE_FLAGS_* and ``persist_index``."""

    map_order: int
    map_write_flags: int
    map_write_mode: int
    persist_index: bool


class HLLPolicy(TypedDict, total=False):
    """An HLL operation's ``hll_policy``: HLL_WRITE_* flags."""

    flags: int


class BitPolicy(TypedDict, total=False):
    """A bit operation's ``bit_policy``: BIT_WRITE_* flags."""

    bit_write_flags: int


# ------------------------------------------------------------------------------ meta


class WriteMeta(TypedDict, total=False):
    """A write's ``meta``: ``ttl`` (seconds or TTL_*), ``gen`` (the expected generation, with
    ``policy={"gen": POLICY_GEN_EQ}``), and (the seed's) per-record overrides of the policy's
    ``key``, ``exists``, ``commit_level``, ``durable_delete``."""

    ttl: int
    gen: int
    key: int
    exists: int
    commit_level: int
    durable_delete: bool


class BatchDeleteMeta(TypedDict, total=False):
    """A ``batch_remove`` record's meta (the seed's)."""

    gen: int
    key: int
    commit_level: int
    durable_delete: bool


class BatchUDFMeta(TypedDict, total=False):
    """The meta of a ``(key, meta)`` item of ``batch_apply``: the UDF call and the per-record
    policy for that record (``args=[]`` overrides the default arguments too)."""

    module: str
    function: str
    args: list[Any]
    key: int
    ttl: int
    commit_level: int
    durable_delete: bool


# ------------------------------------------------------------------------------ config


class ClientPolicies(TypedDict, total=False):
    """``config["policies"]``: per-family defaults, and the official client's deprecated
    client-wide ``total_timeout``, ``max_retries``, ``key``, ``exists``, ``replica``,
    ``commit_level``, ``login_timeout_ms`` (each family's own dict overrides them)."""

    read: ReadPolicy
    write: WritePolicy
    apply: ApplyPolicy
    operate: OperatePolicy
    remove: RemovePolicy
    query: QueryPolicy
    scan: ScanPolicy
    batch: BatchPolicy
    batch_parent_write: BatchPolicy
    batch_write: BatchWritePolicy
    batch_remove: BatchDeletePolicy
    batch_apply: BatchApplyPolicy
    info: InfoPolicy
    admin: AdminPolicy
    txn_verify: BatchPolicy
    txn_roll: BatchPolicy
    total_timeout: int
    login_timeout_ms: int
    auth_mode: int
    key: int
    exists: int
    max_retries: int
    replica: int
    commit_level: int


class TLSConfig(TypedDict, total=False):
    """``config["tls"]`` (the official client's keys)."""

    enable: bool
    cafile: str
    capath: str
    protocols: str
    cipher_suite: str
    keyfile: str
    keyfile_pw: str
    cert_blacklist: str
    certfile: str
    crl_check: bool
    crl_check_all: bool
    log_session_info: bool
    for_login_only: bool


class LuaConfig(TypedDict, total=False):
    """``config["lua"]``: ``user_path`` (where ``udf_put`` keeps module copies);
    ``system_path`` is accepted and unused."""

    user_path: str
    system_path: str


Host: TypeAlias = tuple[str, int] | tuple[str, int, str] | str
"""A seed node: ``(address, port)``, ``(address, port, tls_name)`` or ``"address:port"``."""


class ClientConfig(TypedDict, total=False):
    """``aerospike_py.client(config)``. Timeouts in milliseconds except ``max_socket_idle``
    (seconds). ``rack_id``/``rack_ids`` take effect with ``rack_aware``. ``validate_keys`` is
    accepted (keys are always validated); ``thread_pool_size`` has no effect (commands run on the
    shared runtime). ``shm``, ``serialization`` and ``config_provider`` may only be None,
    ``use_shared_connection`` and ``force_single_node`` only False, ``send_bool_as`` only
    AS_BOOL. ``max_concurrent_operations``/``operation_queue_timeout_ms`` are the seed's
    backpressure limit."""

    hosts: Required[Sequence[Host]]
    cluster_name: str | None
    user: str | None
    password: str | None
    auth_mode: int
    timeout: int
    connect_timeout: int
    login_timeout: int
    idle_timeout: int
    max_socket_idle: int
    tend_interval: int
    max_conns_per_node: int
    min_conns_per_node: int
    conn_pools_per_node: int
    max_error_rate: int
    error_rate_window: int
    use_services_alternate: bool
    rack_aware: bool
    rack_id: int
    rack_ids: Sequence[int]
    app_id: str | None
    fail_if_not_connected: bool
    force_single_node: bool
    compression_threshold: int
    validate_keys: bool
    thread_pool_size: int
    send_bool_as: int
    use_shared_connection: bool
    shm: None
    serialization: None
    config_provider: None
    max_concurrent_operations: int
    operation_queue_timeout_ms: int
    policies: ClientPolicies
    lua: LuaConfig
    tls: TLSConfig


# ------------------------------------------------------------------------------ admin


class Privilege(TypedDict, total=False):
    """A privilege: ``{"code": PRIV_*, "ns": namespace, "set": set}``; without ``ns`` it is
    global, without ``set`` namespace-wide."""

    code: Required[int]
    ns: str
    set: str


class UserInfo(TypedDict, total=False):
    """A user, as ``admin_query_user`` (the seed) and ``admin_query_user_info`` (the official
    client) return it: one dict with both clients' keys, so code written for either runs.
    ``read_info``/``write_info`` are the server's statistics lists (quota, TPS, RPS, limitless
    scans), empty when the server sends none."""

    user: str
    roles: list[str]
    read_info: list[int]
    write_info: list[int]
    conns_in_use: int


class RoleInfo(TypedDict, total=False):
    """A role, as ``admin_query_role`` returns it: the official client's keys (``privileges``,
    ``whitelist``, ``read_quota``, ``write_quota``) and the seed's (``name``, ``allowlist``, the
    same list as ``whitelist``)."""

    name: str
    privileges: list[Privilege]
    whitelist: list[str]
    allowlist: list[str]
    read_quota: int
    write_quota: int


__all__ = [
    "UserKey",
    "KeyTuple",
    "Bins",
    "AerospikeKey",
    "AerospikeRecord",
    "BatchRecords",
    "ReadPolicy",
    "WritePolicy",
    "OperatePolicy",
    "ApplyPolicy",
    "RemovePolicy",
    "BatchPolicy",
    "BatchWritePolicy",
    "BatchDeletePolicy",
    "BatchApplyPolicy",
    "BatchReadPolicy",
    "BatchUDFPolicy",
    "QueryPolicy",
    "ScanPolicy",
    "InfoPolicy",
    "AdminPolicy",
    "ListPolicy",
    "MapPolicy",
    "HLLPolicy",
    "BitPolicy",
    "WriteMeta",
    "BatchDeleteMeta",
    "BatchUDFMeta",
    "ClientPolicies",
    "TLSConfig",
    "LuaConfig",
    "Host",
    "ClientConfig",
    "Privilege",
    "UserInfo",
    "RoleInfo",
    "Key",
    "RecordMetadata",
    "Record",
    "ExistsResult",
    "BinTuple",
    "OperateOrderedResult",
    "BatchRecord",
    "BatchWriteResult",
    "GeoJSON",
    "HyperLogLog",
]
