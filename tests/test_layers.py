"""functrans's imports follow the pipeline that docs/architecture.md draws:
every module imports only modules of its own layer or of the layers below,
no modules import each other in a circle, and at most `MAX_LAZY_IMPORTS`
imports of functrans modules run inside functions, each with a comment on
its line or the line above saying why. The source is read with `ast`;
nothing is imported."""
import ast
import io
import re
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "functrans"
DOC = PACKAGE.parent / "docs" / "architecture.md"

# The layers, lowest first, by path under functrans/ (a folder ends in "/").
# A module may import its own layer and every layer below it, never one above.
LAYERS = (
    ("foundation", ("errors.py", "dtypes.py", "config.py", "arrays.py", "tree_util.py", "precision.py")),
    ("ir", ("ir.py",)),
    ("core", ("core.py", "graph.py")),
    ("transforms", ("transforms/",)),
    ("backend", ("backend/",)),
    ("ops", ("ops/",)),
    ("numpy", ("numpy/",)),
    ("api", ("api/",)),
    ("libraries", ("lax.py", "nn.py", "debug_nans.py", "test_util.py", "example_libraries/")),
    ("scipy", ("scipy/",)),
    ("package", ("__init__.py",)),
)
MAX_LAZY_IMPORTS = 3     # numba is loaded only when a kernel is built (docs/architecture.md)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    path = MODULES[module].relative_to(PACKAGE).as_posix()
    key = path.split("/")[0] + "/" if "/" in path else path
    for rank, (_, places) in enumerate(LAYERS):
        if key in places:
            return rank
    raise AssertionError(f"{path} is in no layer: add it to LAYERS here and to docs/architecture.md")


def imported_modules(module: str, node) -> list:
    """The functrans modules an import statement names (the most specific
    one: `from .ops import shaping` names functrans.ops.shaping)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            package = module.split(".")
            if MODULES[module].name != "__init__.py":
                package = package[:-1]
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    found = []
    for name in names:
        while name and name not in MODULES:     # `import functrans.numpy.linalg as la` and the like
            name = name.rpartition(".")[0]
        if name and name.split(".")[0] == "functrans":
            found.append(name)
    return found


def _is_dynamic_import(node) -> bool:
    """importlib.import_module(...) or __import__(...)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name in ("import_module", "__import__")


def scan(module: str):
    """(modules imported at module level, [(line, what) of imports inside functions])."""
    tree = ast.parse(MODULES[module].read_text())
    top, lazy = set(), []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                targets = set(imported_modules(module, child)) - {module}
                if targets and inside:
                    lazy.append((child.lineno, ", ".join(sorted(targets))))
                elif not inside:
                    top.update(targets)
            elif inside and _is_dynamic_import(child):
                lazy.append((child.lineno, ast.unparse(child)))
            visit(child, inside)
    visit(tree, False)
    return top, lazy


SCANS = {module: scan(module) for module in MODULES}
GRAPH = {module: imports for module, (imports, _) in SCANS.items()}


def cycles(graph) -> list:
    """Every strongly connected component of more than one module, each as a
    list of modules (Tarjan's algorithm, iteratively)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer_of(module)


def test_no_import_runs_up_the_layers():
    upward = [f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
              for module, imports in GRAPH.items() for target in sorted(imports)
              if layer_of(target) > layer_of(module)]
    assert not upward, "imports that run up the layers of docs/architecture.md:\n" + "\n".join(upward)


def test_no_modules_import_each_other_in_a_circle():
    found = cycles(GRAPH)
    assert not found, "import cycles (move what both sides need into a module below them):\n" + "\n".join(
        " <-> ".join(c) for c in found)


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def _commented_lines(path: Path) -> set:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return {tok.start[0] for tok in tokens if tok.type == tokenize.COMMENT}


def test_few_imports_run_inside_functions_and_each_says_why():
    lazy = [(module, line, what) for module, (_, imports) in SCANS.items() for line, what in imports]
    listed = "\n".join(f"{MODULES[m].relative_to(PACKAGE.parent)}:{line} {what}" for m, line, what in lazy)
    assert len(lazy) <= MAX_LAZY_IMPORTS, (
        f"{len(lazy)} imports of functrans modules inside functions (at most {MAX_LAZY_IMPORTS}); import at the "
        f"top of the module, moving shared code down a layer if a cycle is in the way:\n{listed}")
    for module, line, what in lazy:
        comments = _commented_lines(MODULES[module])
        assert line in comments or line - 1 in comments, (
            f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {what} inside a function with no "
            "comment on that line or the line above saying why")


def test_the_layers_here_are_the_layers_of_the_architecture_document():
    rows = re.findall(r"^\| *\d+ *\| *(\w+) *\| *([^|]*?) *\|", DOC.read_text(), re.MULTILINE)
    documented = [(name, tuple(re.findall(r"`functrans/([^`]*)`", places))) for name, places in rows]
    assert documented[::-1] == [(name, places) for name, places in LAYERS], (
        "docs/architecture.md's table of layers (top layer first) differs from LAYERS")


def test_no_module_is_longer_than_500_lines():
    long = {str(path.relative_to(PACKAGE.parent)): n for path in MODULES.values()
            if (n := len(path.read_text().splitlines())) > 500}
    assert not long, f"modules over 500 lines (STYLE.md: split them): {long}"
