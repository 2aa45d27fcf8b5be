"""Score the weekly instruments from validated item tables.

The config's ``instruments`` section (``instruments`` below) drives everything here,
so a fork that swaps in another questionnaire changes the config, not this module.

Scores
------
``score: mean``
    Mean of the items (SAI patient/therapist, ERSQ-9).
``score: sum``
    Sum of the items (a 9-item depression sum score, say).
``score: domains``
    QIDS-style total: each domain is the maximum of its items and the total is the
    sum over domains (QIDS-A17-SR: 9 domains, 0-27).

Reverse-keyed items (``reverse``) are recoded as ``item_min + item_max - x`` before
scoring.

Missing-item rule
-----------------
Mean scores: the score is the mean of the items that are present when at least
``min_items`` are present, and missing otherwise. The mean of the available items is
the prorated mean (the prorated sum, ``sum * k / present``, divided by ``k``).
Sum scores: the prorated sum ``sum * k / present``, under the same rule.

Domain scores: a domain is the maximum of its items that are present, when at least
one is. The total is prorated, ``sum * n_domains / n_scored``, when at least
``min_domains`` domains are scored, and missing otherwise.

Why: proration when most items are present (the common convention is at least
two-thirds; the defaults 4 of 6, 6 of 9 and 7 of 9 domains follow it) keeps
respondents who skipped an item or two, whose loss would bias the sample towards
complete responders and cost power. Proration assumes the skipped items behave like
the answered ones; the fewer items present, the less that holds, hence the floor.
A QIDS domain with several items needs only one of them because it is scored as a
maximum; a missing item can only lower that maximum, never raise it.

Every score left missing carries a reason, so exclusions are never silent. An
instrument not given in a participant's arm is not applicable there: its score is
missing by design, marked ``applicable = False``, and not counted as an exclusion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NO_ROW = "no row for this week"
NOT_GIVEN = "not applicable: not given in this arm"
SCORING_KEYS = ("items", "item_min", "item_max", "reverse", "score", "min_items", "domains", "min_domains", "weeks",
                "arms")
# Validated tables carry these names whatever the raw files call the columns
# (config data.columns describes the raw files; data_contract.typed renames).
VALIDATED_COLUMNS = {"id": "id", "arm": "arm", "week": "week", "rater": "rater"}


def check_instrument(key: str, inst: dict) -> None:
    """Raise ValueError on an instrument entry that cannot be scored."""
    items = list(inst["items"])
    unknown_reverse = [item for item in inst.get("reverse", []) if item not in items]
    if unknown_reverse:
        raise ValueError(f"instrument {key!r}: reverse item(s) {unknown_reverse} are not in its items")
    if inst["score"] in ("mean", "sum"):
        if not 1 <= inst["min_items"] <= len(items):
            raise ValueError(
                f"instrument {key!r}: min_items = {inst['min_items']} must be between 1 and {len(items)}"
            )
    elif inst["score"] == "domains":
        seen: dict[str, str] = {}
        for domain, members in inst["domains"].items():
            for item in members:
                if item not in items:
                    raise ValueError(
                        f"instrument {key!r}: domain {domain!r} names item {item!r}, which is not in its items"
                    )
                if item in seen:
                    raise ValueError(
                        f"instrument {key!r}: item {item!r} is in domains {seen[item]!r} and {domain!r}"
                    )
                seen[item] = domain
        # An item outside every domain would be dropped from the total without notice.
        orphans = [item for item in items if item not in seen]
        if orphans:
            raise ValueError(f"instrument {key!r}: item(s) {orphans} belong to no domain")
        if not 1 <= inst["min_domains"] <= len(inst["domains"]):
            raise ValueError(
                f"instrument {key!r}: min_domains = {inst['min_domains']} must be between 1 and {len(inst['domains'])}"
            )
    else:
        raise ValueError(f"instrument {key!r}: unknown score {inst['score']!r} (expected 'mean', 'sum' or 'domains')")


def keyed_items(long_items: pd.DataFrame, inst: dict) -> pd.DataFrame:
    """The item columns as floats, with reverse-keyed items recoded."""
    missing = [item for item in inst["items"] if item not in long_items.columns]
    if missing:
        raise ValueError(f"item column(s) {missing} not in the data")
    items = long_items[list(inst["items"])].astype(float)
    for item in inst.get("reverse", []):
        items[item] = inst["item_min"] + inst["item_max"] - items[item]
    return items


def domain_scores(items: pd.DataFrame, inst: dict) -> pd.DataFrame:
    """One column per domain: the max of its present items (NaN if none present)."""
    return pd.DataFrame(
        {domain: items[list(members)].max(axis=1, skipna=True) for domain, members in inst["domains"].items()},
        index=items.index,
    )


def _score_mean(items: pd.DataFrame, inst: dict) -> tuple[pd.Series, pd.Series]:
    k = items.shape[1]
    present = items.notna().sum(axis=1)
    enough = present >= inst["min_items"]
    score = items.mean(axis=1, skipna=True).where(enough)
    reason = pd.Series(
        [f"{p} of {k} items present; {inst['min_items']} required" for p in present],
        index=items.index,
        dtype=object,
    ).where(~enough, "")
    return score, reason


def _score_sum(items: pd.DataFrame, inst: dict) -> tuple[pd.Series, pd.Series]:
    mean, reason = _score_mean(items, inst)
    return mean * items.shape[1], reason


def _score_domains(items: pd.DataFrame, inst: dict) -> tuple[pd.Series, pd.Series]:
    domains = domain_scores(items, inst)
    n_domains = domains.shape[1]
    scored = domains.notna().sum(axis=1)
    enough = scored >= inst["min_domains"]
    prorated = domains.sum(axis=1, skipna=True) * n_domains / scored.where(scored > 0)
    score = prorated.where(enough)
    k = items.shape[1]
    present = items.notna().sum(axis=1)
    reason = pd.Series(
        [
            f"{d} of {n_domains} domains scored; {inst['min_domains']} required ({p} of {k} items present)"
            for d, p in zip(scored, present)
        ],
        index=items.index,
        dtype=object,
    ).where(~enough, "")
    return score, reason


def score_instrument(long_items: pd.DataFrame, inst: dict, columns: dict, key: str = "?") -> pd.DataFrame:
    """Score one instrument's validated long table.

    ``columns`` maps the roles id/arm/week to the table's column names
    (``VALIDATED_COLUMNS`` for validated tables). Returns id, arm, week, score, items_present, reason, sorted by
    id and week; reason is empty where a score was computed.
    """
    check_instrument(key, inst)
    items = keyed_items(long_items, inst)
    score, reason = {"mean": _score_mean, "sum": _score_sum, "domains": _score_domains}[inst["score"]](items, inst)
    out = pd.DataFrame(
        {
            "id": long_items[columns["id"]].astype(str),
            "arm": long_items[columns["arm"]].astype(str),
            "week": long_items[columns["week"]].astype(int),
            "score": score.astype(float),
            "items_present": items.notna().sum(axis=1).astype(int),
            "reason": reason.astype(str),
        }
    )
    return out.sort_values(["id", "week"], kind="mergesort").reset_index(drop=True)


def participants(validated: dict[str, pd.DataFrame], columns: dict) -> pd.DataFrame:
    """The randomised participants (union of ids over instruments) with their arm."""
    frames = [
        df[[columns["id"], columns["arm"]]].set_axis(["id", "arm"], axis=1).astype(str) for df in validated.values()
    ]
    people = pd.concat(frames, ignore_index=True).drop_duplicates()
    clashes = people[people["id"].duplicated(keep=False)]
    if not clashes.empty:
        first = clashes["id"].iloc[0]
        arms = sorted(clashes.loc[clashes["id"] == first, "arm"])
        raise ValueError(f"participant {first!r} is in more than one arm across instruments: {arms}")
    return people.sort_values("id", kind="mergesort").reset_index(drop=True)


def scoring(config: dict) -> dict:
    """What scoring reads of each instrument, taken from a full config."""
    return {key: {k: inst[k] for k in SCORING_KEYS if k in inst} for key, inst in config["instruments"].items()}


def score_all(validated: dict[str, pd.DataFrame], instruments: dict) -> pd.DataFrame:
    """Long scores for every instrument, on the full grid of participant x scheduled week.

    A participant with no row for a scheduled week gets a missing score with reason
    ``NO_ROW``, so the table accounts for every cell of the wide panel; one in an arm
    where the instrument is not given gets ``NOT_GIVEN`` and ``applicable = False``.
    """
    people = participants(validated, VALIDATED_COLUMNS)
    parts = []
    for key, inst in instruments.items():
        if key not in validated:
            raise ValueError(f"no validated table for instrument {key!r}")
        check_instrument(key, inst)
        scored = score_instrument(validated[key], inst, VALIDATED_COLUMNS, key)
        off_schedule = sorted(set(scored["week"]) - set(inst["weeks"]))
        if off_schedule:
            raise ValueError(
                f"instrument {key!r}: week(s) {off_schedule} are not in its schedule {list(inst['weeks'])}"
            )
        grid = people.merge(pd.DataFrame({"week": sorted(inst["weeks"])}), how="cross")
        full = grid.merge(scored.drop(columns="arm"), on=["id", "week"], how="left", validate="one_to_one")
        no_row = full["reason"].isna()
        full["items_present"] = full["items_present"].fillna(0).astype(int)
        full["applicable"] = full["arm"].isin(inst["arms"]) if "arms" in inst else True
        full["reason"] = full["reason"].where(~no_row, NO_ROW).where(full["applicable"], NOT_GIVEN)
        full.insert(0, "instrument", key)
        parts.append(full)
    scores = pd.concat(parts, ignore_index=True)
    return scores[["instrument", "id", "arm", "week", "score", "items_present", "applicable", "reason"]]


def wide_panel(scores_long: pd.DataFrame, instruments: dict) -> pd.DataFrame:
    """One row per participant: id, arm, then ``{key}_{week}`` for every scheduled week."""
    people = scores_long[["id", "arm"]].drop_duplicates()
    if people["id"].duplicated().any():
        raise ValueError("a participant has more than one arm in the scores")
    wide = people.sort_values("id", kind="mergesort").set_index("id")
    for key, inst in instruments.items():
        one = scores_long[scores_long["instrument"] == key].pivot(index="id", columns="week", values="score")
        for week in inst["weeks"]:
            wide[f"{key}_{week}"] = one[week] if week in one.columns else np.nan
    return wide.reset_index()


def exclusions(scores_long: pd.DataFrame) -> pd.DataFrame:
    """Every missing score with its reason (not those missing by design)."""
    out = scores_long[scores_long["score"].isna() & scores_long["applicable"].astype(bool)]
    return out[["instrument", "id", "arm", "week", "items_present", "reason"]].reset_index(drop=True)


def read_validated(path: str) -> pd.DataFrame:
    """A validated CSV with the id read as text (leading zeros matter)."""
    # Only empty cells are missing: an id or arm spelled "NA" stays text.
    return pd.read_csv(path, dtype={"id": str, "arm": str, "rater": str}, keep_default_na=False, na_values=[""])
