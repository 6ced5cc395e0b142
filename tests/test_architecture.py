"""The package's shape: imports flow one way through the layers, with no cycle.

Read from the source (every ``import`` / ``from ... import`` of a ``padnet`` module, at module level
and inside functions), so the check sees what a newcomer reading the code sees.  A module may import
from its own layer or a lower one; inside a layer, the module graph must be acyclic.

Imports of the package's own modules inside functions are allowed only where they defer an optional or
heavy dependency (:data:`ALLOWED_LOCAL_IMPORTS`: the command line defers the experiments, which ``padnet
deblur`` does not need).  External optional
dependencies imported inside functions (bm3d, scikit-learn, matplotlib, pooch, skimage's sample data)
are not the package's own modules and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "padnet"

#: lowest first; a module may import from its own layer and any layer before it
LAYERS: list[tuple[str, ...]] = [
    ("padnet.checks", "padnet.runtime"),
    ("padnet.io", "padnet.metrics"),
    ("padnet.physics",),
    ("padnet.data", "padnet.provenance"),
    ("padnet.optim",),
    ("padnet.nets",),
    ("padnet.tasks",),
    ("padnet.learn",),
    ("padnet.baselines",),
    ("padnet.pipelines",),
    ("padnet.experiments",),
    ("padnet.cli",),
]

#: (importing module, imported module) pairs allowed inside a function (deferred heavy dependencies)
ALLOWED_LOCAL_IMPORTS: set[tuple[str, str]] = {
    ("padnet.cli", "padnet.experiments.reproduce"),  # scikit-image's metrics and SciPy's ndimage: 0.2 s of start-up
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in layer):
            return i
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def imports(path: Path) -> list[tuple[str, bool, int]]:
    """``(imported padnet module, inside a function?, line)`` for every import in ``path``."""
    tree = ast.parse(path.read_text())
    found = []

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, in_function, child.lineno) for a in child.names if a.name.startswith("padnet"))
            elif isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("padnet"):
                for a in child.names:  # `from padnet.x import y` may name a submodule y
                    sub = f"{child.module}.{a.name}"
                    target = sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists() or \
                        (PACKAGE.parent / sub.replace(".", "/")).is_dir() else child.module
                    found.append((target, in_function, child.lineno))
            visit(child, inner)

    visit(tree, False)
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in SOURCES:
        edges.setdefault(module_name(path), set()).update(m for m, _, _ in imports(path))
    return edges


def test_every_module_has_a_layer():
    for path in SOURCES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_imports_flow_down_the_layers(path):
    me = module_name(path)
    for target, _, line in imports(path):
        if target == "padnet":
            continue
        assert layer_of(target) <= layer_of(me), f"{me}:{line} imports {target} from a higher layer"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_no_package_imports_inside_functions(path):
    me = module_name(path)
    local = [(t, line) for t, inside, line in imports(path) if inside and (me, t) not in ALLOWED_LOCAL_IMPORTS]
    assert not local, f"{me} imports package modules inside functions: {local}"


def test_the_import_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:  # a package (folder) import: its __init__
                continue
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*stack[stack.index(nxt):], nxt]))
            if nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])


def test_the_checker_sees_a_violation(tmp_path):
    """The checker itself can fail: a lower-layer module importing a higher one is reported."""
    fake = PACKAGE / "physics" / "operators.py"
    source = fake.read_text() + "\n\ndef _sneaky():\n    from padnet.learn.store import load_model\n"
    probe = tmp_path / "probe.py"
    probe.write_text(source)
    found = imports(probe)
    assert ("padnet.learn.store", True, source.count("\n")) in found
    assert layer_of("padnet.learn.store") > layer_of(module_name(fake))
