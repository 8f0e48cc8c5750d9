"""Security as Aerospike Enterprise enforces it, seen through the official `aerospike` client
(PyPI 19.x): login, every admin call, refusals with their real result codes (65, 80, 81, 82,
83), and what a server without security (CE) answers instead.

Runs against ``aerospike_py.LocalServer(security=True)``; with ``AEROSPIKE_HOSTS`` set it runs
against that server only when ``AEROSPIKE_SECURITY=1`` says it has security on (EE with the
default ``admin``/``admin`` user and ``enable-quotas true``). Every user and role it makes has a
random name and is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

aerospike = pytest.importorskip("aerospike")
from aerospike import exception as ex  # noqa: E402

import aerospike_py  # noqa: E402

EXTERNAL = os.environ.get("AEROSPIKE_HOSTS")


def _hosts(text: str) -> list[tuple[str, int]]:
    out = []
    for part in text.split(","):
        host, _, port = part.strip().rpartition(":")
        out.append((host, int(port)))
    return out


@pytest.fixture(scope="module")
def hosts() -> Iterator[list[tuple[str, int]]]:
    if EXTERNAL:
        if os.environ.get("AEROSPIKE_SECURITY") != "1":
            pytest.skip("AEROSPIKE_HOSTS names a server without security (set AEROSPIKE_SECURITY=1 if it has it)")
        yield _hosts(EXTERNAL)
        return
    with aerospike_py.LocalServer(security=True) as server:
        yield [tuple(h) for h in server.hosts]


def connect(hosts: list[tuple[str, int]], user: str | None = None, password: str | None = None) -> Any:
    config: dict[str, Any] = {"hosts": list(hosts), "policies": {"timeout": 5000}}
    if user is not None:
        config["user"], config["password"] = user, password
    return aerospike.client(config).connect()


@pytest.fixture
def admin(hosts: list[tuple[str, int]]) -> Iterator[Any]:
    c = connect(hosts, "admin", "admin")
    yield c
    c.close()


@pytest.fixture
def names(admin: Any) -> Iterator[Any]:
    """Fresh user and role names; whatever was made under them is dropped afterwards."""
    made: list[tuple[str, str]] = []

    def name(kind: str) -> str:
        n = f"t{uuid.uuid4().hex[:10]}"
        made.append((kind, n))
        return n

    yield name
    for kind, n in made:
        try:
            admin.admin_drop_user(n) if kind == "user" else admin.admin_drop_role(n)
        except ex.AerospikeError:
            pass


@pytest.fixture
def key() -> tuple[str, str, str]:
    return ("test", "sec", uuid.uuid4().hex)


def test_admin_logs_in_with_only_user_admin(admin: Any, key: tuple[str, str, str]) -> None:
    info = admin.admin_query_user_info("admin")
    assert info["roles"] == ["user-admin"]
    assert info["conns_in_use"] >= 1
    with pytest.raises(ex.RoleViolation) as e:
        admin.put(key, {"a": 1})
    assert e.value.code == 81


def test_wrong_password_and_unknown_user_are_refused(hosts: list[tuple[str, int]]) -> None:
    with pytest.raises(ex.AerospikeError) as e:
        connect(hosts, "admin", "not-the-password")
    assert e.value.code == 65
    with pytest.raises(ex.AerospikeError) as e:
        connect(hosts, "nobody-" + uuid.uuid4().hex[:6], "x")
    assert e.value.code == 60


def test_nothing_runs_without_login(hosts: list[tuple[str, int]]) -> None:
    with pytest.raises(ex.AerospikeError) as e:
        connect(hosts)
    assert e.value.code == 80


def test_users_are_created_queried_granted_revoked_and_dropped(hosts: list, admin: Any, names: Any) -> None:
    user = names("user")
    admin.admin_create_user(user, "pw1", ["read"])
    assert admin.admin_query_user_info(user)["roles"] == ["read"]
    with pytest.raises(ex.UserExistsError):
        admin.admin_create_user(user, "pw1", ["read"])
    with pytest.raises(ex.InvalidRole):
        admin.admin_create_user(names("user"), "pw", ["no-such-role"])
    admin.admin_grant_roles(user, ["write", "truncate"])
    assert sorted(admin.admin_query_user_info(user)["roles"]) == ["read", "truncate", "write"]
    admin.admin_revoke_roles(user, ["truncate"])
    assert sorted(admin.admin_query_user_info(user)["roles"]) == ["read", "write"]
    assert user in admin.admin_query_users_info()
    admin.admin_drop_user(user)
    with pytest.raises(ex.InvalidUser):
        admin.admin_query_user_info(user)
    with pytest.raises(ex.AerospikeError) as e:
        connect(hosts, user, "pw1")
    assert e.value.code == 60


def test_roles_are_created_queried_changed_and_dropped(admin: Any, names: Any) -> None:
    role = names("role")
    admin.admin_create_role(role, [{"code": aerospike.PRIV_READ, "ns": "test", "set": "demo"}])
    assert admin.admin_query_role(role) == [{"ns": "test", "set": "demo", "code": aerospike.PRIV_READ}]
    with pytest.raises(ex.RoleExistsError):
        admin.admin_create_role(role, [{"code": aerospike.PRIV_READ}])
    admin.admin_grant_privileges(role, [{"code": aerospike.PRIV_WRITE, "ns": "test"}])
    admin.admin_revoke_privileges(role, [{"code": aerospike.PRIV_READ, "ns": "test", "set": "demo"}])
    assert admin.admin_query_role(role) == [{"ns": "test", "set": "", "code": aerospike.PRIV_WRITE}]
    admin.admin_set_whitelist(role, ["10.0.0.0/8", "127.0.0.1"])
    admin.admin_set_quotas(role, read_quota=100, write_quota=50)
    info = admin.admin_get_role(role)
    assert info["whitelist"] == ["10.0.0.0/8", "127.0.0.1"]
    assert (info["read_quota"], info["write_quota"]) == (100, 50)
    roles = admin.admin_query_roles()
    assert role in roles
    assert roles["read-write"] == [{"ns": "", "set": "", "code": aerospike.PRIV_READ_WRITE}]
    with pytest.raises(ex.InvalidWhitelist):
        admin.admin_set_whitelist(role, ["not-an-address"])
    with pytest.raises(ex.InvalidRole):
        admin.admin_grant_privileges("read", [{"code": aerospike.PRIV_WRITE}])
    admin.admin_drop_role(role)
    with pytest.raises(ex.InvalidRole):
        admin.admin_query_role(role)


def test_a_read_only_users_write_is_refused_and_changes_nothing(hosts: list, admin: Any, names: Any, key: tuple) -> None:
    writer, reader = names("user"), names("user")
    admin.admin_create_user(writer, "pw", ["read-write"])
    admin.admin_create_user(reader, "pw", ["read"])
    w, r = connect(hosts, writer, "pw"), connect(hosts, reader, "pw")
    try:
        w.put(key, {"a": 1})
        assert r.get(key)[2] == {"a": 1}
        with pytest.raises(ex.RoleViolation) as e:
            r.put(key, {"a": 2})
        assert e.value.code == 81
        with pytest.raises(ex.RoleViolation):
            r.remove(key)
        assert w.get(key)[2] == {"a": 1}
        assert w.get(key)[1]["gen"] == 1
    finally:
        w.remove(key)
        w.close()
        r.close()


def test_scoped_privileges_and_a_batch_that_mixes_allowed_and_denied(hosts: list, admin: Any, names: Any) -> None:
    role, user, writer = names("role"), names("user"), names("user")
    admin.admin_create_role(role, [{"code": aerospike.PRIV_READ, "ns": "test", "set": "open"}])
    admin.admin_create_user(user, "pw", [role])
    admin.admin_create_user(writer, "pw", ["read-write"])
    tag = uuid.uuid4().hex
    keys = [("test", "open", tag), ("test", "closed", tag)]
    w, c = connect(hosts, writer, "pw"), connect(hosts, user, "pw")
    try:
        for k in keys:
            w.put(k, {"v": k[1]})
        assert c.get(keys[0])[2] == {"v": "open"}
        with pytest.raises(ex.RoleViolation):
            c.get(keys[1])
        batch = c.batch_read(keys)
        results = [(br.result, br.record[2] if br.record else None) for br in batch.batch_records]
        assert results == [(0, {"v": "open"}), (81, None)]
    finally:
        for k in keys:
            w.remove(k)
        w.close()
        c.close()


def test_truncate_and_udf_and_index_admin_need_their_privileges(hosts: list, admin: Any, names: Any) -> None:
    user = names("user")
    admin.admin_create_user(user, "pw", ["read-write"])
    c = connect(hosts, user, "pw")
    try:
        with pytest.raises(ex.RoleViolation):
            c.truncate("test", "sec", 0)
        with pytest.raises(ex.AerospikeError) as e:
            c.index_integer_create("test", "sec", "n", f"idx_{uuid.uuid4().hex[:8]}")
        assert e.value.code == 81
    finally:
        c.close()


def test_a_user_changes_its_password_and_an_admin_sets_one(hosts: list, admin: Any, names: Any) -> None:
    user = names("user")
    admin.admin_create_user(user, "old", ["read"])
    c = connect(hosts, user, "old")
    try:
        c.admin_change_password(user, "new")
    finally:
        c.close()
    with pytest.raises(ex.AerospikeError) as e:
        connect(hosts, user, "old")
    assert e.value.code == 65
    connect(hosts, user, "new").close()
    admin.admin_set_password(user, "newer")
    connect(hosts, user, "newer").close()


def test_a_whitelist_refuses_other_addresses(hosts: list, admin: Any, names: Any) -> None:
    role, user = names("role"), names("user")
    admin.admin_create_role(role, [{"code": aerospike.PRIV_READ}], whitelist=["10.255.255.1"])
    admin.admin_create_user(user, "pw", [role])
    with pytest.raises(ex.AerospikeError) as e:
        connect(hosts, user, "pw")
    assert e.value.code == 82
    admin.admin_set_whitelist(role, ["127.0.0.0/8", "10.255.255.1"])
    if not EXTERNAL:
        connect(hosts, user, "pw").close()


def test_a_quota_refuses_reads_once_exceeded(hosts: list, admin: Any, names: Any, key: tuple) -> None:
    role, user = names("role"), names("user")
    admin.admin_create_role(role, [{"code": aerospike.PRIV_READ}], read_quota=1)
    admin.admin_create_user(user, "pw", [role])
    c = connect(hosts, user, "pw")
    try:
        codes = []
        for _ in range(30):
            try:
                c.exists(key)
                codes.append(0)
            except ex.AerospikeError as e:
                codes.append(e.code)
        assert 83 in codes, codes
    finally:
        c.close()


@pytest.mark.skipif(bool(EXTERNAL), reason="needs a server without security: the embedded one")
def test_without_security_admin_commands_are_not_supported() -> None:
    with aerospike_py.LocalServer() as server:
        hosts = [tuple(h) for h in server.hosts]
        c = connect(hosts)
        try:
            c.put(("test", "sec", "ce"), {"a": 1})
            with pytest.raises(ex.SecurityNotSupported) as e:
                c.admin_query_users_info()
            assert e.value.code == 51
            with pytest.raises(ex.SecurityNotSupported):
                c.admin_create_user("x", "y", ["read"])
        finally:
            c.close()
        # CE answers LOGIN 51 too, which the official client reports as a failed connect.
        with pytest.raises(ex.AerospikeError) as e:
            connect(hosts, "admin", "admin")
        assert e.value.code == 51
