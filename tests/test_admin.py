"""The Admin section on both clients: users, roles, privileges and their scopes, whitelists,
quotas, password changes, and what a secured server refuses (and leaves unchanged).

The secured tests run against ``LocalServer(security=True)``, which behaves as Aerospike
Enterprise does; with ``AEROSPIKE_HOSTS`` they run there only when ``AEROSPIKE_SECURITY=1`` says
that server has security on (with the default ``admin``/``admin`` user and quotas enabled).
Without security, every admin method raises what Aerospike CE answers: SecurityNotSupported (51).
Every user and role made here has a random name and is dropped afterwards.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import aerospike_py as aerospike
from aerospike_py import exception as ex

EXTERNAL = os.environ.get("AEROSPIKE_HOSTS")
NS = os.environ.get("AEROSPIKE_NAMESPACE", "test")
SET = "py_admin"


@pytest.fixture(scope="module")
def secure_hosts() -> Iterator[list[tuple[str, int]]]:
    if EXTERNAL:
        if os.environ.get("AEROSPIKE_SECURITY") != "1":
            pytest.skip("AEROSPIKE_HOSTS names a server without security (set AEROSPIKE_SECURITY=1 if it has it)")
        yield [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in EXTERNAL.split(",")]
        return
    with aerospike.LocalServer(security=True) as server:
        yield [tuple(h) for h in server.hosts]


@pytest.fixture
def login(make_client: Callable[[dict[str, Any]], Any], secure_hosts: list[tuple[str, int]]) -> Callable[..., Any]:
    """``login(user, password, **config)`` -> a connected client of the kind under test."""

    def connect(user: str, password: str, **extra: Any) -> Any:
        return make_client({"hosts": list(secure_hosts), "timeout": 5000, **extra}).connect(user, password)

    return connect


@pytest.fixture
def admin(login: Callable[..., Any]) -> Any:
    return login("admin", "admin")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def made(admin: Any) -> Iterator[dict[str, list[str]]]:
    """Names to drop after the test: ``made["users"]``, ``made["roles"]``."""
    names: dict[str, list[str]] = {"users": [], "roles": []}
    yield names
    for user in names["users"]:
        try:
            admin.admin_drop_user(user)
        except ex.AerospikeError:
            pass
    for role in names["roles"]:
        try:
            admin.admin_drop_role(role)
        except ex.AerospikeError:
            pass


@pytest.fixture
def new_user(admin: Any, made: dict[str, list[str]]) -> Callable[..., str]:
    def create(roles: list[str], password: str = "secret-1") -> str:
        user = unique("u")
        admin.admin_create_user(user, password, roles)
        made["users"].append(user)
        return user

    return create


@pytest.fixture
def new_role(admin: Any, made: dict[str, list[str]]) -> Callable[..., str]:
    def create(privileges: list[dict[str, Any]], **kwargs: Any) -> str:
        role = unique("r")
        admin.admin_create_role(role, privileges, **kwargs)
        made["roles"].append(role)
        return role

    return create


# --- users ---------------------------------------------------------------------------------------


def test_create_query_grant_revoke_and_drop_a_user(admin: Any, new_user: Callable[..., str]) -> None:
    user = new_user(["read"])
    info = admin.admin_query_user(user)
    assert info["user"] == user and info["roles"] == ["read"]
    assert isinstance(info["conns_in_use"], int) and isinstance(info["read_info"], list)
    assert admin.admin_query_user_info(user) == info
    admin.admin_grant_roles(user, ["read-write", "truncate"])
    assert sorted(admin.admin_query_user(user)["roles"]) == ["read", "read-write", "truncate"]
    admin.admin_revoke_roles(user, ["read", "truncate"])
    assert admin.admin_query_user(user)["roles"] == ["read-write"]
    names = [u["user"] for u in admin.admin_query_users()]
    assert user in names and "admin" in names
    assert [u["user"] for u in admin.admin_query_users_info()] == names
    admin.admin_drop_user(user)
    with pytest.raises(ex.InvalidUser) as info_err:
        admin.admin_query_user(user)
    assert info_err.value.result_code == 60


def test_user_errors_carry_their_codes(admin: Any, new_user: Callable[..., str]) -> None:
    user = new_user(["read"])
    with pytest.raises(ex.UserExistsError) as err:
        admin.admin_create_user(user, "other-pw", ["read"])
    assert err.value.result_code == 61
    with pytest.raises(ex.InvalidUser):
        admin.admin_drop_user(unique("nobody"))
    with pytest.raises(ex.InvalidRole) as err:
        admin.admin_grant_roles(user, [unique("no_such_role")])
    assert err.value.result_code == 70
    with pytest.raises(ex.InvalidRole):
        admin.admin_create_user(unique("u"), "pw", [unique("no_such_role")])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda c: c.admin_create_user("", "pw", ["read"]), ValueError, "username is empty"),
        (lambda c: c.admin_create_user("x", "pw", "read"), TypeError, "roles"),
        (lambda c: c.admin_create_user("x", 5, ["read"]), TypeError, "password is a str"),
        (lambda c: c.admin_create_role("r", [{"code": 99}]), ValueError, "unknown privilege code 99"),
        (lambda c: c.admin_create_role("r", [{"code": "read-everything"}]), ValueError, "unknown privilege"),
        (lambda c: c.admin_create_role("r", [{"code": aerospike.PRIV_READ, "set": "s"}]), ValueError, "set but no namespace"),
        (lambda c: c.admin_create_role("r", [{"code": aerospike.PRIV_SYS_ADMIN, "ns": "test"}]), ValueError, "sys-admin is a global privilege"),
        (lambda c: c.admin_create_role("r", [{"code": aerospike.PRIV_READ, "nsp": "test"}]), ValueError, "unknown key"),
        (lambda c: c.admin_create_role("r", [{"ns": "test"}]), ValueError, "no \"code\""),
        (lambda c: c.admin_create_role("r", [aerospike.PRIV_READ]), TypeError, "is a dict"),
        (lambda c: c.admin_create_role("r", [{"code": aerospike.PRIV_READ}], whitelist=["10.0.0.0/33"]), ValueError, "prefix length"),
        (lambda c: c.admin_create_role("r", [{"code": aerospike.PRIV_READ}], whitelist=["host.example"]), ValueError, "not an IP address"),
        (lambda c: c.admin_create_role("r", [{"code": aerospike.PRIV_READ}], read_quota=-1), ValueError, "read_quota"),
        (lambda c: c.admin_set_quotas("r", write_quota=2**32), ValueError, "write_quota"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_arguments_are_refused_before_anything_is_sent(make_client: Any, config: dict[str, Any], call: Any, error: type, match: str) -> None:
    """Checked in the client: even a client that never connected raises these."""
    client = make_client(config)
    with pytest.raises(error, match=match):
        call(client)


# --- roles and privileges --------------------------------------------------------------------


def test_create_query_and_change_a_role(admin: Any, new_role: Callable[..., str]) -> None:
    role = new_role(
        [{"code": aerospike.PRIV_READ, "ns": NS, "set": SET}, {"code": "write", "ns": NS}],
        whitelist=["127.0.0.1", "10.0.0.0/8"],
        read_quota=500,
        write_quota=100,
    )
    info = admin.admin_query_role(role)
    assert info["name"] == role
    assert sorted(info["privileges"], key=lambda p: p["code"]) == [
        {"code": aerospike.PRIV_READ, "ns": NS, "set": SET},
        {"code": aerospike.PRIV_WRITE, "ns": NS, "set": ""},
    ]
    assert sorted(info["whitelist"]) == sorted(info["allowlist"]) == ["10.0.0.0/8", "127.0.0.1"]
    assert (info["read_quota"], info["write_quota"]) == (500, 100)
    assert admin.admin_get_role(role) == info
    admin.admin_grant_privileges(role, [{"code": aerospike.PRIV_TRUNCATE, "ns": NS}])
    admin.admin_revoke_privileges(role, [{"code": aerospike.PRIV_WRITE, "ns": NS}])
    codes = sorted(p["code"] for p in admin.admin_query_role(role)["privileges"])
    assert codes == [aerospike.PRIV_READ, aerospike.PRIV_TRUNCATE]
    admin.admin_set_whitelist(role, [])
    admin.admin_set_quotas(role, read_quota=7, write_quota=0)
    info = admin.admin_query_role(role)
    assert info["whitelist"] == [] and (info["read_quota"], info["write_quota"]) == (7, 0)
    assert role in [r["name"] for r in admin.admin_query_roles()]
    assert admin.admin_get_roles()[role] == info
    assert "read-write" in admin.admin_get_roles()  # the predefined roles are listed too


def test_role_errors_carry_their_codes(admin: Any, new_role: Callable[..., str]) -> None:
    role = new_role([{"code": aerospike.PRIV_READ}])
    with pytest.raises(ex.RoleExistsError) as err:
        admin.admin_create_role(role, [{"code": aerospike.PRIV_READ}])
    assert err.value.result_code == 71
    with pytest.raises(ex.InvalidRole):
        admin.admin_query_role(unique("nope"))
    with pytest.raises(ex.InvalidRole):
        admin.admin_drop_role(unique("nope"))
    admin.admin_drop_role(role)
    with pytest.raises(ex.InvalidRole):
        admin.admin_query_role(role)


def test_privileges_are_scoped_to_namespace_and_set(login: Any, new_user: Any, new_role: Any, cleaner_secure: Any) -> None:
    role = new_role([{"code": aerospike.PRIV_READ_WRITE, "ns": NS, "set": SET}])
    user = new_user([role])
    client = login(user, "secret-1")
    inside = (NS, SET, unique("k"))
    cleaner_secure.append(inside)
    client.put(inside, {"a": 1})
    assert client.get(inside).bins == {"a": 1}
    for outside in [(NS, SET + "_other", "k"), ("bar", SET, "k")]:
        with pytest.raises(ex.RoleViolation) as err:
            client.put(outside, {"a": 1})
        assert err.value.result_code == 81 and "grant a role" in str(err.value)


# --- what a secured server refuses ------------------------------------------------------------


@pytest.fixture
def cleaner_secure(login: Any, new_user: Any) -> Iterator[list[tuple[str, str, str]]]:
    """Keys to remove after the test, by a user allowed to."""
    keys: list[tuple[str, str, str]] = []
    yield keys
    if keys:
        writer = login(new_user(["read-write"]), "secret-1")
        for key in keys:
            try:
                writer.remove(key)
            except ex.AerospikeError:
                pass


def test_a_read_only_user_is_refused_writes_and_nothing_changes(login: Any, new_user: Any, cleaner_secure: Any) -> None:
    writer = login(new_user(["read-write"]), "secret-1")
    reader = login(new_user(["read"]), "secret-1")
    key, other = (NS, SET, unique("k")), (NS, SET, unique("k"))
    cleaner_secure.extend([key, other])
    writer.put(key, {"n": 1})
    writer.put(other, {"n": 2})
    for attempt in (
        lambda: reader.put(key, {"n": 99}),
        lambda: reader.increment(key, "n", 1),
        lambda: reader.remove(key),
        lambda: reader.operate(key, [{"op": aerospike.OPERATOR_WRITE, "bin": "n", "val": 5}]),
        lambda: reader.put((NS, SET, unique("new")), {"n": 0}),
    ):
        with pytest.raises(ex.RoleViolation):
            attempt()
    record = writer.get(key)
    assert record.bins == {"n": 1} and record.meta.gen == 1
    assert reader.get(key).bins == {"n": 1}
    # A batch with a mix of allowed and denied records answers per record.
    result = reader.batch_write([(key, {"n": 5})])
    assert [br.result for br in result.batch_records] == [81]
    batch = reader.batch_read([key, other])
    assert batch.to_list() == [{"n": 1}, {"n": 2}]
    assert writer.get(key).bins == {"n": 1}


def test_mixed_batch_answers_per_record(login: Any, new_user: Any, new_role: Any, cleaner_secure: Any) -> None:
    role = new_role([{"code": aerospike.PRIV_READ_WRITE, "ns": NS, "set": SET}, {"code": aerospike.PRIV_READ, "ns": NS, "set": SET + "_ro"}])
    client = login(new_user([role]), "secret-1")
    allowed, denied = (NS, SET, unique("k")), (NS, SET + "_ro", unique("k"))
    cleaner_secure.append(allowed)
    result = client.batch_write([(allowed, {"v": 1}), (denied, {"v": 2})])
    assert [br.result for br in result.batch_records] == [0, 81]
    assert client.get(allowed).bins == {"v": 1}
    assert client.exists(denied).meta is None


def test_queries_and_udfs_need_their_privileges(login: Any, new_user: Any, new_role: Any, cleaner_secure: Any, tmp_path: Any) -> None:
    writer = login(new_user(["read-write"]), "secret-1")
    key = (NS, SET + "_q", unique("k"))
    cleaner_secure.append(key)
    writer.put(key, {"v": 1})
    no_access = login(new_user([new_role([{"code": aerospike.PRIV_READ, "ns": "bar"}])]), "secret-1")
    query = no_access.inner.query(NS, SET + "_q") if getattr(no_access, "is_async", False) else no_access.query(NS, SET + "_q")
    with pytest.raises(ex.RoleViolation):
        results = query.results()
        if hasattr(results, "__await__"):
            no_access._runner.run(results)
    # Registering a UDF needs udf-admin; applying one needs read-write-udf.
    module = tmp_path / f"{unique('m')}.lua"
    module.write_text("function bump(rec) rec['v'] = rec['v'] + 1 aerospike:update(rec) return rec['v'] end")
    with pytest.raises(ex.RoleViolation):
        writer.udf_put(str(module))
    udf_admin = login(new_user(["udf-admin"]), "secret-1")
    udf_admin.udf_put(str(module))
    try:
        with pytest.raises(ex.RoleViolation):
            writer.apply(key, module.stem, "bump")
        assert writer.get(key).bins == {"v": 1}
        assert login(new_user(["read-write-udf"]), "secret-1").apply(key, module.stem, "bump") == 2
    finally:
        udf_admin.udf_remove(module.stem)


def test_without_login_the_client_cannot_connect(make_client: Any, secure_hosts: Any) -> None:
    """A secured server answers every command of an unauthenticated connection, info included,
    with NotAuthenticated (80), so a client without credentials finds no node to connect to."""
    client = make_client({"hosts": list(secure_hosts), "timeout": 5000})
    with pytest.raises((ex.NotAuthenticated, ex.ConnectionError)):
        client.connect()
    assert not client.is_connected()


def test_wrong_password_and_unknown_user(make_client: Any, secure_hosts: Any, new_user: Any) -> None:
    user = new_user(["read"])
    for name, password, error in [(user, "wrong", ex.InvalidCredential), (unique("ghost"), "pw", (ex.InvalidUser, ex.InvalidCredential))]:
        client = make_client({"hosts": list(secure_hosts), "timeout": 5000})
        with pytest.raises(error):
            client.connect(name, password)


def test_whitelist_is_checked_at_login(login: Any, new_user: Any, new_role: Any, admin: Any) -> None:
    role = new_role([{"code": aerospike.PRIV_READ}], whitelist=["10.1.2.3"])
    user = new_user([role])
    with pytest.raises(ex.NotWhitelisted) as err:
        login(user, "secret-1")
    assert err.value.result_code == 82
    admin.admin_set_whitelist(role, ["127.0.0.0/8", "::1"])
    assert login(user, "secret-1").exists((NS, SET, "nothing")).meta is None


def test_quota_exceeded(login: Any, new_user: Any, new_role: Any, cleaner_secure: Any) -> None:
    writer = login(new_user(["read-write"]), "secret-1")
    key = (NS, SET, unique("k"))
    cleaner_secure.append(key)
    writer.put(key, {"v": 1})
    limited = login(new_user([new_role([{"code": aerospike.PRIV_READ}], read_quota=5)]), "secret-1")
    with pytest.raises(ex.QuotaExceeded) as err:
        for _ in range(200):
            limited.get(key)
    assert err.value.result_code == 83 and "quota" in str(err.value)


def test_password_changes_while_sessions_are_open(login: Any, new_user: Any, admin: Any, make_client: Any, secure_hosts: Any) -> None:
    user = new_user(["read"], password="first-pw")
    open_session = login(user, "first-pw")
    open_session.exists((NS, SET, "x"))
    # The user changes their own password (no user-admin needed: the old one is sent).
    open_session.admin_change_password(user, "second-pw")
    assert login(user, "second-pw").exists((NS, SET, "x")).meta is None
    with pytest.raises(ex.InvalidCredential):
        make_client({"hosts": list(secure_hosts), "timeout": 5000}).connect(user, "first-pw")
    # An administrator sets it.
    admin.admin_set_password(user, "third-pw")
    assert login(user, "third-pw").exists((NS, SET, "x")).meta is None
    # A user without user-admin cannot set someone else's password.
    other = new_user(["read"])
    with pytest.raises(ex.RoleViolation):
        login(user, "third-pw").admin_set_password(other, "hijacked")


def test_admin_needs_user_admin(login: Any, new_user: Any) -> None:
    reader = login(new_user(["read"]), "secret-1")
    with pytest.raises(ex.RoleViolation):
        reader.admin_create_user(unique("u"), "pw", ["read"])
    with pytest.raises(ex.RoleViolation):
        reader.admin_create_role(unique("r"), [{"code": aerospike.PRIV_READ}])


# --- without security: what Aerospike CE answers ------------------------------------------------


ADMIN_CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("admin_create_user", ("u1", "pw", ["read"])),
    ("admin_create_pki_user", ("u1", ["read"])),
    ("admin_drop_user", ("u1",)),
    ("admin_change_password", ("u1", "pw")),
    ("admin_set_password", ("u1", "pw")),
    ("admin_grant_roles", ("u1", ["read"])),
    ("admin_revoke_roles", ("u1", ["read"])),
    ("admin_query_user", ("u1",)),
    ("admin_query_user_info", ("u1",)),
    ("admin_query_users", ()),
    ("admin_query_users_info", ()),
    ("admin_create_role", ("r1", [{"code": 10}])),
    ("admin_drop_role", ("r1",)),
    ("admin_grant_privileges", ("r1", [{"code": 10}])),
    ("admin_revoke_privileges", ("r1", [{"code": 10}])),
    ("admin_query_role", ("r1",)),
    ("admin_get_role", ("r1",)),
    ("admin_query_roles", ()),
    ("admin_get_roles", ()),
    ("admin_set_whitelist", ("r1", ["127.0.0.1"])),
    ("admin_set_quotas", ("r1", 1, 1)),
]


@pytest.mark.parametrize(("method", "args"), ADMIN_CALLS, ids=[m for m, _ in ADMIN_CALLS])
def test_without_security_admin_methods_raise_security_not_supported(client: Any, method: str, args: tuple[Any, ...]) -> None:
    if os.environ.get("AEROSPIKE_SECURITY") == "1":
        pytest.skip("the server named by AEROSPIKE_HOSTS has security on")
    with pytest.raises(ex.SecurityNotSupported) as err:
        getattr(client, method)(*args)
    assert err.value.result_code == 51 and isinstance(err.value, ex.AdminError)
