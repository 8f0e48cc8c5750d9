"""TLS and PKI, on both clients, against ``aerospike_py.LocalServer(tls=True)``: commands over
TLS, a TLS cluster discovered from one seed, the certificate checks (an unknown CA, a wrong
tls_name, a missing client certificate) each refused with an error that says which failed, a
plaintext client at a TLS port, ``config["tls"]`` errors found before connecting, and PKI logins
(``AUTH_PKI``: the user is the client certificate's common name).

These need the local server's generated CA and its ``issue_client_cert``, so they are skipped
when ``AEROSPIKE_HOSTS`` points the suite at another server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import aerospike_py as aerospike

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("AEROSPIKE_HOSTS")),
    reason="TLS tests need the local server's generated CA (AEROSPIKE_HOSTS names another server)",
)

SET = "py_tls"
Make = Callable[[dict[str, Any]], Any]


@pytest.fixture(scope="module")
def server() -> Iterator[aerospike.LocalServer]:
    with aerospike.LocalServer(tls=True) as s:
        yield s


@pytest.fixture(scope="module")
def other() -> Iterator[aerospike.LocalServer]:
    """Another TLS server: its CA signed nothing of `server`'s."""
    with aerospike.LocalServer(tls=True) as s:
        yield s


@pytest.fixture(scope="module")
def cluster() -> Iterator[aerospike.LocalServer]:
    with aerospike.LocalServer(tls=True, nodes=3) as s:
        yield s


@pytest.fixture(scope="module")
def pki() -> Iterator[aerospike.LocalServer]:
    """Security on, and mutual TLS: every connection presents a certificate of the server's CA."""
    with aerospike.LocalServer(tls=True, security=True, tls_client_auth=True) as s:
        yield s


def with_tls(config: dict[str, Any], **tls: Any) -> dict[str, Any]:
    return {**config, "timeout": 5000, "tls": {**config["tls"], **tls}}


def query_all(client: Any, ns: str, set_name: str) -> list[Any]:
    if getattr(client, "is_async", False):
        return client._runner.run(client.inner.query(ns, set_name).results())
    return client.query(ns, set_name).results()


def test_the_servers_config_is_tls(server: aerospike.LocalServer) -> None:
    config = server.config
    assert config["tls"] == {"enable": True, "cafile": server.tls_ca_file}
    assert server.tls_name == "aerospike-local"
    assert Path(str(server.tls_ca_file)).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert [h[2] for h in config["hosts"]] == ["aerospike-local"]
    assert aerospike.LocalServer().tls_name is None


def test_commands_run_over_tls(make_client: Make, server: aerospike.LocalServer) -> None:
    client = make_client(with_tls(server.config)).connect()
    keys = [("test", SET, f"k{i}") for i in range(20)]
    for i, key in enumerate(keys):
        client.put(key, {"i": i, "s": f"v{i}"})
    assert client.get(keys[3])[2] == {"i": 3, "s": "v3"}
    batch = client.batch_read(keys)
    assert sorted(bins["i"] for bins in batch.values()) == list(range(20))
    assert sorted(r.bins["i"] for r in query_all(client, "test", SET)) == list(range(20))
    for key in keys:
        client.remove(key)


def test_a_tls_cluster_is_discovered_from_one_seed(make_client: Make, cluster: aerospike.LocalServer) -> None:
    config = with_tls(cluster.config)
    config["hosts"] = config["hosts"][:1]
    client = make_client(config).connect()
    assert len(client.get_node_names()) == 3
    keys = [("test", SET, f"c{i}") for i in range(30)]
    for i, key in enumerate(keys):
        client.put(key, {"i": i})
    assert sum(bins["i"] for bins in client.batch_read(keys).values()) == sum(range(30))
    assert len(query_all(client, "test", SET)) == 30


def test_a_server_certificate_from_an_unknown_ca_is_not_trusted(
    make_client: Make, server: aerospike.LocalServer, other: aerospike.LocalServer
) -> None:
    with pytest.raises(aerospike.ConnectionError, match="certificate is not trusted") as e:
        make_client(with_tls(server.config, cafile=other.tls_ca_file)).connect()
    assert "UnknownIssuer" in str(e.value)


def test_a_wrong_tls_name_is_refused_by_the_name_check(make_client: Make, server: aerospike.LocalServer) -> None:
    config = with_tls(server.config)
    config["hosts"] = [(h, p, "not-the-name.example") for h, p, _ in config["hosts"]]
    with pytest.raises(aerospike.ConnectionError, match="not for the tls_name") as e:
        make_client(config).connect()
    assert "not-the-name.example" in str(e.value)


def test_a_plaintext_client_at_the_tls_port_fails_and_the_server_serves_on(make_client: Make, server: aerospike.LocalServer) -> None:
    plain = {"hosts": [(h, p) for h, p, _ in server.config["hosts"]], "timeout": 3000}
    with pytest.raises(aerospike.ConnectionError, match="serves TLS"):
        make_client(plain).connect()
    client = make_client(with_tls(server.config)).connect()
    client.put(("test", SET, "after"), {"ok": 1})
    assert client.get(("test", SET, "after"))[2] == {"ok": 1}


def test_protocols_and_cipher_suites_choose_what_is_offered(make_client: Make, server: aerospike.LocalServer) -> None:
    # The server's certificate is an ECDSA one: ECDSA suites agree, RSA-only ones cannot.
    for tls in [
        {"protocols": "TLSv1.3"},
        {"protocols": "-all +TLSv1.2 +TLSv1.3", "cipher_suite": "TLS_CHACHA20_POLY1305_SHA256"},
        {"protocols": "TLSv1.2", "cipher_suite": "ECDHE-ECDSA-AES128-GCM-SHA256:!aNULL:!MD5"},
        {"cipher_suite": "HIGH:!aNULL"},
    ]:
        client = make_client(with_tls(server.config, **tls)).connect()
        assert client.is_connected(), tls
    with pytest.raises(aerospike.ConnectionError):
        make_client(with_tls(server.config, protocols="TLSv1.2", cipher_suite="ECDHE-RSA-AES128-GCM-SHA256")).connect()


@pytest.mark.parametrize(
    ("tls", "says"),
    [
        ({"cafile": "/no/such/ca.pem"}, r'config\["tls"\]\["cafile"\] "/no/such/ca.pem": cannot read it'),
        ({"cafile": "NOT_PEM"}, r'\["cafile"\] ".*not-pem.txt" holds no PEM certificate'),
        ({"capath": "/no/such/dir"}, r'\["capath"\] "/no/such/dir": cannot read the directory'),
        ({"certfile": "CA"}, r'\["certfile"\] needs config\["tls"\]\["keyfile"\]'),
        ({"keyfile": "/no/such/key.pem"}, r'\["keyfile"\] needs config\["tls"\]\["certfile"\]'),
        ({"certfile": "CA", "keyfile": "/no/such/key.pem"}, r'\["keyfile"\] "/no/such/key.pem": cannot read it'),
        ({"certfile": "CA", "keyfile": "NOT_PEM"}, r'\["keyfile"\] ".*not-pem.txt" holds no PEM private key'),
        ({"certfile": "CA", "keyfile": "ENCRYPTED"}, r'\["keyfile"\] ".*encrypted.key" is encrypted'),
        ({"keyfile_pw": "secret"}, r'\["keyfile_pw"\]: encrypted private keys are not supported'),
        ({"cert_blacklist": "/etc/blacklist"}, r'\["cert_blacklist"\]: certificate blacklists are not supported'),
        ({"protocols": "TLSv1.1"}, r'\["protocols"\]: TLSv1.1 is not supported'),
        ({"protocols": "-all"}, r'\["protocols"\] "-all" enables no protocol'),
        ({"protocols": "QUIC"}, r'unknown protocol "QUIC"'),
        ({"cipher_suite": "AES256-SHA:RC4"}, r'\["cipher_suite"\] "AES256-SHA:RC4" selects no cipher suite'),
        ({"crl_check": True}, r'\["crl_check"\]: no CRL'),
        ({"log_session_info": True}, r'\["log_session_info"\]'),
        ({"tls_name": "x"}, r'unknown config\["tls"\] key "tls_name"'),
    ],
)
def test_tls_config_errors_name_the_key_and_path_before_connecting(
    server: aerospike.LocalServer, tmp_path: Path, tls: dict[str, Any], says: str
) -> None:
    (tmp_path / "not-pem.txt").write_text("hello\n")
    (tmp_path / "encrypted.key").write_text("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
    files = {"CA": server.tls_ca_file, "NOT_PEM": str(tmp_path / "not-pem.txt"), "ENCRYPTED": str(tmp_path / "encrypted.key")}
    tls = {k: files.get(v, v) if isinstance(v, str) else v for k, v in tls.items()}
    with pytest.raises(aerospike.ParamError, match=says):
        aerospike.client(with_tls(server.config, **tls))


def test_tls_off_ignores_the_rest_and_capath_reads_a_directory(server: aerospike.LocalServer, tmp_path: Path) -> None:
    plain = aerospike.client({"hosts": [("127.0.0.1", 1)], "tls": {"enable": False, "cafile": "/no/such/file"}})
    assert not plain.is_connected()
    (tmp_path / "ca.pem").write_bytes(Path(str(server.tls_ca_file)).read_bytes())
    (tmp_path / "README").write_text("not a certificate\n")
    config = with_tls(server.config, capath=str(tmp_path))
    del config["tls"]["cafile"]
    with aerospike.client(config).connect() as c:
        assert c.is_connected()


def pki_config(server: aerospike.LocalServer, common_name: str | None) -> dict[str, Any]:
    """A config for `server` presenting a certificate for `common_name` (none for None)."""
    config = with_tls(server.config)
    if common_name is not None:
        certfile, keyfile = server.issue_client_cert(common_name)
        config["tls"].update(certfile=certfile, keyfile=keyfile)
    return config


@pytest.fixture
def admin(pki: aerospike.LocalServer) -> Iterator[aerospike.Client]:
    """The admin, over mutual TLS, logged in with its password."""
    config = {**pki_config(pki, "admin"), "user": "admin", "password": "admin"}
    with aerospike.client(config).connect() as c:
        yield c


@pytest.fixture
def pki_user(admin: aerospike.Client) -> Iterator[Callable[[list[str]], str]]:
    """`pki_user(roles)` -> the name of a new PKI user (no password); dropped afterwards."""
    made: list[str] = []

    def make(roles: list[str]) -> str:
        name = f"pki{uuid.uuid4().hex[:8]}"
        admin.admin_create_pki_user(name, roles)
        made.append(name)
        return name

    yield make
    for name in made:
        admin.admin_drop_user(name)


def test_a_pki_login_is_the_certificates_common_name(
    make_client: Make, pki: aerospike.LocalServer, pki_user: Callable[[list[str]], str], admin: aerospike.Client
) -> None:
    writer = pki_user(["read-write"])
    config = {**pki_config(pki, writer), "auth_mode": aerospike.AUTH_PKI}
    client = make_client(config).connect()
    key = ("test", SET, writer)
    client.put(key, {"by": writer})
    assert client.get(key)[2] == {"by": writer}
    info = admin.admin_query_user_info(writer)
    assert info["roles"] == ["read-write"] and info["conns_in_use"] >= 1, "the connections are the certificate's user's"
    client.remove(key)


def test_a_pki_user_can_do_what_its_roles_allow(make_client: Make, pki: aerospike.LocalServer, pki_user: Callable[[list[str]], str], admin: aerospike.Client) -> None:
    key = ("test", SET, "readable")
    admin_rw = pki_user(["read-write"])
    with aerospike.client({**pki_config(pki, admin_rw), "auth_mode": aerospike.AUTH_PKI}).connect() as rw:
        rw.put(key, {"n": 1})
    reader = pki_user(["read"])
    client = make_client({**pki_config(pki, reader), "auth_mode": aerospike.AUTH_PKI}).connect()
    assert client.get(key)[2] == {"n": 1}
    with pytest.raises(aerospike.RoleViolation):
        client.put(key, {"n": 2})


def test_without_a_client_certificate_the_server_refuses(make_client: Make, pki: aerospike.LocalServer) -> None:
    config = {**pki_config(pki, None), "auth_mode": aerospike.AUTH_PKI}
    with pytest.raises(aerospike.ConnectionError, match="requires a client certificate"):
        make_client(config).connect()


def test_a_client_certificate_from_another_ca_is_refused(make_client: Make, pki: aerospike.LocalServer, other: aerospike.LocalServer) -> None:
    certfile, keyfile = other.issue_client_cert("admin")
    config = {**with_tls(pki.config, certfile=certfile, keyfile=keyfile), "auth_mode": aerospike.AUTH_PKI}
    with pytest.raises(aerospike.ConnectionError, match="refused this client's certificate"):
        make_client(config).connect()


def test_a_certificate_for_no_user_logs_in_as_nobody(make_client: Make, pki: aerospike.LocalServer) -> None:
    config = {**pki_config(pki, f"nobody{uuid.uuid4().hex[:6]}"), "auth_mode": aerospike.AUTH_PKI}
    with pytest.raises(aerospike.AerospikeError, match=r"(?i)invalid user|InvalidUser|60"):
        make_client(config).connect()


def test_a_pki_user_has_no_password(pki: aerospike.LocalServer, pki_user: Callable[[list[str]], str]) -> None:
    name = pki_user(["read"])
    config = {**pki_config(pki, name), "user": name, "password": "nopassword"}
    with pytest.raises(aerospike.AerospikeError, match=r"(?i)invalid credential|InvalidCredential|65"):
        aerospike.client(config).connect()


def test_the_official_client_connects_over_tls(server: aerospike.LocalServer) -> None:
    official = pytest.importorskip("aerospike")
    config = {"hosts": server.config["hosts"], "tls": {"enable": True, "cafile": server.tls_ca_file}, "policies": {"timeout": 5000}}
    client = official.client(config).connect()
    try:
        key = ("test", SET, "official")
        client.put(key, {"via": "official"})
        assert client.get(key)[2] == {"via": "official"}
        client.remove(key)
    finally:
        client.close()
