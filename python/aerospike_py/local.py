"""``aerospike-local`` (and ``python -m aerospike_py.local``): the local server on the command line.

The console script installed with the package, so a ``pip install`` needs no Rust toolchain to
run a server: it runs the same server as ``LocalServer`` (``crates/local-server``, the one its
``aerospike-local`` Rust binary runs too) until Ctrl-C or SIGTERM, then stops it and exits 0.
Its flags are the Rust binary's::

    aerospike-local --port 3000 --nodes 3 --namespace test --namespace bar
    aerospike-local --security --session-ttl 600
    aerospike-local --tls --tls-name my-node --tls-client-auth --tls-client-cert app-user

>>> parse_args(["--port", "0", "--nodes", "3", "-n", "test", "-n", "bar"]).namespace
['test', 'bar']
>>> parse_args(["--tls-name", "x"])
Traceback (most recent call last):
SystemExit: 2
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence

from ._native import LocalServer

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aerospike-local",
        description="Run aerospike-py's Aerospike-compatible local server until Ctrl-C or SIGTERM.",
        epilog="With --nodes N the server is a cluster of N nodes on ports P..P+N-1 (free ports with "
        "--port 0), each owning its share of the partitions. With --security it enforces access "
        "control as Aerospike Enterprise does, starting with the user admin, password admin. With "
        "--tls every port serves TLS with a CA made at start; the CA file to trust is printed.",
    )
    parser.add_argument("-p", "--port", type=int, default=3000, help="first node's port; 0 picks free ports (default 3000)")
    parser.add_argument("--nodes", type=_positive, default=1, help="number of nodes (default 1)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("-n", "--namespace", action="append", metavar="NAME", help="a namespace; repeat for more (default: test)")
    parser.add_argument("--cluster-name", metavar="NAME", help="the cluster name clients must give")
    parser.add_argument("--security", action="store_true", help="enforce users, roles and privileges (Enterprise behaviour)")
    parser.add_argument("--session-ttl", type=_positive, default=86_400, metavar="SECONDS", help="login session lifetime (default 86400)")
    parser.add_argument("--tls", action="store_true", help="serve TLS on every port")
    parser.add_argument("--tls-name", metavar="NAME", help="the name in the server certificate (default aerospike-local)")
    parser.add_argument("--tls-client-auth", action="store_true", help="require client certificates signed by the server's CA")
    parser.add_argument("--tls-client-cert", action="append", default=[], metavar="COMMON_NAME", help="issue a client certificate for COMMON_NAME; repeatable")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line as parsed options; exits 2 with the usage on a mistake."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.tls and (args.tls_name is not None or args.tls_client_auth or args.tls_client_cert):
        parser.error("--tls-name, --tls-client-auth and --tls-client-cert need --tls")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the server until Ctrl-C or SIGTERM; returns the exit status."""
    args = parse_args(argv)
    # Block the stop signals before the server starts its threads (they inherit the mask), so
    # that the signal reaches only the sigwait below and never kills a worker mid-request.
    can_wait = hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait")
    if can_wait:
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    server = LocalServer(
        port=args.port,
        host=args.host,
        namespaces=args.namespace,
        cluster_name=args.cluster_name,
        nodes=args.nodes,
        security=args.security,
        session_ttl=args.session_ttl,
        tls=args.tls,
        tls_name=args.tls_name,
        tls_client_auth=args.tls_client_auth,
    )
    try:
        server.start()
    except Exception as e:  # the reason (port in use, ...) without a traceback
        print(f"aerospike-local: cannot start: {e}", file=sys.stderr)
        return 1
    try:
        print("aerospike-local listening on " + ", ".join(f"{args.host}:{port}" for port in server.ports), flush=True)
        if args.tls:
            print(f"TLS: tls-name {server.tls_name}, CA file {server.tls_ca_file}", flush=True)
            for cn in args.tls_client_cert:
                cert, key = server.issue_client_cert(cn)
                print(f"client certificate for {cn}: {cert} (key {key})", flush=True)
        if can_wait:
            signal.sigwait(_STOP_SIGNALS)
        else:  # Windows: Ctrl-C raises KeyboardInterrupt in the main thread
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
