"""Benchmark the multiple-indicator RI-CLPM: one FIML fit with standard errors on a
default-size synthetic trial (the config given, config/config.yaml by default), to the
item parcels of the model with each process's first instrument, beside the score
model's fit to the same trial; and, with --lavaan, lavaan's fit of the same model
(opt-in: over 15 minutes on a busy 2-core machine, against under half a minute here).

The last line is machine-readable:
indicators: fit_s=... observed_s=... lavaan_s=... indicators=... parameters=... patterns=...
"""

import os

# Single-threaded BLAS, as in bench_fiml.py.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from panelsem.fit import fit_model  # noqa: E402
from panelsem.indicators import build_mi_riclpm, fit_mi_riclpm  # noqa: E402
from panelsem.lavaan import lavaan_status, run_lavaan  # noqa: E402
from panelsem.spec import build_riclpm  # noqa: E402
from panelstudy import params  # noqa: E402
from panelstudy.parcels import model_indicators  # noqa: E402
from panelstudy.recovery import simulate_panels  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description="Time a multiple-indicator RI-CLPM fit.")
    ap.add_argument("--seed", type=int, default=123, help="seed of the simulated trial")
    ap.add_argument("--config", type=Path, default=Path("config/config.yaml"), help="the trial's design")
    ap.add_argument("--repeats", type=int, default=3, help="fits timed; the median is printed")
    ap.add_argument("--lavaan", action="store_true", help="time lavaan's fit too (needs R and lavaan)")
    args = ap.parse_args(argv)

    design = params.pseudo_true(yaml.safe_load(args.config.read_text()))
    wide, parcels = simulate_panels(design, args.seed, parcels=True)
    waves = list(design["model"]["waves"])
    spec = build_mi_riclpm(model_indicators(design["constructs"], design["instruments"]), waves)
    observed = build_riclpm(dict(design["constructs"]), waves)

    def timed(fit):
        seconds = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            result = fit()
            seconds.append(time.perf_counter() - t0)
        return result, float(np.median(seconds))

    fit, fit_s = timed(lambda: fit_mi_riclpm(parcels, spec))
    _, observed_s = timed(lambda: fit_model(wide, observed))
    lavaan_s = float("nan")
    if args.lavaan:
        reason = lavaan_status()
        if reason is not None:
            raise SystemExit(f"--lavaan: {reason}")
        lav = run_lavaan(parcels, spec, Path(tempfile.mkdtemp()))
        lavaan_s = float(lav["times"]["seconds"].iloc[0])
    print(f"multiple-indicator RI-CLPM: {len(spec.observed)} indicators, {len(fit.params)} parameters, "
          f"{fit.fit['n_patterns']} missing-data patterns, N = {fit.fit['n']}; converged: {fit.converged}")
    print(f"indicators: fit_s={fit_s:.2f} observed_s={observed_s:.2f} lavaan_s={lavaan_s:.2f} "
          f"indicators={len(spec.observed)} parameters={len(fit.params)} patterns={fit.fit['n_patterns']}")
    return 0 if fit.converged else 1


if __name__ == "__main__":
    sys.exit(main())
