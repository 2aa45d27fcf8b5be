"""Result tables, as the manuscript shows them (written as CSV and as captioned Markdown)."""

import numpy as np
import pandas as pd

from panelreport.layout import table_layout
from panelreport.markdown import format_p, markdown_table
from panelstudy.design import PROCESS_LABELS


def provenance_markdown(record: dict) -> str:
    git = record["git"]
    dirty = {True: " (uncommitted changes)", False: "", None: ""}[git["dirty"]]
    rows = [
        ("Git commit", f"`{git['commit']}`{dirty}"),
        ("Configuration SHA-256", f"`{record['config_sha256']}`"),
        ("Data source", record["data_source"]),
        ("Python", record["python"]),
    ]
    rows += [(f"Data file `{name}`", f"`{entry['sha256']}`") for name, entry in record["data_files"].items()]
    key_packages = ["snakemake", "semopy", "numpy", "scipy", "pandas", "pandera", "matplotlib", "seaborn", "pypandoc_binary", "typst"]
    rows += [(f"Package {name}", record["packages"][name]) for name in key_packages if name in record["packages"]]
    frame = pd.DataFrame(rows, columns=["Item", "Value"])
    return markdown_table(frame, "Provenance of this build", "provenance", **table_layout("provenance"))




def _m_sd(mean: float, sd: float) -> str:
    return "" if pd.isna(mean) else f"{mean:.2f} ({sd:.2f})"


def sample_table(scores: pd.DataFrame, arms: list[str], depression: str, first_week: int,
                 last_wave: int) -> pd.DataFrame:
    """Per arm: randomised N, and depression at its first week and at the last model wave."""
    rows = []
    for arm in arms:
        in_arm = scores[scores["arm"] == arm]
        dep = in_arm[in_arm["instrument"] == depression]
        start = dep.loc[dep["week"] == first_week, "score"].dropna()
        end = dep.loc[dep["week"] == last_wave, "score"].dropna()
        rows.append({
            "Arm": arm,
            "Randomised": in_arm["id"].nunique(),
            f"Depression, week {first_week}: n": len(start),
            f"Depression, week {first_week}: M (SD)": _m_sd(start.mean(), start.std()),
            f"Depression, week {last_wave}: n": len(end),
            f"Depression, week {last_wave}: M (SD)": _m_sd(end.mean(), end.std()),
        })
    return pd.DataFrame(rows)


def data_quality_table(intake: pd.DataFrame, exclusions: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per instrument: rows read, item completeness, and each reason a score is missing."""
    totals = intake[intake["week"].astype(str) == "all"]
    rows = []
    for key, label in labels.items():
        row = totals[totals["instrument"] == key].iloc[0]
        missing = exclusions[exclusions["instrument"] == key]
        reasons = missing["reason"].value_counts().sort_index()
        rows.append({
            "Instrument": label,
            "File": row["file"],
            "Rows read": int(row["rows_read"]),
            "Complete": int(row["complete"]),
            "Partial": int(row["partial"]),
            "No items": int(row["all_missing"]),
            "Scores missing": len(missing),
            "Reasons": "; ".join(f"{reason} ({n})" for reason, n in reasons.items()) or "none",
        })
    return pd.DataFrame(rows)


def reliability_summary(reliability: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Median and range over weeks of alpha and omega, and the weeks with a Heywood case."""
    rows = []
    for key, label in labels.items():
        rel = reliability[reliability["instrument"] == key]
        heywood = rel.loc[rel["heywood"].astype(bool), "week"].tolist()
        rows.append({
            "Instrument": label,
            "Unit": f"{int(rel['k'].iloc[0])} {rel['unit'].iloc[0]}",
            "Weeks": len(rel),
            "Alpha, median": rel["alpha"].median(),
            "Alpha, min": rel["alpha"].min(),
            "Alpha, max": rel["alpha"].max(),
            "Omega, median": rel["omega"].median(),
            "Omega, min": rel["omega"].min(),
            "Omega, max": rel["omega"].max(),
            "Heywood weeks": ", ".join(map(str, heywood)) or "none",
        })
    return pd.DataFrame(rows)


def icc_summary(icc: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Share of variance between persons, around a grand mean and around the week means."""
    rows = []
    for key, label in labels.items():
        one = icc[icc["instrument"] == key].set_index("mean_model")
        rows.append({
            "Instrument": label,
            "Weeks": one["weeks"].iloc[0],
            "Persons": int(one["n_persons"].iloc[0]),
            "Scores": int(one["n_obs"].iloc[0]),
            "ICC, grand mean": one.loc["grand mean", "icc"],
            "ICC, week means": one.loc["week means", "icc"],
        })
    return pd.DataFrame(rows)


def descriptives_summary(descriptives: pd.DataFrame, labels: dict[str, str], arms: list[str],
                         waves: list[int]) -> pd.DataFrame:
    """M (SD), n at the first, middle and last model waves, by instrument and arm."""
    shown = [waves[0], waves[len(waves) // 2], waves[-1]]
    rows = []
    for key, label in labels.items():
        for arm in arms:
            cells = descriptives[(descriptives["instrument"] == key) & (descriptives["arm"] == arm)]
            row = {"Instrument": label, "Arm": arm}
            for week in shown:
                hit = cells[cells["week"] == week]
                row[f"Week {week}"] = ("n = 0" if hit.empty else
                                       f"{_m_sd(hit['mean'].iloc[0], hit['sd'].iloc[0])}, n = {int(hit['n'].iloc[0])}")
            rows.append(row)
    return pd.DataFrame(rows)


def _ci(low: float, high: float, digits: int = 2) -> str:
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def heywood_text(heywood: list[dict]) -> str:
    return ", ".join(f"{h['parameter']} = {h['est']:.3g}" for h in heywood) or "none"


def model_fit_table(fits: dict[str, pd.DataFrame], diagnostics: dict[str, dict]) -> pd.DataFrame:
    """Fit measures and convergence, one column per fitted model (alliance rater).

    Measures are rows so that the table fits a page; each is formatted to the
    precision it is read at (lavaan's fitMeasures, 3 decimals for indices).
    """
    columns = {}
    for rater, fit in fits.items():
        m = dict(zip(fit["measure"], fit["value"]))
        d = diagnostics[rater]
        columns[rater] = {
            "N (rows with any score)": f"{int(m['n'])}",
            "Rows without any score": f"{int(d['rows_dropped_all_missing'])}",
            "Free parameters": f"{int(m['npar'])}",
            "Log-likelihood": f"{m['loglik']:.3f}",
            "Chi-square (df)": f"{m['chisq']:.3f} ({int(m['df'])})",
            "p": format_p(m["pvalue"]),
            "CFI": f"{m['cfi']:.3f}",
            "TLI": f"{m['tli']:.3f}",
            "RMSEA [90% CI]": f"{m['rmsea']:.3f} {_ci(m['rmsea_ci_lower'], m['rmsea_ci_upper'], 3)}",
            "SRMR": f"{m['srmr']:.3f}",
            "AIC": f"{m['aic']:.3f}",
            "BIC": f"{m['bic']:.3f}",
            "Converged": "yes" if d["converged"] else "NO",
            "Iterations": f"{int(d['iterations'])}",
            "Largest absolute gradient": f"{d['grad_norm']:.1e}",
            "Heywood cases": heywood_text(d["heywood"]),
        }
    frame = pd.DataFrame(columns)
    return frame.rename_axis("Measure").reset_index()


def between_person_table(ri: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Correlations of the random intercepts: stable between-person associations."""
    rows = []
    for rater, frame in ri.items():
        for _, r in frame[frame["lhs"] != frame["rhs"]].iterrows():
            left = PROCESS_LABELS.get(r["lhs"].removeprefix("RI_"), r["lhs"])
            right = PROCESS_LABELS.get(r["rhs"].removeprefix("RI_"), r["rhs"])
            rows.append({"Alliance rater": rater, "Random intercepts": f"{left} with {right}",
                         "Covariance": r["est"], "SE": r["se"], "Correlation": r["corr"]})
    return pd.DataFrame(rows)


def lagged_table(lagged: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Within-person lagged effects for every alliance rater, with Wald 95% CIs."""
    rows = []
    for rater, frame in lagged.items():
        for _, r in frame.iterrows():
            rows.append({
                "Alliance rater": rater,
                "Path": f"{PROCESS_LABELS.get(r['predictor'], r['predictor'])} (t-1) → {PROCESS_LABELS.get(r['outcome'], r['outcome'])} (t)",
                "Label": r["label"],
                "b": r["est"],
                "SE": r["se"],
                # Three decimals: effects of the 0-27 depression scale on 0-6 scales are small per point.
                "95% CI": _ci(r["ci_lower"], r["ci_upper"], 3),
                "p": format_p(r["p"]),
                "β, range over weeks": f"{r['std_min']:.2f} to {r['std_max']:.2f}",
            })
    return pd.DataFrame(rows)


def indirect_table(indirect: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Both intervals of the indirect effect, per alliance rater."""
    rows = []
    for rater, frame in indirect.items():
        r = frame.iloc[0]
        rows.append({
            "Alliance rater": rater,
            "Indirect effect": r["estimate"],
            "Monte Carlo 95% CI": _ci(r["mc_lower"], r["mc_upper"], 3),
            "Bootstrap 95% CI": _ci(r["boot_lower"], r["boot_upper"], 3),
            "Bootstrap p": format_p(r["boot_p"]),
            "Replicates (not converged)": f"{int(r['boot_replicates'])} ({int(r['boot_not_converged'])})",
            "Monte Carlo draws": int(r["mc_draws"]),
        })
    return pd.DataFrame(rows)


def _est_se(est: float, se: float) -> str:
    return "" if pd.isna(est) else f"{est:.3f} ({se:.3f})"


def sensitivity_comparison_table(comparisons: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Nested-model comparisons (likelihood-ratio tests and information criteria) per rater."""
    rows = []
    for rater, frame in comparisons.items():
        for _, r in frame.iterrows():
            note = r["note"] if isinstance(r["note"], str) else ""
            if not np.isfinite(r["chisq_diff"]) or "optimisation failure" in note:
                # A comparison that could not be made says why, in place of its numbers.
                reason = note if note else "not estimable: a model has no finite likelihood"
                rows.append({"Alliance rater": rater, "Comparison": r["comparison"], "Chi-square (df)": reason,
                             "p": "", "AIC restricted / full": "", "BIC restricted / full": ""})
                continue
            rows.append({
                "Alliance rater": rater,
                "Comparison": r["comparison"] + (" †" if "boundary" in note else ""),
                "Chi-square (df)": f"{r['chisq_diff']:.2f} ({int(r['df_diff'])})",
                "p": format_p(r["p"]),
                "AIC restricted / full": f"{r['aic_restricted']:.1f} / {r['aic_full']:.1f}",
                "BIC restricted / full": f"{r['bic_restricted']:.1f} / {r['bic_full']:.1f}",
            })
    return pd.DataFrame(rows)


def sensitivity_models_table(models: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The key lagged effects in every sensitivity model: do the conclusions move?"""
    rows = []
    for rater, frame in models.items():
        for _, r in frame.iterrows():
            rows.append({
                "Rater": rater,
                "Model": r["model"] + (f" ({r['group']})" if isinstance(r["group"], str) and r["group"] else ""),
                "Alliance → depression": _est_se(r["b_D_A"], r["b_D_A_se"]),
                "Regulation → depression": _est_se(r["b_D_E"], r["b_D_E_se"]),
                "Alliance → regulation": _est_se(r["b_E_A"], r["b_E_A_se"]),
                "Converged": "yes" if r["converged"] else "NO",
                "Heywood cases": r["heywood"] if isinstance(r["heywood"], str) and r["heywood"] else "none",
            })
    return pd.DataFrame(rows)
