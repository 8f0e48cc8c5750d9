"""Quick start: put, get, operate and a few keys against the embedded local server.

Set AEROSPIKE_HOSTS=host:port to run it against a real Aerospike server instead.
"""

import os

import aerospike_py as aerospike


def run(config: dict) -> None:
    with aerospike.client(config).connect() as client:
        print("connected to", client.get_node_names())
        keys = [("test", "quickstart", f"user{i}") for i in range(3)]
        for i, key in enumerate(keys):
            client.put(key, {"name": f"user {i}", "visits": i, "scores": [i, i * 1.5]})

        key, meta, bins = client.get(keys[0])
        print("get:", key.user_key, f"gen={meta.gen}", bins)

        _, _, bins = client.operate(
            keys[1],
            [
                {"op": aerospike.OPERATOR_INCR, "bin": "visits", "val": 10},
                {"op": aerospike.OPERATOR_READ, "bin": "visits"},
            ],
        )
        print("operate:", bins)

        # A batch read lands in Arrow columns; as a DataFrame with the `polars` extra
        # (scripts/quickstart.sh installs them all), or the ImportError says what to install.
        batch = client.batch_read(keys, bins=["name", "visits"])
        try:
            print(batch.to_polars())
        except ImportError as e:
            print("no DataFrame:", e)

        for key in keys:
            print("exists:", key[2], client.exists(key).meta is not None)
            client.remove(key)
        print("removed; exists now:", client.exists(keys[0]).meta)


if __name__ == "__main__":
    hosts = os.environ.get("AEROSPIKE_HOSTS")
    if hosts:
        run({"hosts": [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in hosts.split(",")]})
    else:
        with aerospike.LocalServer() as server:
            print("local server on port", server.port)
            run(server.config)
