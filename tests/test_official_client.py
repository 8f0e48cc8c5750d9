"""The official `aerospike` client (PyPI 19.3.0) works against the session server, and sees the
same records as aerospike-py: the server speaks the real wire protocol, not just our client's."""

from __future__ import annotations

import pytest

aerospike_official = pytest.importorskip("aerospike")
from aerospike_helpers.operations import operations as op  # noqa: E402

import aerospike_py  # noqa: E402


@pytest.fixture
def official(server_hosts):
    c = aerospike_official.client({"hosts": list(server_hosts)}).connect()
    yield c
    c.close()


def test_put_get_remove(official, keys):
    k = keys("off1")
    official.put(k, {"name": "Alice", "age": 30, "l": [1, "a"], "m": {"x": 1.5}})
    key, meta, bins = official.get(k)
    assert bins == {"name": "Alice", "age": 30, "l": [1, "a"], "m": {"x": 1.5}}
    assert meta["gen"] == 1
    assert key[0] == k[0] and key[1] == k[1]
    official.remove(k)
    with pytest.raises(aerospike_official.exception.RecordNotFound):
        official.get(k)


def test_operate(official, keys):
    k = keys("off2")
    official.put(k, {"n": 1, "s": "a"})
    # (op.append/prepend warn DeprecationWarning in 19.x, which this suite turns into errors)
    _, meta, bins = official.operate(k, [op.increment("n", 2), op.write("s", "b"), op.read("n"), op.read("s")])
    assert bins == {"n": 3, "s": "b"}
    assert meta["gen"] == 2
    _, _, ordered = official.operate_ordered(k, [op.read("n"), op.write("t", 1), op.read("t")])
    assert ordered == [("n", 3), ("t", 1)]


def test_exists_and_errors(official, keys):
    k = keys("off3")
    _, meta = official.exists(k)
    assert meta is None
    official.put(k, {"a": 1})
    with pytest.raises(aerospike_official.exception.RecordExistsError):
        official.put(k, {"a": 2}, policy={"exists": aerospike_official.POLICY_EXISTS_CREATE})
    _, meta = official.exists(k)
    assert meta["gen"] == 1


def test_official_and_aerospike_py_see_the_same_records(official, config, keys):
    k_str, k_int = keys("shared"), keys(12345)
    ours = aerospike_py.client(config).connect()
    try:
        official.put(k_str, {"from": "official", "n": 1})
        ours.put(k_int, {"from": "ours", "f": 2.5, "b": b"\x00\x01"})
        assert ours.get(k_str).bins == {"from": "official", "n": 1}
        assert official.get(k_int)[2] == {"from": "ours", "f": 2.5, "b": b"\x00\x01"}
        # Both compute the same digest for str and int keys.
        assert ours.get(k_str).key.digest == aerospike_official.calc_digest(*k_str)
        assert ours.get(k_int).key.digest == aerospike_official.calc_digest(*k_int)
    finally:
        ours.close()
