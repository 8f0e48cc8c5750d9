"""Draws a batch-read result JSON (from benches/batch_read.py) as a PNG beside it."""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SCENARIOS = ("numpy", "frame", "dicts")
CLIENTS = ("ours", "peer", "official")


def main(path: Path) -> None:
    results = json.loads(path.read_text())
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.25
    for i, client in enumerate(CLIENTS):
        medians = [results["runs"].get(f"{client}/{s}", {}).get("median", 0) for s in SCENARIOS]
        ax.bar([x + i * width for x in range(len(SCENARIOS))], medians, width, label=client)
    floor = results["runs"].get("floor/columns", {}).get("median")
    if floor:
        ax.axhline(floor, color="black", linestyle="--", label="Rust crate alone")
    ax.set_xticks([x + width for x in range(len(SCENARIOS))], SCENARIOS)
    ax.set_ylabel("seconds (median; lower is better)")
    ax.set_title(f"batch read of {results['n']:,} records ({results['server']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path.with_suffix(".png"), dpi=100)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
