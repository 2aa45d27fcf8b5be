"""Benchmark FIML fits of the default RI-CLPM: ours, semopy's stock FIML, lavaan.

Default-size data (3 constructs x 10 weekly waves, N = 272, about 15% of cells
missing by dropout and intermittent skips; fixed seed). Times per fit, median of
several runs:
- ours: panelsem.fit_model with standard errors and all fit measures (also
  without them, and warm-started, as a bootstrap replicate would run);
- semopy 2.3.11 stock ModelMeans FIML on the same description, in a subprocess
  killed at --semopy-cap seconds (reported as ">cap");
- lavaan 0.6: lavaan(missing = "ml"), timed inside R around the fit only.

The last line is machine-readable:
fiml: ours_s=... lavaan_s=... speedup=... max_abs_diff_est=... max_rel_diff_se=...
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


def time_ours(data, spec, reps):
    fit_model(data, spec)  # warm-up: imports, caches
    full, bare, warm = [], [], []
    res = None
    for _ in range(reps):
        t0 = time.perf_counter()
        res = fit_model(data, spec)
        full.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        fit_model(data, spec, se=False, fit_measures=False)
        bare.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        fit_model(data, spec, start=res, se=False, fit_measures=False)
        warm.append(time.perf_counter() - t0)
    return res, statistics.median(full), statistics.median(bare), statistics.median(warm)


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


def main(argv=None):
    ap = argparse.ArgumentParser(description="Time FIML fits: ours, semopy stock, lavaan.")
    ap.add_argument("--reps", type=int, default=5, help="timed fits of ours (median)")
    ap.add_argument("--lavaan-reps", type=int, default=3, help="timed lavaan fits (median)")
    ap.add_argument("--semopy-cap", type=float, default=180.0, help="seconds before semopy is stopped")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    data = simulate_wide(seed=args.seed)
    spec = build_riclpm(DEFAULT_CONSTRUCTS, list(range(1, 11)))
    res, ours_s, bare_s, warm_s = time_ours(data, spec, args.reps)
    rows = [
        ("ours: fit + SEs + fit measures", f"{ours_s:.3f}", f"median of {args.reps}"),
        ("ours: estimates only", f"{bare_s:.3f}", f"median of {args.reps}"),
        ("ours: warm start, estimates only", f"{warm_s:.3f}", f"median of {args.reps}"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = tmp / "data.csv"
        write_csv(data, csv, EXACT)
        (tmp / "model.sem").write_text(spec.syntax)
        stock = time_stock(csv, tmp / "model.sem", args.semopy_cap)
        rows.append(("semopy 2.3.11 stock FIML", f">{args.semopy_cap:.0f}" if stock is None
                     else f"{stock:.3f}", "1 run"))
        reason = lc.lavaan_status()
        if reason is None:
            t0 = time.perf_counter()
            lav = lc.run_lavaan(data, spec, tmp / "lavaan", reps=args.lavaan_reps)
            wall = time.perf_counter() - t0
            lav_s = statistics.median(lav["times"]["seconds"])
            summary = lc.summarise(lc.compare(res, lav))
            rows.append(("lavaan 0.6 (inside R, fit only)", f"{lav_s:.3f}",
                         f"median of {args.lavaan_reps}"))
            rows.append(("lavaan: whole Rscript call", f"{wall:.3f}",
                         f"R start-up + {args.lavaan_reps} fits + fitMeasures"))
        else:
            lav_s, summary = float("nan"), None
            rows.append(("lavaan", "n/a", reason))

    print(f"data: N={res.fit['n']} variables={len(spec.observed)} patterns={res.fit['n_patterns']} "
          f"missing cells={data.isna().to_numpy().mean():.1%}")
    width = max(len(r[0]) for r in rows)
    print(f"{'engine'.ljust(width)}  {'seconds':>9}  note")
    for name, secs, note in rows:
        print(f"{name.ljust(width)}  {secs:>9}  {note}")
    if summary:
        print(f"vs lavaan: max |est diff| {summary['max_abs_diff_est']:.2e}, max rel SE diff "
              f"{summary['max_rel_diff_se']:.2e}, |loglik diff| {summary['loglik_diff']:.2e}, "
              f"max fit-measure diff {summary['max_abs_diff_fit']:.2e}")
        print(f"fiml: ours_s={ours_s:.3f} lavaan_s={lav_s:.3f} speedup={lav_s / ours_s:.1f} "
              f"max_abs_diff_est={summary['max_abs_diff_est']:.2e} "
              f"max_rel_diff_se={summary['max_rel_diff_se']:.2e}")
    else:
        print(f"fiml: ours_s={ours_s:.3f} lavaan_s=NA speedup=NA max_abs_diff_est=NA max_rel_diff_se=NA")
    return 0


if __name__ == "__main__":
    sys.exit(main())
