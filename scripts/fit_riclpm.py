"""Fit the RI-CLPM (or the CLPM) to a wide CSV by FIML and write the results.

    python scripts/fit_riclpm.py data.csv --construct A=sai_patient_ \\
        --construct E=ersq_ --construct D=qids_ --waves 1-10 [--lagged free] \\
        [--clpm] --out outdir/

Writes outdir/estimates.csv (lhs, op, rhs, label, est, se, z, p, std_all),
outdir/fit.csv (measure, value) and outdir/diagnostics.json. Floats are written
with 17 significant digits (round-trip exact), so the same data give the same
bytes; the run time goes to stderr, not into the files, for the same reason.
"""

from __future__ import annotations

import os

# Single-threaded BLAS before numpy loads: the matrices are small (threads only
# add overhead) and the bytes written then do not depend on the number of cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

import riclpm  # noqa: E402
import sem_engine  # noqa: E402

FLOAT = "%.17g"


def write_results(res: sem_engine.FitResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    res.estimates.to_csv(out / "estimates.csv", index=False, float_format=FLOAT)
    fit = pd.DataFrame({"measure": list(res.fit), "value": [float(v) for v in res.fit.values()]})
    fit.to_csv(out / "fit.csv", index=False, float_format=FLOAT)
    diag = {k: v for k, v in res.diagnostics.items() if k != "seconds"}
    with open(out / "diagnostics.json", "w") as fh:
        json.dump(diag, fh, indent=2, sort_keys=True)
        fh.write("\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Fit the RI-CLPM/CLPM by FIML to a wide CSV.")
    riclpm.add_model_arguments(ap)
    ap.add_argument("--out", required=True, type=Path, help="output directory")
    args = ap.parse_args(argv)
    try:
        spec = riclpm.spec_from_args(args)
        data = pd.read_csv(args.data)
        res = sem_engine.fit_model(data, spec)
    except (KeyError, ValueError, TypeError) as err:
        print(f"error: {err.args[0] if err.args else err}", file=sys.stderr)
        return 1
    write_results(res, args.out)
    d, f = res.diagnostics, res.fit
    print(
        f"{'CLPM' if args.clpm else 'RI-CLPM'} ({args.lagged} lags): n={f['n']} "
        f"patterns={f['n_patterns']} loglik={f['loglik']:.3f} chisq={f['chisq']:.3f} "
        f"df={f['df']} cfi={f['cfi']:.3f} rmsea={f['rmsea']:.3f} srmr={f['srmr']:.3f} "
        f"converged={d['converged']} heywood={len(d['heywood'])}"
    )
    if d["rows_dropped_all_missing"]:
        print(f"note: {d['rows_dropped_all_missing']} rows with no observed value were dropped",
              file=sys.stderr)
    if not d["converged"]:
        print(f"warning: not converged (max gradient {d['grad_norm']:.3g})", file=sys.stderr)
    for h in d["heywood"]:
        print(f"warning: Heywood case {h['parameter']} = {h['est']:.3g}", file=sys.stderr)
    print(f"seconds: {d['seconds']:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
