"""Cross-check the Python SEM engine against lavaan on the same data and model.

Runs scripts/lavaan_fit.R through Rscript on a wide CSV and the lavaan syntax of a
ModelSpec, and lines up lavaan's estimates, standard errors, std.all and fit
measures with ours: one row per parameter or fit measure, with the absolute (and,
for standard errors, relative) difference.

    python scripts/lavaan_crosscheck.py data.csv --construct A=sai_patient_ \\
        --construct E=ersq_ --construct D=qids_ --waves 1-10 --out results/crosscheck/

Needs R with lavaan; lavaan_status() says why not when they are absent.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

import riclpm
import sem_engine

R_SCRIPT = Path(__file__).with_name("lavaan_fit.R")

# our fit-measure name -> lavaan fitMeasures name
FIT_NAMES = {
    "loglik": "logl",
    "loglik_h1": "unrestricted.logl",
    "npar": "npar",
    "chisq": "chisq",
    "df": "df",
    "pvalue": "pvalue",
    "baseline_chisq": "baseline.chisq",
    "baseline_df": "baseline.df",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_lower": "rmsea.ci.lower",
    "rmsea_ci_upper": "rmsea.ci.upper",
    "srmr": "srmr",
    "aic": "aic",
    "bic": "bic",
    "n": "ntotal",
}


def lavaan_status() -> str | None:
    """None when Rscript and lavaan are usable, else the reason they are not."""
    if shutil.which("Rscript") is None:
        return "Rscript not found on PATH"
    probe = subprocess.run(
        ["Rscript", "-e", "suppressPackageStartupMessages(library(lavaan))"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return "R package lavaan not installed (" + probe.stderr.strip().splitlines()[-1] + ")"
    return None


def write_wide_csv(data: pd.DataFrame, path: Path) -> None:
    """Full-precision floats (repr), empty cells for missing: same bytes for same data."""
    data.to_csv(path, index=False, na_rep="", float_format="%.17g")


def run_lavaan(data: pd.DataFrame, spec: riclpm.ModelSpec, workdir: Path, reps: int = 1) -> dict:
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    csv, lav, prefix = workdir / "data.csv", workdir / "model.lav", workdir / "lavaan"
    write_wide_csv(data[spec.observed], csv)
    lav.write_text(spec.lavaan)
    proc = subprocess.run(
        ["Rscript", str(R_SCRIPT), str(csv), str(lav), str(prefix), str(reps)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"lavaan_fit.R failed:\n{proc.stderr}")
    est = pd.read_csv(f"{prefix}_estimates.csv", keep_default_na=False, na_values=["NA"])
    fit = pd.read_csv(f"{prefix}_fit.csv")
    times = pd.read_csv(f"{prefix}_time.csv")
    return {
        "estimates": est,
        "fit": dict(zip(fit["measure"], fit["value"].astype(float))),
        "times": times,
        "stderr": proc.stderr,
    }


def compare(ours: sem_engine.FitResult, lav: dict) -> pd.DataFrame:
    """Side-by-side table: kind, name, ours, lavaan, abs_diff, rel_diff."""
    le = lav["estimates"].copy()
    le["rhs"] = le["rhs"].fillna("")
    lkey = {}
    for _, r in le.iterrows():
        lkey[(r["lhs"], r["op"], r["rhs"])] = r
        if r["op"] == "~~":
            lkey.setdefault((r["rhs"], r["op"], r["lhs"]), r)
    rows = []
    for _, r in ours.estimates.iterrows():
        lr = lkey.get((r["lhs"], r["op"], r["rhs"]))
        if lr is None:
            raise KeyError(f"lavaan has no row {r['lhs']} {r['op']} {r['rhs']}")
        name = f"{r['lhs']} {r['op']} {r['rhs']}".strip()
        free = not math.isnan(r["se"]) or not (lr["se"] == 0 or pd.isna(lr["se"]))
        for what in ("est", "se", "std_all"):
            if what == "se" and not free:
                continue
            a, b = float(r[what]), float(lr[what])
            rows.append({
                "kind": what, "name": name, "free": free, "ours": a, "lavaan": b,
                "abs_diff": abs(a - b),
                "rel_diff": abs(a - b) / abs(b) if b != 0 else float("nan"),
            })
    for ours_name, lav_name in FIT_NAMES.items():
        a, b = float(ours.fit[ours_name]), float(lav["fit"][lav_name])
        rows.append({
            "kind": "fit", "name": ours_name, "free": True, "ours": a, "lavaan": b,
            "abs_diff": abs(a - b), "rel_diff": abs(a - b) / abs(b) if b != 0 else float("nan"),
        })
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame) -> dict:
    free = table[table["free"]]
    fit = table[table["kind"] == "fit"].set_index("name")
    return {
        "max_abs_diff_est": float(free.loc[free["kind"] == "est", "abs_diff"].max()),
        "max_rel_diff_se": float(free.loc[free["kind"] == "se", "rel_diff"].max()),
        "max_abs_diff_std_all": float(table.loc[table["kind"] == "std_all", "abs_diff"].max()),
        "loglik_diff": float(fit.loc["loglik", "abs_diff"]),
        "max_abs_diff_fit": float(fit.drop(index=["loglik", "loglik_h1", "aic", "bic",
                                                   "chisq", "baseline_chisq"])["abs_diff"].max()),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    riclpm.add_model_arguments(ap)
    ap.add_argument("--out", required=True, type=Path, help="output directory")
    args = ap.parse_args(argv)
    reason = lavaan_status()
    if reason:
        print(f"lavaan cross-check skipped: {reason}", file=sys.stderr)
        return 2
    spec = riclpm.spec_from_args(args)
    data = pd.read_csv(args.data)
    ours = sem_engine.fit_model(data, spec)
    with tempfile.TemporaryDirectory() as tmp:
        lav = run_lavaan(data, spec, Path(tmp))
    table = compare(ours, lav)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "comparison.csv", index=False, float_format="%.17g")
    for k, v in summarise(table).items():
        print(f"{k}: {v:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
