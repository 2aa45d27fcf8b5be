"""Benchmark FIML fits of the RI-CLPM at several sizes: ours, lavaan, and (at the
default size) semopy's stock FIML.

Sizes (constructs x waves, N; synthetic panels with about 15% of cells missing by
dropout and intermittent skips, fixed seed): the default model (3 x 10, N = 272), and
3 x 10 at N = 1000, 3 x 20, 5 x 10 and 5 x 20 at N = 1000 (100 variables, about 980
missing-data patterns). Times per fit, median of runs:
- ours: panelsem.fit_model with standard errors (observed information) and all fit
  measures; at the default size also without them, and warm-started, as a bootstrap
  replicate would run;
- lavaan 0.6: lavaan(missing = "ml", information = "observed"), timed inside R around
  the fit only; not run at the largest size (it would take hours);
- semopy 2.3.11 stock ModelMeans FIML (default size only), in a subprocess killed at
  --semopy-cap seconds (reported as ">cap").

Goals: the default size with SEs and fit measures in at most 0.2 s, the 100-variable
size in at most 10 s, and at least 50 times lavaan's speed wherever lavaan is timed.
One machine-readable line per size:
fiml: size=KxW n=... variables=... patterns=... ours_s=... goal_s=... lavaan_s=... speedup=... max_abs_diff_est=... max_rel_diff_se=...
"""

import os

# Single-threaded BLAS before numpy loads: the matrices are small (threads only
# add overhead) and the results then do not depend on the number of cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from panelsem import lavaan as lc  # noqa: E402
from panelsem.fit import fit_model  # noqa: E402
from panelsem.io import EXACT, write_csv  # noqa: E402
from panelsem.simulate import DEFAULT_CONSTRUCTS, simulate_wide  # noqa: E402
from panelsem.spec import build_riclpm  # noqa: E402

STOCK = """
import sys, time
import pandas as pd, semopy
data = pd.read_csv(sys.argv[1])
model = semopy.ModelMeans(open(sys.argv[2]).read(), cov_diag=True)
t0 = time.perf_counter()
model.fit(data, obj="ML")  # semopy defaults (SLSQP)
print(time.perf_counter() - t0)
"""

# name: (constructs, waves, N, our runs, lavaan runs (0: not timed), goal in seconds or None)
SIZES = {
    "3x10": (3, 10, 272, 5, 3, 0.2),
    "3x10-n1000": (3, 10, 1000, 3, 1, None),
    "3x20": (3, 20, 272, 3, 1, None),
    "5x10": (5, 10, 272, 3, 1, None),
    "5x20-n1000": (5, 20, 1000, 3, 0, 10.0),
}
DEFAULT_SIZE = "3x10"
EXTRA = {"F": "f_", "G": "g_", "H": "h_"}


def constructs(k: int) -> dict:
    return dict(list({**DEFAULT_CONSTRUCTS, **EXTRA}.items())[:k])


def median_time(fn, runs):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def time_stock(csv, desc_path, cap):
    try:
        out = subprocess.run(
            [sys.executable, "-c", STOCK, str(csv), str(desc_path)],
            capture_output=True, text=True, timeout=cap,
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        raise RuntimeError(f"semopy stock fit failed:\n{out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def bench_size(name, args, tmp: Path, lavaan_reason):
    k, waves, n, runs, lavaan_runs, goal = SIZES[name]
    cons = constructs(k)
    data = simulate_wide(n=n, waves=waves, constructs=cons, seed=args.seed)
    spec = build_riclpm(cons, list(range(1, waves + 1)))
    fit_model(data, spec)  # warm-up: imports, caches
    res, ours_s = median_time(lambda: fit_model(data, spec), runs)
    rows = [(f"{name}: ours, fit + SEs + fit measures", f"{ours_s:.3f}", f"median of {runs}")]
    if name == DEFAULT_SIZE:
        _, bare_s = median_time(lambda: fit_model(data, spec, se=False, fit_measures=False), runs)
        _, warm_s = median_time(lambda: fit_model(data, spec, start=res, se=False, fit_measures=False), runs)
        rows += [(f"{name}: ours, estimates only", f"{bare_s:.3f}", f"median of {runs}"),
                 (f"{name}: ours, warm start, estimates only", f"{warm_s:.3f}", f"median of {runs}")]
        if args.semopy_cap > 0:
            csv = tmp / f"{name}.csv"
            write_csv(data, csv, EXACT)
            (tmp / f"{name}.sem").write_text(spec.syntax)
            stock = time_stock(csv, tmp / f"{name}.sem", args.semopy_cap)
            rows.append((f"{name}: semopy 2.3.11 stock FIML",
                         f">{args.semopy_cap:.0f}" if stock is None else f"{stock:.3f}", "1 run"))
    lav_s, summary = float("nan"), None
    if lavaan_reason is None and lavaan_runs and not args.no_lavaan:
        lav = lc.run_lavaan(data, spec, tmp / name, reps=lavaan_runs)
        lav_s = statistics.median(lav["times"]["seconds"])
        summary = lc.summarise(lc.compare(res, lav))
        rows.append((f"{name}: lavaan 0.6 (inside R, fit only)", f"{lav_s:.3f}", f"median of {lavaan_runs}"))
    elif lavaan_runs == 0:
        rows.append((f"{name}: lavaan", "n/a", "not timed at this size"))
    else:
        rows.append((f"{name}: lavaan", "n/a", lavaan_reason or "--no-lavaan"))
    line = (f"fiml: size={k}x{waves} n={res.fit['n']} variables={len(spec.observed)} "
            f"patterns={res.fit['n_patterns']} ours_s={ours_s:.3f} goal_s={goal if goal else 'NA'} "
            f"converged={res.converged}")
    if summary:
        line += (f" lavaan_s={lav_s:.3f} speedup={lav_s / ours_s:.1f} "
                 f"max_abs_diff_est={summary['max_abs_diff_est']:.2e} "
                 f"max_rel_diff_se={summary['max_rel_diff_se']:.2e}")
    else:
        line += " lavaan_s=NA speedup=NA max_abs_diff_est=NA max_rel_diff_se=NA"
    return rows, line


def main(argv=None):
    ap = argparse.ArgumentParser(description="Time FIML fits at several sizes: ours, lavaan, semopy stock.")
    ap.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    ap.add_argument("--semopy-cap", type=float, default=180.0,
                    help="seconds before semopy is stopped (0: not run)")
    ap.add_argument("--no-lavaan", action="store_true", help="time ours only")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    reason = lc.lavaan_status()
    # Each size as it is done: lavaan takes minutes at the larger ones.
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sizes:
            rows, line = bench_size(name, args, Path(tmp), reason)
            width = max(len(r[0]) for r in rows)
            for label, secs, note in rows:
                print(f"{label.ljust(width)}  {secs:>9}  {note}")
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
