"""The reduced build through SLURM with profiles/slurm, on a real single-node cluster on
loopback (paneltools.slurm_cluster), against a local build of the same config: every
result CSV byte-identical, every job of a non-local rule run inside a SLURM allocation,
grouped as the profile says, with BLAS and OpenMP pinned to the rule's threads.

Runs as root where Debian's slurm-wlm and munge are installed or can be (`make slurm`,
which this test calls if they are missing). Skipped elsewhere, with the reason; with
CI=true a cluster that fails to come up fails the test instead.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from paneltools import slurm_cluster

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ("--replace-workflow-config", "--configfile", ".test/small/config.yaml")  # last: --configfile is greedy
# Hard limits: with a status command that never sees jobs finish, Snakemake waits forever.
CLUSTER_TIMEOUT = 330
LOCAL_TIMEOUT = 240
LOCAL_RULES = {"stage_figure", "reported_values", "verify"}

# Loaded into every Python process of the cluster build through PYTHONPATH: at exit, a
# rule script (its __main__ holds the `snakemake` object) records its rule, threads,
# thread variables, the thread counts of the BLAS and OpenMP pools it loaded, and the
# SLURM job it ran in.
PROBE = """\
import atexit, json, os, sys

def _record():
    job = getattr(sys.modules.get("__main__"), "snakemake", None)
    if not (hasattr(job, "rule") and hasattr(job, "threads")):
        return
    from threadpoolctl import threadpool_info
    record = {"rule": job.rule, "threads": job.threads, "slurm_job": os.environ.get("SLURM_JOB_ID"),
              "env": {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
              "pools": [[p["internal_api"], p["num_threads"]] for p in threadpool_info()]}
    with open(os.environ["RICLPM_PROBE_LOG"], "a") as log:
        log.write(json.dumps(record) + "\\n")

atexit.register(_record)
"""


def setup_problem(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"SLURM cluster setup failed under CI: {reason}")
    pytest.skip(f"no SLURM cluster here: {reason}")


def ensure_packages():
    missing = slurm_cluster.missing_commands()
    if missing and shutil.which("apt-get"):
        subprocess.run(["make", "-C", str(ROOT), "slurm"], capture_output=True, text=True, timeout=900)
        missing = slurm_cluster.missing_commands()
    if missing:
        setup_problem(f"missing {', '.join(missing)} (`make slurm` installs slurm-wlm and munge)")


def start(workdir: Path, *args: str, env: dict, log: Path) -> subprocess.Popen:
    exe = Path(sys.executable).parent / "snakemake"
    with open(log, "w") as out:
        return subprocess.Popen([str(exe), *args], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def finish(proc: subprocess.Popen, started: float, limit: float, log: Path, what: str) -> float:
    """Wait for a build until `limit` seconds after `started`; past that, kill its whole
    process group. Returns the build's wall time."""
    try:
        proc.wait(timeout=max(0.0, started + limit - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail(f"{what} did not finish within {limit} s; killed. Log tail:\n{log.read_text()[-6000:]}")
    if proc.returncode != 0:
        pytest.fail(f"{what} failed ({proc.returncode}). Log tail:\n{log.read_text()[-8000:]}")
    return time.monotonic() - started


def result_csvs(workdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(workdir)): p.read_bytes() for p in sorted((workdir / "results").rglob("*.csv"))}


def build_both(cluster, local: Path, cluster_wd: Path, tmp_path: Path) -> tuple[float, float, list[dict]]:
    """The local and the cluster build, side by side (the cluster build mostly waits on
    submissions and polling). Returns both wall times and the jobs SLURM ran."""
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "sitecustomize.py").write_text(PROBE)
    env = {**cluster.env, "RICLPM_PROBE_LOG": str(tmp_path / "probe.jsonl"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "probe"), os.environ.get("PYTHONPATH")]))}
    t0 = time.monotonic()
    local_proc = start(local, "--cores", "2", *CONFIG, env=dict(os.environ), log=tmp_path / "local.log")
    cluster_proc = start(cluster_wd, "--profile", "profiles/slurm",
                         # A loopback controller can be polled every few seconds.
                         "--slurm-init-seconds-before-status-checks", "2",
                         *CONFIG, env=env, log=tmp_path / "cluster.log")
    try:
        local_s = finish(local_proc, t0, LOCAL_TIMEOUT, tmp_path / "local.log", "local build")
        cluster_s = finish(cluster_proc, t0, CLUSTER_TIMEOUT, tmp_path / "cluster.log", "cluster build")
    finally:
        for proc in (local_proc, cluster_proc):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return local_s, cluster_s, cluster.jobs()


def test_reduced_build_on_slurm_equals_local_build(tmp_path, request, copy_workflow):
    reason = slurm_cluster.unsupported()
    if reason:
        setup_problem(reason)
    ensure_packages()
    local, cluster_wd = copy_workflow(tmp_path / "local"), copy_workflow(tmp_path / "cluster")
    t0 = time.monotonic()
    try:
        with slurm_cluster.single_node_cluster() as cluster:
            setup_s = time.monotonic() - t0
            local_s, cluster_s, jobs = build_both(cluster, local, cluster_wd, tmp_path)
    except slurm_cluster.SetupError as err:
        setup_problem(str(err))

    # Every submission reached the controller and completed.
    submitted = (tmp_path / "cluster.log").read_text().count("has been submitted with SLURM jobid")
    assert jobs and len(jobs) == submitted, (jobs, submitted)
    assert {job["state"] for job in jobs} == {"COMPLETED"}, jobs
    # Each group of the profile went to SLURM as group jobs, and no local rule was sent.
    # Once the validate checkpoint has run, Snakemake plans again and may submit the part
    # of a group that is ready first on its own: a group's jobs are then more than one,
    # never more than its rules.
    profile = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    comments = [job["comment"] for job in jobs]
    members = {}
    for rule, group in profile["groups"].items():
        # The power rules' group belongs to `make power`, not to this build.
        if not rule.startswith("power_"):
            members.setdefault(group, []).append(rule)
    for group, rules in members.items():
        assert 1 <= sum(c.startswith(f"rule_{group}_") for c in comments) <= len(rules), (group, comments)
    assert not [c for c in comments if any(rule in c for rule in LOCAL_RULES)], comments

    # Each rule script ran inside one of those jobs, with its thread variables and its
    # BLAS and OpenMP pools at the rule's threads (unpinned, OpenBLAS takes every core).
    records = [json.loads(line) for line in (tmp_path / "probe.jsonl").read_text().splitlines()]
    assert {r["rule"] for r in records} >= {"fit_riclpm", "bootstrap_chunk", "recovery_chunk", "render"}
    for r in records:
        assert r["slurm_job"] in {job["id"] for job in jobs}, r
        assert set(r["env"].values()) == {str(r["threads"])}, r
        assert {n for _api, n in r["pools"]} <= {r["threads"]}, r
    numerical = [r for r in records if r["rule"] in ("fit_riclpm", "bootstrap_chunk", "recovery_chunk")]
    assert all("openblas" in {api for api, _n in r["pools"]} for r in numerical), numerical

    ours, theirs = result_csvs(local), result_csvs(cluster_wd)
    assert ours.keys() == theirs.keys()
    differing = [name for name in ours if ours[name] != theirs[name]]
    assert not differing, f"CSVs differ between the local and the SLURM build: {differing}"
    assert len(ours) >= 50

    request.node.user_properties.append((
        "summary",
        f"SLURM: {len(jobs)} jobs via sbatch ({len(records)} rule scripts inside them), {len(ours)} CSVs "
        f"identical to a local build; setup {setup_s:.1f} s, cluster build {cluster_s:.0f} s, "
        f"local build {local_s:.0f} s (side by side on {os.cpu_count()} cores)"))
