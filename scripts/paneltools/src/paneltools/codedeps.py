"""The modules of our own packages that a rule script imports, so that editing one
reruns the rule.

Snakemake's code trigger hashes only the rule script itself; the logic lives in the
packages under scripts/, whose modules must therefore be declared as inputs. A
module counts when it is imported, directly or through another of our modules, with
its parent packages' __init__.py (Python runs those too). A bare package import
(`import panelsem`, or `from panelsem import name` for a name that is not a
submodule) counts as the whole package: its names are loaded lazily.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path


class SourceRoots:
    """Where the packages' sources live: <root>/<package>/..., one root per project."""

    def __init__(self, roots):
        self.packages = {}
        for root in map(Path, roots):
            for init in sorted(root.glob("*/__init__.py")):
                self.packages[init.parent.name] = init.parent

    def module_file(self, dotted: str) -> Path | None:
        top, *rest = dotted.split(".")
        if top not in self.packages:
            return None
        path = self.packages[top].joinpath(*rest)
        if (path / "__init__.py").is_file():
            return path / "__init__.py"
        if path.with_suffix(".py").is_file():
            return path.with_suffix(".py")
        return None

    def with_parents(self, dotted: str) -> list[Path]:
        parts = dotted.split(".")
        files = [self.module_file(".".join(parts[:i])) for i in range(1, len(parts) + 1)]
        return [f for f in files if f is not None]

    def package_of(self, file: Path) -> str:
        for name, folder in self.packages.items():
            if folder in file.parents or file.parent == folder:
                rel = file.relative_to(folder.parent).with_suffix("")
                parts = list(rel.parts)
                return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        return ""


def _resolve(module: str | None, level: int, package: str, is_init: bool) -> str:
    """The absolute module of a `from ... import` (relative imports resolved)."""
    if not level:
        return module or ""
    parts = package.split(".") if package else []
    # In a package's __init__, "." is the package itself; elsewhere its parent.
    keep = len(parts) - level + (1 if is_init else 0)
    return ".".join(parts[:max(keep, 0)] + ([module] if module else []))


@lru_cache(maxsize=None)
def _import_nodes(path: str, mtime_ns: int) -> tuple:
    """(module, level, names) of every import statement of a file; cached by content
    age, since every parse of the workflow asks again for the same files."""
    found = []
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module, node.level, tuple(alias.name for alias in node.names)))
    return tuple(found)


def dependencies(path: Path, sources: SourceRoots) -> set[Path]:
    """Our modules that the module at `path` imports (one level)."""
    package, is_init = sources.package_of(path), path.name == "__init__.py"
    out: set[Path] = set()

    def whole(dotted: str) -> None:
        folder = sources.packages.get(dotted)
        if folder is not None and _lazy(folder):
            out.update(folder.rglob("*.py"))

    for module, level, names in _import_nodes(str(path), path.stat().st_mtime_ns):
        if level is None:  # import a.b.c
            out.update(sources.with_parents(module))
            whole(module)
            continue
        base = _resolve(module, level, package, is_init)
        out.update(sources.with_parents(base))
        for name in names:
            sub = f"{base}.{name}"
            if sources.module_file(sub) is not None:
                out.update(sources.with_parents(sub))
            else:
                whole(base)  # a name handed out lazily: it may live anywhere in the package
    return out


def local_imports(script: str | Path, roots) -> list[str]:
    """Paths of our packages' modules that `script` imports, directly or indirectly."""
    sources = SourceRoots(roots)
    script = Path(script)
    seen: set[Path] = set()
    pending = [script]
    while pending:
        for file in dependencies(pending.pop(), sources):
            if file not in seen and file != script:
                seen.add(file)
                pending.append(file)
    return sorted(str(p) for p in seen)


@lru_cache(maxsize=None)
def _lazy(package_dir: Path) -> bool:
    """Whether a package hands out its names lazily (a module-level __getattr__)."""
    tree = ast.parse((package_dir / "__init__.py").read_text())
    return any(isinstance(node, ast.FunctionDef) and node.name == "__getattr__" for node in tree.body)
