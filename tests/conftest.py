import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# Everything a clean clone has; generated and local-only trees stay behind.
NOT_COPIED = {".git", ".venv", ".snakemake", "results", "resources", "logs", "_build", "_generated",
              "__pycache__", ".pytest_cache"}


@pytest.fixture(scope="session")
def config() -> dict:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def copy_workflow(dest: Path) -> Path:
    """A copy of the workflow sources, as a fresh clone would have them."""
    shutil.copytree(ROOT, dest, ignore=lambda _dir, names: [n for n in names if n in NOT_COPIED])
    (dest / "manuscript" / "_variables.yml").unlink(missing_ok=True)
    return dest


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "snakemake"
    result = subprocess.run([str(exe), *args], cwd=workdir, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


def overlaid_config(*overlays: Path) -> dict:
    """config/config.yaml with overlays merged in, as `--configfile` merges them."""
    from snakemake.utils import update_config

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    for overlay in overlays:
        update_config(config, yaml.safe_load(Path(overlay).read_text()))
    return config


def pytest_terminal_summary(terminalreporter):
    """Lines that passed tests leave for the log as user property "summary" (such as what
    the SLURM test ran); user properties reach the controller under xdist too."""
    lines = [value for report in terminalreporter.stats.get("passed", [])
             for name, value in report.user_properties if name == "summary"]
    if lines:
        terminalreporter.section("summary")
        for line in lines:
            terminalreporter.write_line(line)
