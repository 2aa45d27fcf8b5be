"""The workflow stays lint-clean and snakefmt-formatted."""

import subprocess
import sys
from pathlib import Path


def test_snakemake_lint_is_clean(repo_root, snakemake, small_args):
    # On the suite's own config: the user's default config is a fork's to edit.
    result = snakemake(repo_root, "--lint", *small_args(), check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


def test_snakefmt_clean(repo_root):
    exe = Path(sys.executable).parent / "snakefmt"
    result = subprocess.run([str(exe), "--check", "Snakefile", "workflow/rules"], cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
