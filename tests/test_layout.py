"""The code's layering, read from its import statements: `vae` imports (and its CLI runs) without streamlit and
never reaches up into ui/ or views/; nothing in the app imports the test harnesses; no import circles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("vae", "ui", "views", "harness")


def module_name(path: Path) -> str:
    """ui/parts/runs.py -> ui.parts.runs; vae/__init__.py -> vae (path relative to the checkout)."""
    parts = list(path.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_files(root: Path = ROOT, packages=PACKAGES) -> dict[str, Path]:
    """{module name: file} of the packages' modules, and app.py when there is one."""
    files = {module_name(p.relative_to(root)): p
             for package in packages for p in sorted((root / package).rglob("*.py"))}
    if (root / "app.py").is_file():
        files["app"] = root / "app.py"
    return files


def _outside_functions(tree: ast.AST):
    """The nodes of a module not inside a function body: what runs, or a type checker reads, at import. A
    deferred import inside a function is how a module stays light to import; it is not counted."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node)
                     if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))


def imported(name: str, path: Path, known) -> set[str]:
    """The modules among `known` that module `name` imports at module level, TYPE_CHECKING blocks included
    (`from a.b import c` counts a.b.c when that is a module, else a.b)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _outside_functions(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y, from .. import z
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:  # a submodule when there is one (its package's __init__ runs either way)
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != name}


def import_graph(root: Path = ROOT, packages=PACKAGES) -> dict[str, set[str]]:
    files = module_files(root, packages)
    return {name: imported(name, path, files) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while not group or group[-1] != v:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert cycles(import_graph()) == []


def test_the_circle_finder_sees_a_type_checking_circle(tmp_path):
    """The shape of the circle ui.parts.run_charts <-> ui.parts.runs had: one import only for the type checker."""
    (tmp_path / "ui" / "parts").mkdir(parents=True)
    for package in ("ui", "ui/parts"):
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "ui" / "parts" / "runs.py").write_text("from ui.parts.run_charts import loss_figure\n")
    (tmp_path / "ui" / "parts" / "run_charts.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ui.parts.runs import RunFacts\n")
    (tmp_path / "ui" / "parts" / "later.py").write_text("def f():\n    from . import runs\n")  # deferred: not counted
    graph = import_graph(tmp_path, ("ui",))
    assert graph["ui.parts.later"] == set()
    assert cycles(graph) == [["ui.parts.run_charts", "ui.parts.runs"]]


def test_vae_reaches_neither_streamlit_nor_the_app():
    graph, files = import_graph(), module_files()
    for name in (n for n in graph if n.split(".")[0] == "vae"):
        text = files[name].read_text(encoding="utf-8")
        assert "import streamlit" not in text and "from streamlit" not in text, name
        assert not {m for m in graph[name] if m.split(".")[0] in ("ui", "views", "harness", "app")}, name


def test_nothing_in_the_app_imports_the_harnesses():
    graph = import_graph()
    for name, targets in graph.items():
        if name.split(".")[0] != "harness":
            assert not {m for m in targets if m.split(".")[0] == "harness"}, name


WITHOUT_STREAMLIT = """
import importlib, runpy, sys

class NoStreamlit:
    def find_spec(self, name, path=None, target=None):
        if name == "streamlit" or name.startswith("streamlit."):
            raise ImportError("streamlit is not installed")

sys.meta_path.insert(0, NoStreamlit())
import vae
for name in {modules!r}:
    importlib.import_module(name)
sys.argv = ["vae", "--help"]
try:
    runpy.run_module("vae", run_name="__main__")
except SystemExit as done:
    assert done.code in (0, None), done.code
assert not any(m == "streamlit" or m.startswith("streamlit.") for m in sys.modules)
print("ok", len({modules!r}))
"""


def test_vae_and_its_cli_work_without_streamlit():
    modules = sorted(n for n in module_files() if n.split(".")[0] == "vae" and n != "vae.__main__")
    assert len(modules) > 40 and "vae.precompute.store" in modules
    result = subprocess.run([sys.executable, "-c", WITHOUT_STREAMLIT.format(modules=modules)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[-1] == f"ok {len(modules)}"
    assert "usage:" in result.stdout  # the CLI's help printed


def test_the_blocker_really_blocks_streamlit():
    """The subprocess above would pass vacuously if its finder let streamlit through."""
    probe = WITHOUT_STREAMLIT.split("import vae")[0] + "import streamlit\n"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "streamlit is not installed" in result.stderr



RE_EXPORTS = """
import importlib, sys
import vae
assert "torch" not in sys.modules, "import vae loaded PyTorch"
for name, home in vae._LOADED_ON_USE.items():
    assert getattr(vae, name) is getattr(importlib.import_module(home), name), name
    assert name in vae.__all__ and name in dir(vae)
from vae import load_model, VAE, VQVAE, build_model, ModelConfig, TrainConfig, load_dataset, train
from vae import families  # a submodule, not a re-export: still imported as one
assert families is sys.modules["vae.families"]
print("ok")
"""


def test_import_vae_is_cheap_and_its_re_exports_are_the_real_names():
    result = subprocess.run([sys.executable, "-c", RE_EXPORTS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]
