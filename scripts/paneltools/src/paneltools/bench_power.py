"""Benchmark the power analysis of `make power` (config `power`; config/config.yaml by
default): the pseudo-true values, the analytic power, and Monte Carlo replications at
each planned sample size, as the rules power_population, power_analytic and
power_chunk compute them.

Times are CPU seconds of this process (and of the child that times a job's start-up),
which machine load stretches less than wall time; the wall time of the replications is
printed beside them. The projection for the whole grid on C cores: every replication,
every job's start-up and the pseudo-true values (which run beside the replications)
shared over C cores, but never less than the pseudo-true values and the analytic power
take on one core, nor than the slowest chunk.

The last line is machine-readable:
power: n_per_arm=... s_per_rep=... grid_reps=... projected_2cores_s=... projected_64cores_s=...
"""

import os

# Single-threaded BLAS, as Snakemake sets it for every job.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

from panelstudy import params  # noqa: E402
from panelstudy.power import analytic, pseudo_true, run_replications  # noqa: E402

# What a rule script imports before its first replication (power_chunk.py).
JOB_IMPORTS = "import panelstudy.power, panelstudy.recovery, panelsem.io"
# Jobs of `make power` besides the chunks: population, analytic, summary, figure copy, render.
OTHER_JOBS = 5


def cpu() -> float:
    return time.process_time()


def startup_seconds() -> float:
    """CPU seconds of a fresh interpreter that imports what a power job imports."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", JOB_IMPORTS], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Time the power analysis: seconds per replication, projected grid.")
    ap.add_argument("--config", type=Path, default=Path("config/config.yaml"), help="the planned trial (power)")
    ap.add_argument("--replications", type=int, default=10, help="timed replications per sample size")
    ap.add_argument("--scatter", type=int, default=4, help="jobs per sample size on 2 cores (the Snakefile's)")
    ap.add_argument("--cluster-scatter", type=int, default=16, help="jobs per sample size on 64 cores")
    args = ap.parse_args(argv)

    design = params.power(yaml.safe_load(args.config.read_text()))
    t0 = cpu()
    truth, patterns = pseudo_true(design)
    pseudo_s = cpu() - t0
    t0 = cpu()
    analytic(design, truth, patterns)
    analytic_s = cpu() - t0
    per_rep, wall = {}, {}
    for n in design["sizes"]:
        t0, w0 = cpu(), time.perf_counter()
        run_replications(design, n, list(range(args.replications)), progress=False)
        per_rep[n] = (cpu() - t0) / args.replications
        wall[n] = (time.perf_counter() - w0) / args.replications
    startup = startup_seconds()
    sizes, reps = design["sizes"], design["replications"]
    middle = sizes[len(sizes) // 2]

    def on(cores: int, scatter: int) -> float:
        work = sum(per_rep.values()) * reps + (len(sizes) * scatter + OTHER_JOBS) * startup + pseudo_s + analytic_s
        slowest_chunk = max(per_rep.values()) * -(-reps // scatter) + startup
        return max(work / cores, pseudo_s + analytic_s + startup, slowest_chunk)

    two, many = on(2, args.scatter), on(64, args.cluster_scatter)
    print(f"design: {len(design['effects'])} effects, {len(design['model']['waves'])} waves, "
          f"{design['simulate']} simulated, sizes per arm {sizes}, {reps} replications each")
    print(f"pseudo-true values (one trial, {len(patterns)} missing-data patterns): {pseudo_s:.1f} s; "
          f"analytic power: {analytic_s:.2f} s; a job's start-up: {startup:.1f} s")
    for n in sizes:
        print(f"n per arm {n}: {per_rep[n]:.3f} s per replication (CPU), {wall[n]:.3f} s wall")
    print(f"projected `make power`: {two / 60:.1f} min on 2 cores (scatter {args.scatter}), "
          f"{many / 60:.1f} min of computing on 64 cores (scatter {args.cluster_scatter}; plus the cluster's "
          "queueing and status checks)")
    print(f"power: n_per_arm={middle} s_per_rep={per_rep[middle]:.3f} grid_reps={reps * len(sizes)} "
          f"projected_2cores_s={two:.0f} projected_64cores_s={many:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
