"""A griffe extension for the API reference: griffe reads `aerospike_py._native` statically from
its stub (`_native.pyi`, for the types), but the docstrings of the compiled module live in the
Rust source and exist only at run time. This fills each stub object's missing docstring from the
imported module, and fences doctest examples (`>>>` runs) as `pycon` code so Markdown does not
read them as quotes.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import griffe


def _fence_doctests(text: str) -> str:
    out: list[str] = []
    in_example = False
    for line in text.split("\n"):
        starts = line.lstrip().startswith(">>>")
        if starts and not in_example:
            out.append("```pycon")
            in_example = True
        elif in_example and not line.strip():
            out.append("```")
            in_example = False
        out.append(line)
    if in_example:
        out.append("```")
    return "\n".join(out)


def _runtime_doc(path: str) -> str | None:
    module_name, _, rest = path.partition("._native")
    obj: Any = importlib.import_module(module_name + "._native")
    for part in rest.strip(".").split(".") if rest else []:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return inspect.getdoc(obj)


class NativeDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **_kwargs: Any) -> None:
        if obj.docstring is None and "._native" in obj.path:
            doc = _runtime_doc(obj.path)
            if doc:
                obj.docstring = griffe.Docstring(doc, parent=obj)
        if obj.docstring is not None and ">>>" in obj.docstring.value and "```" not in obj.docstring.value:
            obj.docstring.value = _fence_doctests(obj.docstring.value)
