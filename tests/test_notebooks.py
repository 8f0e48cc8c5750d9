"""Every notebook in notebooks/ runs top to bottom (as polars runs its user-guide snippets), on
the embedded LocalServer or on AEROSPIKE_HOSTS. Outputs are stripped before commit, so a
notebook that only renders is not enough: each cell must execute."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        f"{path.name} was committed with outputs; strip them"
    )
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
