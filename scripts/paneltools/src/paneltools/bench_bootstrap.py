"""Benchmark bootstrap replicate refits: fit_model per resample (the old path) against
panelsem.Refitter (weighted rows, quasi-Newton steps from the full-sample Hessian).

Default-size synthetic trial (the config given, config/config.yaml by default; seed 123), RI-CLPM with
time-invariant lags, warm start from the full-sample fit as in the bootstrap rule.
The two paths alternate replicate by replicate, so machine load hits both alike.

The last line is machine-readable:
bootstrap: old_s=... new_s=... speedup=... fallback=... max_abs_diff=...
"""

import os

# Single-threaded BLAS, as in bench_fiml.py.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from panelsem.fit import fit_model  # noqa: E402
from panelsem.refit import Refitter  # noqa: E402
from panelsem.spec import build_riclpm  # noqa: E402
from panelstudy import params  # noqa: E402
from panelstudy.indirect import REPLICATE_GRAD_TOL, path_estimates, resample, resample_rows  # noqa: E402
from panelstudy.recovery import lagged_labels, simulate_panels  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description="Time bootstrap replicate refits, old path against new.")
    ap.add_argument("--replicates", type=int, default=100)
    ap.add_argument("--seed", type=int, default=123, help="seed of the simulated trial")
    ap.add_argument("--config", type=Path, default=Path("config/config.yaml"), help="the trial's design")
    args = ap.parse_args(argv)

    design = params.recovery(yaml.safe_load(args.config.read_text()))
    wide, _ = simulate_panels(design, args.seed)
    spec = build_riclpm(dict(design["constructs"]), list(design["model"]["waves"]), lagged="invariant")
    labels = lagged_labels(design["shorts"])
    chains = [c["parameters"] for c in design["chains"]]
    start = fit_model(wide, spec, se=False, fit_measures=False)
    t0 = time.perf_counter()
    refitter = Refitter(wide, spec, start, grad_tol=REPLICATE_GRAD_TOL)
    setup = time.perf_counter() - t0
    ids = [refitter.names.index(label) for label in labels]

    old_s, new_s, old_v, new_v, fallback = [], [], [], [], 0
    for seed in range(1000, 1000 + args.replicates):
        t0 = time.perf_counter()
        fit = fit_model(resample(wide, seed), spec, start=start, se=False, fit_measures=False,
                        grad_tol=REPLICATE_GRAD_TOL)
        old_v.append(path_estimates(fit.estimates, labels))
        old_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        x, _, fast = refitter.refit(resample_rows(len(wide), seed))
        new_v.append(x[ids])
        new_s.append(time.perf_counter() - t0)
        fallback += not fast

    old_v, new_v = np.array(old_v), np.array(new_v)
    diff = dict(zip(labels, np.abs(old_v - new_v).max(axis=0)))
    for chain in chains:
        at = [labels.index(p) for p in chain]
        diff["*".join(chain)] = np.abs(old_v[:, at].prod(axis=1) - new_v[:, at].prod(axis=1)).max()
    old_m, new_m = np.median(old_s), np.median(new_s)
    print(f"data: N={len(wide)} variables={len(spec.observed)} parameters={refitter.prob.k} "
          f"patterns={refitter.prob.pat.n_patterns}; {args.replicates} replicates")
    print(f"old path (fit_model per resample): median {old_m:.4f} s per replicate")
    print(f"new path (Refitter):               median {new_m:.4f} s per replicate, "
          f"plus {setup:.2f} s once (full-sample Hessian)")
    print("max |old - new|: " + ", ".join(f"{k} {v:.1e}" for k, v in diff.items()))
    print(f"bootstrap: old_s={old_m:.4f} new_s={new_m:.4f} speedup={old_m / new_m:.1f} "
          f"fallback={fallback / args.replicates:.3f} max_abs_diff={max(diff.values()):.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
