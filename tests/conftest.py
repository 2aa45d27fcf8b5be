"""Fixtures shared by the test suite. Tests take their configs from .test/ (the
default trial at reduced size, the hand-written fixture, the second trial), never
from the user's default config under config/, which a fork edits."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / ".test" / "small" / "config.yaml"
HANDWRITTEN = ROOT / ".test" / "handwritten" / "config.yaml"
TRIAL2 = ROOT / ".test" / "trial2" / "config.yaml"
# Everything a clean clone has; generated and local-only trees stay behind.
NOT_COPIED = {".git", ".venv", ".snakemake", "results", "resources", "logs", "_build", "_generated",
              "__pycache__", ".pytest_cache"}


def lavaan_missing() -> str | None:
    from panelsem.lavaan import lavaan_status

    return lavaan_status()


def poppler_missing() -> str | None:
    if shutil.which("pdftotext") is None:
        return "pdftotext (Debian's poppler-utils) is not on PATH; `make poppler` installs it"
    return None


# Optional system parts: name -> a check giving None when present, else the reason.
REQUIREMENTS = {"lavaan": lavaan_missing, "poppler": poppler_missing}
_missing: dict[str, str | None] = {}


def pytest_runtest_setup(item):
    """@pytest.mark.needs("lavaan"): skip with the reason where the part is absent, but
    fail under CI=true, where .ci/run installs it: a skipped check proves nothing."""
    for mark in item.iter_markers("needs"):
        for name in mark.args:
            if name not in _missing:
                _missing[name] = REQUIREMENTS[name]()
            reason = _missing[name]
            if reason is None:
                continue
            if os.environ.get("CI") == "true":
                pytest.fail(f"{name} is required under CI=true (.ci/run installs it): {reason}", pytrace=False)
            pytest.skip(f"needs {name}: {reason}")


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """One BLAS thread per test process, as Snakemake gives every job: xdist already runs
    a process per core, and threaded BLAS on top slows the engine's many small matrix
    products by an order of magnitude on a busy machine."""
    with threadpool_limits(1):
        yield
def _module(path: Path):
    """A helper module of the tests by path (test modules are imported by path too)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# The generator of corrupted inputs: one case per problem class.
CORRUPT = _module(ROOT / "tests" / "panelstudy" / "corrupt.py")


def pytest_generate_tests(metafunc):
    """A test that takes `corruption` runs once per case of tests/panelstudy/corrupt.py."""
    if "corruption" in metafunc.fixturenames:
        metafunc.parametrize("corruption", CORRUPT.CASES, ids=str)


@pytest.fixture(scope="session")
def corrupt():
    """The generator module (tests/panelstudy/corrupt.py)."""
    return CORRUPT


@pytest.fixture(scope="session")
def base_trial(tmp_path_factory) -> tuple[Path, dict]:
    """The default trial's files at the test size, written once: (folder, config)."""
    folder = tmp_path_factory.mktemp("base_trial")
    return folder, CORRUPT.write_base(folder)


def load(path: Path) -> dict:
    return yaml.safe_load(Path(path).read_text())


@pytest.fixture(scope="session")
def agrees_with_lavaan():
    """agrees_with_lavaan(table, counts): the comparison table of panelsem.lavaan.compare
    within the tolerances of a model both fit to the same optimum: free estimates and the
    log-likelihood to 1e-4, SEs to 1e-3 relative, and the named counts equal."""
    def check(table, counts=("npar", "df")):
        free = table[table["free"]]
        est = free[free["kind"] == "est"]
        assert est["abs_diff"].max() < 1e-4, est.sort_values("abs_diff").tail().to_string()
        se = free[free["kind"] == "se"]
        assert se["rel_diff"].max() < 1e-3, se.sort_values("rel_diff").tail().to_string()
        fit = table[table["kind"] == "fit"].set_index("name")
        assert fit.loc["loglik", "abs_diff"] < 1e-4
        for name in counts:
            assert fit.loc[name, "ours"] == fit.loc[name, "lavaan"], name
        return fit
    return check


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def config() -> dict:
    """The default design at the test suite's size (.test/small/config.yaml), a fresh copy."""
    return load(SMALL)


@pytest.fixture
def handwritten_config() -> dict:
    return load(HANDWRITTEN)


def _copy_workflow(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=lambda _dir, names: [n for n in names if n in NOT_COPIED])
    (dest / "manuscript" / "_variables.yml").unlink(missing_ok=True)
    return dest


def _snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "snakemake"
    result = subprocess.run([str(exe), *args], cwd=workdir, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


@pytest.fixture(scope="session")
def copy_workflow():
    """copy_workflow(dest): the workflow's sources as a fresh clone has them, at dest."""
    return _copy_workflow


@pytest.fixture(scope="session")
def snakemake():
    """snakemake(workdir, *args, check=True): run Snakemake there; fail with its output."""
    return _snakemake


def config_args(path: Path, *overlays) -> tuple[str, ...]:
    """Arguments (last on the command line) that make `path`, with overlays merged in,
    the whole config rather than an overlay of the user's default config."""
    return ("--replace-workflow-config", "--configfile", str(path), *map(str, overlays))


@pytest.fixture(scope="session")
def small_args():
    """small_args(*overlays): Snakemake arguments for the test suite's reduced build."""
    return lambda *overlays: config_args(SMALL, *overlays)


@pytest.fixture(scope="session")
def trial2_args():
    """trial2_args(*overlays): Snakemake arguments for the second trial (.test/trial2)."""
    return lambda *overlays: config_args(TRIAL2, *overlays)


def pytest_terminal_summary(terminalreporter):
    """Lines that passed tests leave for the log as user property "summary" (such as what
    the SLURM test ran); user properties reach the controller under xdist too."""
    lines = [value for report in terminalreporter.stats.get("passed", [])
             for name, value in report.user_properties if name == "summary"]
    if lines:
        terminalreporter.section("summary")
        for line in lines:
            terminalreporter.write_line(line)
