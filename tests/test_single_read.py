"""Single-record reads (`get`, `select`, `exists`) on the client's own connections
(`crates/direct/src/single_read.rs`) against the same reads through the `aerospike` crate, which
the client falls back to for what the direct path does not implement (here: the PREFER_RACK
replica policy of a rack-aware client). Both must build the very same Python objects for every
particle type, and raise the same errors."""

from __future__ import annotations

from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import exception, exp
from aerospike_py import hll_operations as ho
from aerospike_py import map_operations as mo

# Reads with this policy go through the crate (a replica policy the direct path hands back).
BY_THE_CRATE = {"replica": aerospike.POLICY_REPLICA_PREFER_RACK}


def tagged(value: Any) -> Any:
    """`value` with every element's type beside it, so that 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return (type(value).__name__, [(tagged(k), tagged(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [tagged(v) for v in value])
    return (type(value).__name__, value)


@pytest.fixture
def rack_client(make_client: Any, config: dict[str, Any]) -> Any:
    """A rack-aware client: its PREFER_RACK reads go through the crate."""
    return make_client({**config, "rack_aware": True, "rack_id": 0}).connect()


def write_every_type(client: Any, k: Any) -> None:
    client.put(k, {
        "i": -7, "big": 2**63 - 1, "f": 2.5, "s": "snow ☃", "e": "", "b": b"\x00\x01\xff", "ba": bytearray(b"ab"),
        "t": True, "n": False, "l": [1, "x", [], 1.5, None, {"k": [True]}], "m": {"a": 1, 2: "b", b"c": [1.0]},
        "g": aerospike.GeoJSON({"type": "Point", "coordinates": [1.0, 2.0]}), "gone": None,
    })
    client.operate(k, [mo.map_put_items("om", {"z": 1, "a": 2}, policy={"map_order": aerospike.MAP_KEY_ORDERED})])
    client.operate(k, [ho.hll_init("h", 8), ho.hll_add("h", ["a", "b", "c"])])


def test_every_particle_type_reads_the_same_on_both_paths(rack_client: Any, keys: Any) -> None:
    k = keys()
    write_every_type(rack_client, k)
    direct, by_crate = rack_client.get(k), rack_client.get(k, BY_THE_CRATE)
    assert set(direct.bins) == {"i", "big", "f", "s", "e", "b", "ba", "t", "n", "l", "m", "g", "om", "h"}
    assert tagged(direct.bins) == tagged(by_crate.bins)
    assert list(direct.bins) == list(by_crate.bins), "the server's bin order on both"
    assert (direct.key, direct.meta) == (by_crate.key, by_crate.meta)
    assert (type(direct), type(direct.meta), type(direct.key)) == (type(by_crate), type(by_crate.meta), type(by_crate.key))
    assert isinstance(direct.bins["g"], aerospike.GeoJSON) and direct.bins["g"] == by_crate.bins["g"]


def test_select_and_exists_read_the_same_on_both_paths(rack_client: Any, keys: Any) -> None:
    k = keys()
    write_every_type(rack_client, k)
    for bins in (["s", "nope", "m"], ["nope"], ["h", "i"]):
        direct, by_crate = rack_client.select(k, bins), rack_client.select(k, bins, BY_THE_CRATE)
        assert tagged(direct.bins) == tagged(by_crate.bins), bins
        assert (direct.key, direct.meta) == (by_crate.key, by_crate.meta)
    assert rack_client.exists(k) == rack_client.exists(k, BY_THE_CRATE)
    assert rack_client.exists(k).meta.gen == 3
    missing = keys()
    assert rack_client.exists(missing) == rack_client.exists(missing, BY_THE_CRATE)
    assert rack_client.exists(missing).meta is None


def test_keys_by_digest_and_without_a_set_read_the_same_on_both_paths(rack_client: Any, keys: Any) -> None:
    k = keys()
    rack_client.put(k, {"a": 1})
    by_digest = (k[0], k[1], None, rack_client.get(k).key[3])
    assert rack_client.get(by_digest) == rack_client.get(by_digest, BY_THE_CRATE)
    assert rack_client.get(by_digest).key[2] is None


def test_errors_are_the_same_on_both_paths(rack_client: Any, keys: Any) -> None:
    k = keys()
    for policy in ({}, BY_THE_CRATE):
        with pytest.raises(exception.RecordNotFound) as missing:
            rack_client.get(k, policy)
        assert missing.value.result_code == 2 and missing.value.node
    rack_client.put(k, {"a": 1})
    filtered = {"expressions": exp.eq(exp.int_bin("a"), exp.int_val(2))}
    for policy in ({}, BY_THE_CRATE):
        with pytest.raises(exception.FilteredOut):
            rack_client.get(k, {**policy, **filtered})
    assert rack_client.get(k, {"expressions": exp.eq(exp.int_bin("a"), exp.int_val(1))}).bins == {"a": 1}
