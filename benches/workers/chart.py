"""Draws a result JSON of benches/batch_read.py, scan.py, ops.py or dask_read.py as a PNG beside it: the median
time of each client in each scenario (the floor as a line), and each run's peak RSS. A result
with "units" (ops.py) gets a panel per scenario instead, each run's "value" in its unit, the
floor a bar among the clients."""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CLIENTS = ("ours", "peer", "official")


def per_scenario(results: dict, title: str, path: Path) -> None:
    """A panel per scenario (its own unit: µs per command, commands per second), then peak RSS."""
    runs, units = results["runs"], results["units"]
    scenarios = list(dict.fromkeys(name.split("/")[1] for name in runs))
    fig, axes = plt.subplots(1, len(scenarios) + 1, figsize=(3 * len(scenarios) + 5, 4))
    for ax, scenario in zip(axes, scenarios):
        measured = [(name.split("/")[0], r["value"]) for name, r in runs.items() if name.endswith(f"/{scenario}") and "value" in r]
        ax.bar([c for c, _ in measured], [v for _, v in measured], color=["C0" if c == "ours" else "grey" for c, _ in measured])
        better = "lower" if units[scenario].startswith("µs") else "higher"
        ax.set_title(scenario)
        ax.set_ylabel(f"{units[scenario]} (median; {better} is better)")
        ax.tick_params(axis="x", labelrotation=45)
    rss = axes[-1]
    measured = [(name, r["peak_rss_mib"]) for name, r in runs.items() if "peak_rss_mib" in r]
    rss.barh([name for name, _ in measured], [mib for _, mib in measured], color="grey")
    rss.invert_yaxis()
    rss.set_xlabel("peak RSS, MiB")
    fig.suptitle(f"{title}, {results['n']:,} records ({results['server']})")
    fig.tight_layout()
    fig.savefig(path.with_suffix(".png"), dpi=100)


def main(path: Path) -> None:
    results = json.loads(path.read_text())
    runs = results["runs"]
    if "units" in results:
        per_scenario(results, path.stem.rsplit("-", 2)[0].replace("_", " "), path)
        return
    # The scenarios in the order they ran, e.g. numpy, frame, dicts; the floor's is not one.
    scenarios = list(dict.fromkeys(name.split("/")[1] for name in runs if not name.startswith("floor/")))
    title = path.stem.rsplit("-", 2)[0].replace("_", " ")  # batch_read-20260101-120000 -> batch read
    fig, (ax, rss) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [3, 2]})
    # The clients that ran, then any other runner a benchmark has (dask_read.py: dask1, dask2, ...).
    ran = list(dict.fromkeys(name.split("/")[0] for name in runs))
    clients = [c for c in CLIENTS if c in ran] + [c for c in ran if c not in CLIENTS and c != "floor"]
    width = 0.75 / len(clients)
    for i, client in enumerate(clients):
        medians = [runs.get(f"{client}/{s}", {}).get("median", 0) for s in scenarios]
        ax.bar([x + i * width for x in range(len(scenarios))], medians, width, label=client)
    floor = runs.get("floor/columns", {}).get("median")
    if floor:
        ax.axhline(floor, color="black", linestyle="--", label="Rust crate alone")
    ax.set_xticks([x + width * (len(clients) - 1) / 2 for x in range(len(scenarios))], scenarios)
    ax.set_ylabel("seconds (median; lower is better)")
    ax.set_title(f"{title} of {results['n']:,} records ({results['server']})")
    ax.legend()
    measured = [(name, r["peak_rss_mib"]) for name, r in runs.items() if "peak_rss_mib" in r]
    rss.barh([name for name, _ in measured], [mib for _, mib in measured], color="grey")
    rss.invert_yaxis()
    rss.set_xlabel("peak RSS, MiB (lower is better)")
    rss.set_title("memory of each run's process")
    fig.tight_layout()
    fig.savefig(path.with_suffix(".png"), dpi=100)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
