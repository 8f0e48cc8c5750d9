"""The documentation site runs: every Python block on every page is a section of a snippet file
in docs/snippets/ (included with pymdownx.snippets, so the English and Korean pages show the same
code), each snippet file runs as a whole program against the local server and prints exactly what
its ``print(...)  # expected`` comments say, the Korean pages include the same code as the
English ones, and `mkdocs build --strict` passes (it executes the notebooks and renders the API
reference and the generated error and benchmark tables).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from runnable_blocks import PRINT_WITH_EXPECTED, run_and_check

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SNIPPETS = DOCS / "snippets"
PAGES = sorted(p for p in DOCS.rglob("*.md") if SNIPPETS not in p.parents)
SNIPPET_FILES = sorted(SNIPPETS.glob("*.py"))
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", flags=re.M | re.S)
INCLUDE = re.compile(r'^--8<-- "([^"]+)"$')


def fences(page: Path) -> list[tuple[str, str]]:
    return FENCE.findall(page.read_text())


def includes(page: Path) -> list[str]:
    return [INCLUDE.match(line.strip()).group(1) for lang, body in fences(page) if lang == "python" for line in body.strip().splitlines()]  # type: ignore[union-attr]


def test_every_python_block_is_a_runnable_snippet() -> None:
    used: set[str] = set()
    for page in PAGES:
        for lang, body in fences(page):
            assert lang in {"python", "sh"}, f"{page.name}: a {lang or 'plain'} block cannot be run; use python or sh"
            if lang != "python":
                continue
            lines = body.strip().splitlines()
            assert len(lines) == 1 and INCLUDE.match(lines[0].strip()), (
                f"{page.relative_to(DOCS)}: inline code must live in docs/snippets/ so it runs: {body[:80]!r}"
            )
        for ref in includes(page):
            file, _, section = ref.partition(":")
            text = (SNIPPETS / file).read_text()
            assert f"# --8<-- [start:{section}]" in text and f"# --8<-- [end:{section}]" in text, f"{page.name}: {ref}"
            used.add(file)
    assert used == {p.name for p in SNIPPET_FILES}, "every snippet file is shown on some page"


def test_sh_blocks_name_real_extras() -> None:
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    for page in PAGES:
        for lang, body in fences(page):
            for named in re.findall(r"--extras (\S+)", body) if lang == "sh" else []:
                assert set(named.split(",")) <= extras, f"{page.name}: {named}"


@pytest.mark.parametrize("page", [p for p in PAGES if p.name.endswith(".ko.md")], ids=lambda p: str(p.relative_to(DOCS)))
def test_korean_pages_show_the_same_code(page: Path) -> None:
    english = page.with_name(page.name.replace(".ko.md", ".md"))
    assert includes(page) == includes(english)


def test_guides_exist_in_korean() -> None:
    translated = {"getting-started.md", "columnar.md"} | {p.name for p in (DOCS / "guide").glob("*.md") if not p.name.endswith(".ko.md")}
    for name in translated:
        page = next(p for p in PAGES if p.name == name)
        assert page.with_name(name.replace(".md", ".ko.md")).exists(), name


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda p: p.stem)
def test_snippet_runs_and_prints_what_the_page_shows(snippet: Path, tmp_path: Path) -> None:
    code = snippet.read_text()
    prints = [line for line in code.splitlines() if line.strip().startswith("print(")]
    assert all(PRINT_WITH_EXPECTED.match(line) for line in prints), "every print shows its output in a comment"
    run_and_check(snippet, cwd=tmp_path, exact=True)


def test_every_exception_has_a_remedy_on_the_errors_page() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import docs_hooks
    finally:
        sys.path.pop(0)
    from aerospike_py import exception

    rows = {row["name"]: row for row in docs_hooks.exception_rows()}
    public = {n for n in exception.__all__ if getattr(exception, n).__name__ == n}
    assert public <= set(rows)
    native = re.search(r"python_exceptions!\((.*?)\);", (ROOT / "src" / "errors.rs").read_text(), flags=re.S)
    assert native is not None
    raised = set(re.findall(r"\b([A-Z]\w+)\b", re.sub(r"//[^\n]*", "", native.group(1))))
    assert raised <= set(rows), "every class the native module raises is on the errors page"
    assert all(row["advice"] and row["meaning"] for row in rows.values())
    assert "admin_set_quotas" in rows["QuotaExceeded"]["advice"]  # the hint src/errors.rs appends


@pytest.mark.slow
def test_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    for name in ("ml_features", "query_stream", "pandas_round_trip", "batch_to_frames", "latency_histogram", "polars_lazy_scan"):
        assert "jp-OutputArea-output" in (site / "notebooks" / name / "index.html").read_text(), f"{name} was not executed"
    assert "QuotaExceeded" in (site / "errors" / "index.html").read_text()
    assert "Connects to the cluster" in (site / "reference" / "index.html").read_text()  # a docstring of the compiled module
    assert (site / "ko" / "guide" / "crud" / "index.html").exists()
    for page in site.rglob("*.html"):
        external = re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="(https?://[^"]+)"', page.read_text())
        assert not [u for u in external if "stylesheet" in u or u.endswith((".js", ".css", ".woff2"))], f"{page}: {external}"
