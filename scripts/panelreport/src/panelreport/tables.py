"""Result tables, as the manuscript shows them (written as CSV and as captioned Markdown).

Models are named by their label (panelstudy.design.models); processes by their label,
through `names` (short name -> label). On real data, counts and statistics that rest on
fewer than privacy.min_cell people are shown as "< k" (see Privacy).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from panelreport.layout import table_layout
from panelreport.markdown import format_p, markdown_table


@dataclass(frozen=True)
class Privacy:
    """min_cell: the fewest people a shown count or statistic may rest on; 1 shows all."""

    min_cell: int = 1

    @classmethod
    def of(cls, settings: dict, source: str) -> "Privacy":
        """The rule for a run: only real data are protected, unless small cells are allowed."""
        if source != "raw" or settings["allow_small_cells"]:
            return cls(1)
        return cls(int(settings["min_cell"]))

    def count(self, n: int) -> int | str:
        """A count of people; 0 and counts of at least min_cell are shown."""
        return n if n == 0 or n >= self.min_cell else f"< {self.min_cell}"

    def statistic(self, text: str, n: int) -> str:
        """A statistic of n people, or why it is withheld."""
        return text if n >= self.min_cell else f"n < {self.min_cell}"


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
    key_packages = ["snakemake", "semopy", "numpy", "scipy", "pandas", "pandera", "matplotlib", "seaborn",
                    "pypandoc_binary", "typst"]
    rows += [(f"Package {name}", record["packages"][name]) for name in key_packages if name in record["packages"]]
    frame = pd.DataFrame(rows, columns=["Item", "Value"])
    return markdown_table(frame, "Provenance of this build", "provenance", **table_layout("provenance"))


def _m_sd(mean: float, sd: float) -> str:
    return "" if pd.isna(mean) else f"{mean:.2f} ({sd:.2f})"


def sample_table(scores: pd.DataFrame, arms: list[dict], modelled_arms: list[str], outcome: str, outcome_label: str,
                 first_week: int, last_wave: int, privacy: Privacy) -> pd.DataFrame:
    """Per arm: randomised N, whether it enters the models, and the outcome at its
    first week and at the last model wave."""
    rows = []
    for arm in arms:
        in_arm = scores[scores["arm"] == arm["name"]]
        out = in_arm[(in_arm["instrument"] == outcome) & in_arm["applicable"].astype(bool)]
        start = out.loc[out["week"] == first_week, "score"].dropna()
        end = out.loc[out["week"] == last_wave, "score"].dropna()
        rows.append({
            "Arm": arm["name"],
            "Treatment": arm["label"],
            "Randomised": privacy.count(in_arm["id"].nunique()),
            "In the models": "yes" if arm["name"] in modelled_arms else "no",
            f"{outcome_label}, week {first_week}: n": privacy.count(len(start)),
            f"{outcome_label}, week {first_week}: M (SD)": privacy.statistic(_m_sd(start.mean(), start.std()), len(start)),
            f"{outcome_label}, week {last_wave}: n": privacy.count(len(end)),
            f"{outcome_label}, week {last_wave}: M (SD)": privacy.statistic(_m_sd(end.mean(), end.std()), len(end)),
        })
    return pd.DataFrame(rows)


def data_quality_table(intake: pd.DataFrame, scores: pd.DataFrame, labels: dict[str, str],
                       privacy: Privacy) -> pd.DataFrame:
    """Per instrument: rows read, item completeness, each reason a score is missing, and
    the scores that do not apply by design (an instrument not given in an arm)."""
    totals = intake[intake["week"].astype(str) == "all"]
    rows = []
    for key, label in labels.items():
        row = totals[totals["instrument"] == key].iloc[0]
        mine = scores[scores["instrument"] == key]
        applicable = mine["applicable"].astype(bool)
        missing = mine[applicable & mine["score"].isna()]
        reasons = missing["reason"].value_counts().sort_index()
        rows.append({
            "Instrument": label,
            "File": row["file"],
            "Rows read": privacy.count(int(row["rows_read"])),
            "Complete": privacy.count(int(row["complete"])),
            "Partial": privacy.count(int(row["partial"])),
            "No items": privacy.count(int(row["all_missing"])),
            "Scores missing": privacy.count(len(missing)),
            "Reasons": "; ".join(f"{reason} ({privacy.count(int(n))})" for reason, n in reasons.items()) or "none",
            "Not applicable (not given in the arm)": privacy.count(int((~applicable).sum())),
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


def descriptives_summary(descriptives: pd.DataFrame, labels: dict[str, str], arms: list[str], waves: list[int],
                         given: dict[str, list[str]], privacy: Privacy) -> pd.DataFrame:
    """M (SD), n at the first, middle and last model waves, by instrument and arm
    (given: instrument -> the arms where it is given)."""
    shown = [waves[0], waves[len(waves) // 2], waves[-1]]
    rows = []
    for key, label in labels.items():
        for arm in arms:
            cells = descriptives[(descriptives["instrument"] == key) & (descriptives["arm"] == arm)]
            row = {"Instrument": label, "Arm": arm}
            for week in shown:
                hit = cells[cells["week"] == week]
                if arm not in given[key]:
                    row[f"Week {week}"] = "not given"
                elif hit.empty:
                    row[f"Week {week}"] = "n = 0"
                else:
                    n = int(hit["n"].iloc[0])
                    text = privacy.statistic(f"{_m_sd(hit['mean'].iloc[0], hit['sd'].iloc[0])}, n = {n}", n)
                    row[f"Week {week}"] = text
            rows.append(row)
    return pd.DataFrame(rows)


def _ci(low: float, high: float, digits: int = 2) -> str:
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def heywood_text(heywood: list[dict]) -> str:
    return ", ".join(f"{h['parameter']} = {h['est']:.3g}" for h in heywood) or "none"


SE_WORDS = {"standard": "observed information", "robust": "robust (sandwich, MLR)"}


def model_fit_table(fits: dict[str, pd.DataFrame], diagnostics: dict[str, dict]) -> pd.DataFrame:
    """Fit measures and convergence, one column per fitted model (by its label).

    Measures are rows so that the table fits a page; each is formatted to the
    precision it is read at (lavaan's fitMeasures, 3 decimals for indices). A model
    that did not converge shows no fit measures, only that it did not converge.
    """
    columns = {}
    for model, fit in fits.items():
        m = dict(zip(fit["measure"], fit["value"]))
        d = diagnostics[model]
        ok = bool(d["converged"])

        def shown(text):
            return text if ok else "(not converged)"

        columns[model] = {
            "N (rows with any score)": f"{int(m['n'])}",
            "Rows without any score": f"{int(d['rows_dropped_all_missing'])}",
            "Free parameters": f"{int(m['npar'])}",
            "Log-likelihood": shown(f"{m['loglik']:.3f}"),
            "Chi-square (df)": shown(f"{m['chisq']:.3f} ({int(m['df'])})"),
            "p": shown(format_p(m["pvalue"])),
            "CFI": shown(f"{m['cfi']:.3f}"),
            "TLI": shown(f"{m['tli']:.3f}"),
            "RMSEA [90% CI]": shown(f"{m['rmsea']:.3f} {_ci(m['rmsea_ci_lower'], m['rmsea_ci_upper'], 3)}"),
            "SRMR": shown(f"{m['srmr']:.3f}"),
            "AIC": shown(f"{m['aic']:.3f}"),
            "BIC": shown(f"{m['bic']:.3f}"),
            "Converged": "yes" if ok else "NO",
            "Iterations": f"{int(d['iterations'])}",
            "Largest absolute gradient": f"{d['grad_norm']:.1e}",
            "Heywood cases": heywood_text(d["heywood"]),
            "Standard errors": SE_WORDS[d["se"]],
        }
        if d["se"] == "robust":  # lavaan's MLR: the test statistic is scaled too
            columns[model]["Scaled chi-square (df), p"] = shown(
                f"{m['chisq_scaled']:.3f} ({int(m['df'])}), {format_p(m['pvalue_scaled'])}")
    frame = pd.DataFrame(columns)
    return frame.rename_axis("Measure").reset_index()


def between_person_table(ri: dict[str, pd.DataFrame], names: dict[str, str], converged: dict[str, bool]) -> pd.DataFrame:
    """Correlations of the random intercepts: stable between-person associations."""
    rows = []
    for model, frame in ri.items():
        if not converged[model]:
            continue
        for _, r in frame[frame["lhs"] != frame["rhs"]].iterrows():
            left = names.get(r["lhs"].removeprefix("RI_"), r["lhs"])
            right = names.get(r["rhs"].removeprefix("RI_"), r["rhs"])
            rows.append({"Model": model, "Random intercepts": f"{left} with {right}",
                         "Covariance": r["est"], "SE": r["se"], "Correlation": r["corr"]})
    return pd.DataFrame(rows, columns=["Model", "Random intercepts", "Covariance", "SE", "Correlation"])


def lagged_table(lagged: dict[str, pd.DataFrame], names: dict[str, str], directions: dict[str, dict[str, list[str]]],
                 converged: dict[str, bool]) -> pd.DataFrame:
    """Within-person lagged effects of every model, with Wald 95% CIs, on the score scale,
    and each estimate's direction in words (directions: model -> label -> [words if
    the estimate is positive, if negative])."""
    rows = []
    for model, frame in lagged.items():
        if not converged[model]:
            continue
        for _, r in frame.iterrows():
            rows.append({
                "Model": model,
                "Path": f"{names.get(r['predictor'], r['predictor'])} → {names.get(r['outcome'], r['outcome'])}",
                "Label": r["label"],
                "b": r["est"],
                "SE": r["se"],
                # Three decimals: an effect per point of a wide scale on a narrow one is small.
                "95% CI": _ci(r["ci_lower"], r["ci_upper"], 3),
                "p": format_p(r["p"]),
                "β, range over weeks": f"{r['std_min']:.2f} to {r['std_max']:.2f}",
                "Direction": directions[model][r["label"]][0 if r["est"] >= 0 else 1],
            })
    return pd.DataFrame(rows)


def indirect_table(indirect: dict[str, pd.DataFrame], chains: dict[str, str], converged: dict[str, bool]) -> pd.DataFrame:
    """Both intervals of each indirect effect, per model (chains: chain -> its words)."""
    rows = []
    for model, frame in indirect.items():
        if not converged[model]:
            continue
        for _, r in frame.iterrows():
            rows.append({
                "Model": model,
                "Indirect effect": chains[r["chain"]],
                "Estimate": r["estimate"],
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
    """Nested-model comparisons (likelihood-ratio tests and information criteria) per model."""
    rows = []
    for model, frame in comparisons.items():
        for _, r in frame.iterrows():
            note = r["note"] if isinstance(r["note"], str) else ""
            if (not np.isfinite(r.get("chisq_diff", np.nan)) or "optimisation failure" in note
                    or "not converged" in note):
                # A comparison that could not be made says why, in place of its numbers.
                reason = note if note else "not estimable: a model has no finite likelihood"
                rows.append({"Model": model, "Comparison": r["comparison"], "Chi-square (df)": reason,
                             "p": "", "p (chi-bar-square)": "", "AIC restricted / full": "",
                             "BIC restricted / full": ""})
                continue
            rows.append({
                "Model": model,
                "Comparison": r["comparison"] + (" †" if "boundary" in note else ""),
                "Chi-square (df)": f"{r['chisq_diff']:.2f} ({int(r['df_diff'])})",
                "p": format_p(r["p"]),
                # Beside the naive p where the restriction is on the boundary (blank elsewhere).
                "p (chi-bar-square)": format_p(r.get("p_chibar", np.nan)),
                "AIC restricted / full": f"{r['aic_restricted']:.1f} / {r['aic_full']:.1f}",
                "BIC restricted / full": f"{r['bic_restricted']:.1f} / {r['bic_full']:.1f}",
            })
    return pd.DataFrame(rows)


def sensitivity_models_table(models: dict[str, pd.DataFrame], effects: list[tuple[str, str]],
                             names: dict[str, str]) -> pd.DataFrame:
    """The hypothesised lagged effects in every sensitivity model: do the conclusions move?"""
    rows = []
    for model, frame in models.items():
        for _, r in frame.iterrows():
            row = {"Model": model,
                   "Sensitivity model": r["model"] + (f" ({r['group']})" if isinstance(r["group"], str) and r["group"]
                                                      else "")}
            for outcome, predictor in effects:
                name = f"b_{outcome}_{predictor}"
                # A model that did not converge has no estimates to report.
                cell = _est_se(r.get(name, np.nan), r.get(f"{name}_se", np.nan)) if r["converged"] else "(not converged)"
                row[f"{names[predictor]} → {names[outcome]}"] = cell
            row["Converged"] = "yes" if r["converged"] else "NO"
            row["Heywood cases"] = r["heywood"] if isinstance(r["heywood"], str) and r["heywood"] else "none"
            rows.append(row)
    return pd.DataFrame(rows)
