"""The local modules a rule script imports, so that editing one reruns the rule.

Snakemake's code trigger hashes only the rule script itself; the logic lives in the
modules it imports from scripts/, which must therefore be declared as inputs.
"""

import ast
from pathlib import Path


def local_imports(script: str | Path) -> list[str]:
    """Paths of the scripts/ modules that `script` imports, directly or indirectly."""
    script = Path(script)
    folder = script.parent
    seen: set[Path] = set()
    pending = [script]
    while pending:
        tree = ast.parse(pending.pop().read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                path = folder / f"{name.split('.')[0]}.py"
                if path.is_file() and path not in seen and path != script:
                    seen.add(path)
                    pending.append(path)
    return sorted(str(p) for p in seen)
