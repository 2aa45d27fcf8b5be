"""The bridge to lavaan, the reference engine: the same data and ModelSpec fitted by R's
lavaan (R/lavaan_fit.R, R/lavaan_multigroup.R through Rscript), and our estimates,
standard errors, std.all and fit measures lined up against lavaan's; lavaan's bundled
data sets (R/lavaan_dataset.R).

Needs R with lavaan; lavaan_status() says why not when they are absent.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd

from panelsem.io import EXACT, write_csv
from panelsem.results import FitResult
from panelsem.spec import ModelSpec

R_DIR = Path(__file__).with_name("R")

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
# and those of the MLR fit (se="robust")
SCALED_FIT_NAMES = {
    "chisq_scaled": "chisq.scaled",
    "pvalue_scaled": "pvalue.scaled",
    "chisq_scaling_factor": "chisq.scaling.factor",
    "baseline_chisq_scaled": "baseline.chisq.scaled",
    "baseline_chisq_scaling_factor": "baseline.chisq.scaling.factor",
    "cfi_scaled": "cfi.scaled",
    "tli_scaled": "tli.scaled",
    "rmsea_scaled": "rmsea.scaled",
    "rmsea_ci_lower_scaled": "rmsea.ci.lower.scaled",
    "rmsea_ci_upper_scaled": "rmsea.ci.upper.scaled",
}


def lavaan_status() -> str | None:
    """None when Rscript and lavaan are usable, else the reason they are not."""
    if shutil.which("Rscript") is None:
        return "Rscript not found on PATH"
    probe = subprocess.run(["Rscript", "-e", "suppressPackageStartupMessages(library(lavaan))"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return "R package lavaan not installed (" + probe.stderr.strip().splitlines()[-1] + ")"
    return None


def _rscript(script: str, *args) -> subprocess.CompletedProcess:
    proc = subprocess.run(["Rscript", str(R_DIR / script), *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{proc.stderr}")
    return proc


def run_lavaan(data: pd.DataFrame, spec: ModelSpec, workdir: Path, reps: int = 1, se: str = "standard",
               bounds: str | None = None) -> dict:
    """lavaan's estimates, fit measures and timings (seconds inside R, per rep).

    se: "standard" (estimator ML) or "robust" (MLR); bounds: None or "pos.var"
    (variances bounded at 0 as ours are: the same numbers where one sits at 0)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    csv, lav, prefix = workdir / "data.csv", workdir / "model.lav", workdir / "lavaan"
    write_csv(data[spec.observed], csv, EXACT)
    lav.write_text(spec.syntax)
    estimator = {"standard": "ML", "robust": "MLR"}[se]
    proc = _rscript("lavaan_fit.R", csv, lav, prefix, reps, estimator, bounds or "none")
    est = pd.read_csv(f"{prefix}_estimates.csv", keep_default_na=False, na_values=["NA"])
    fit = pd.read_csv(f"{prefix}_fit.csv")
    return {
        "estimates": est,
        "fit": dict(zip(fit["measure"], fit["value"].astype(float))),
        "times": pd.read_csv(f"{prefix}_time.csv"),
        "stderr": proc.stderr,
    }


def bundled_data(name: str, workdir: Path) -> pd.DataFrame:
    """One of lavaan's bundled data sets (e.g. "Demo.growth"), through R."""
    csv = Path(workdir) / f"{name}.csv"
    _rscript("lavaan_dataset.R", name, csv)
    return pd.read_csv(csv)


def lavaan_multigroup_syntax(spec: ModelSpec, groups: list[str], equal=()) -> str:
    """spec.syntax for lavaan's group = ...: a plain label is one parameter across
    all groups (equal); labels not in `equal` become c(lab_g1, lab_g2, ...)*,
    i.e. free per group."""
    equal = set(equal)
    text = spec.syntax
    for lab in sorted(set(spec.lag_labels()) - equal, key=len, reverse=True):
        per_group = ", ".join(f"{lab}_g{i + 1}" for i in range(len(groups)))
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(lab)}\*", f"c({per_group})*", text)
    return text


def run_lavaan_multigroup(data: pd.DataFrame, spec: ModelSpec, group_column: str, workdir: Path,
                          equal=()) -> dict:
    """Fit in lavaan with group = group_column; returns estimates and fit measures."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    groups = sorted(data[group_column].astype(str).unique())
    # Rows sorted by group, so lavaan's group order is ours.
    frame = data[spec.observed].assign(group=data[group_column].astype(str))
    write_csv(frame.sort_values("group", kind="stable"), workdir / "data.csv", EXACT)
    (workdir / "model.lav").write_text(lavaan_multigroup_syntax(spec, groups, equal))
    proc = _rscript("lavaan_multigroup.R", workdir / "data.csv", workdir / "model.lav",
                    workdir / "est.csv", workdir / "fit.csv")
    est = pd.read_csv(workdir / "est.csv", keep_default_na=False, na_values=["NA"], dtype={"group": str})
    fit = pd.read_csv(workdir / "fit.csv")
    return {"estimates": est, "fit": dict(zip(fit["measure"], fit["value"].astype(float))), "stderr": proc.stderr}


def compare(ours: FitResult, lav: dict) -> pd.DataFrame:
    """Side-by-side table: kind, name, free, ours, lavaan, abs_diff, rel_diff."""
    le = lav["estimates"].copy()
    le["rhs"] = le["rhs"].fillna("")
    lkey = {}
    for _, r in le.iterrows():
        lkey[(r["lhs"], r["op"], r["rhs"])] = r
        if r["op"] == "~~":
            lkey.setdefault((r["rhs"], r["op"], r["lhs"]), r)
    rows = []

    def add(kind, name, free, a, b):
        rows.append({"kind": kind, "name": name, "free": free, "ours": a, "lavaan": b, "abs_diff": abs(a - b),
                     "rel_diff": abs(a - b) / abs(b) if b != 0 else float("nan")})

    for _, r in ours.estimates.iterrows():
        lr = lkey.get((r["lhs"], r["op"], r["rhs"]))
        if lr is None:
            raise KeyError(f"lavaan has no row {r['lhs']} {r['op']} {r['rhs']}")
        name = f"{r['lhs']} {r['op']} {r['rhs']}".strip()
        free = not math.isnan(r["se"]) or not (lr["se"] == 0 or pd.isna(lr["se"]))
        for what in ("est", "se", "std_all"):
            if what == "se" and not free:
                continue
            add(what, name, free, float(r[what]), float(lr[what]))
    for ours_name, lav_name in {**FIT_NAMES, **SCALED_FIT_NAMES}.items():
        if ours_name in ours.fit and lav_name in lav["fit"]:
            add("fit", ours_name, True, float(ours.fit[ours_name]), float(lav["fit"][lav_name]))
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame) -> dict:
    """The largest differences, by kind."""
    free = table[table["free"]]
    fit = table[table["kind"] == "fit"].set_index("name")
    return {
        "max_abs_diff_est": float(free.loc[free["kind"] == "est", "abs_diff"].max()),
        "max_rel_diff_se": float(free.loc[free["kind"] == "se", "rel_diff"].max()),
        "max_abs_diff_std_all": float(table.loc[table["kind"] == "std_all", "abs_diff"].max()),
        "loglik_diff": float(fit.loc["loglik", "abs_diff"]),
        "max_abs_diff_fit": float(fit.drop(index=["loglik", "loglik_h1", "aic", "bic", "chisq", "baseline_chisq",
                                                   "chisq_scaled", "baseline_chisq_scaled"],
                                            errors="ignore")["abs_diff"].max()),
    }
