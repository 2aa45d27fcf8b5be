"""The workflow stays lint-clean and snakefmt-formatted."""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT, snakemake


def test_snakemake_lint_is_clean():
    result = snakemake(ROOT, "--lint", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


def test_snakefmt_clean():
    exe = Path(sys.executable).parent / "snakefmt"
    result = subprocess.run([str(exe), "--check", "Snakefile", "workflow/rules"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
