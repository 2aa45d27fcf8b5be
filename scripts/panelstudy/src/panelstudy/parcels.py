"""Item parcels: the indicators of the multiple-indicator RI-CLPM.

An instrument's ``parcels`` (config) assign its items to parcels, each item to exactly
one. A parcel is scored like its instrument, on the instrument's score scale, so that
every parcel of a construct measures the same quantity as the total:

- ``mean``: the mean of the parcel's items that are present;
- ``sum``: that mean times the instrument's number of items;
- ``domains``: the mean of the parcel's domains that are scored (each the highest of
  its present items) times the instrument's number of domains. A domain must lie in
  one parcel, or its maximum would be split.

A parcel is left missing where the instrument's score is missing (too few items, no
row, not given), so the parcels have the missing-data patterns of the scores, and where
none of its own items is present.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from panelstudy.scoring import VALIDATED_COLUMNS, domain_scores, keyed_items


def parcel_prefix(instrument: str, j: int) -> str:
    """Wide-panel columns of parcel j (1-based) of an instrument are <key>_p<j>_<week>."""
    return f"{instrument}_p{j}_"


def parcel_problems(key: str, inst: dict) -> list[str]:
    """Why an instrument's parcels cannot be scored (empty when they can)."""
    where = f"instruments.{key}.parcels"
    parcels = inst["parcels"]
    problems = []
    if len(parcels) < 2:
        problems.append(f"{where}: {len(parcels)} parcel(s); the multiple-indicator model needs at least 2")
    placed = [item for parcel in parcels for item in parcel]
    unknown = sorted(set(placed) - set(inst["items"]))
    if unknown:
        problems.append(f"{where}: item(s) {unknown} are not in the instrument's items")
    twice = sorted({item for item in placed if placed.count(item) > 1})
    if twice:
        problems.append(f"{where}: item(s) {twice} are in more than one parcel")
    left = [item for item in inst["items"] if item not in placed]
    if left:
        problems.append(f"{where}: item(s) {left} are in no parcel")
    if inst["score"] == "domains":
        home = {item: j for j, parcel in enumerate(parcels) for item in parcel}
        for domain, members in inst["domains"].items():
            if len({home.get(item) for item in members}) > 1:
                problems.append(f"{where}: domain {domain!r} is split over parcels; a domain is scored as the "
                                "highest of its items, so its items must share a parcel")
    return problems


def parcel_values(items: pd.DataFrame, inst: dict) -> pd.DataFrame:
    """One column per parcel (1, 2, ...) for an instrument's keyed items."""
    out = {}
    if inst["score"] == "domains":
        domains = domain_scores(items, inst)
        for j, parcel in enumerate(inst["parcels"], start=1):
            mine = [d for d, members in inst["domains"].items() if members[0] in parcel]
            out[j] = domains[mine].mean(axis=1, skipna=True) * len(inst["domains"])
    else:
        scale = len(inst["items"]) if inst["score"] == "sum" else 1
        for j, parcel in enumerate(inst["parcels"], start=1):
            out[j] = items[list(parcel)].mean(axis=1, skipna=True) * scale
    return pd.DataFrame(out, index=items.index)


def parcel_panel(validated: dict[str, pd.DataFrame], instruments: dict, scores_long: pd.DataFrame) -> pd.DataFrame:
    """One row per participant (the rows of the wide panel): id, arm, then
    ``<key>_p<j>_<week>`` for every instrument with parcels and every scheduled week."""
    people = scores_long[["id", "arm"]].drop_duplicates().sort_values("id", kind="mergesort").set_index("id")
    columns = {}
    for key, inst in instruments.items():
        if "parcels" not in inst:
            continue
        table = validated[key]
        values = parcel_values(keyed_items(table, inst), inst)
        values["id"], values["week"] = table[VALIDATED_COLUMNS["id"]].astype(str), table["week"].astype(int)
        scored = scores_long.loc[scores_long["instrument"] == key, ["id", "week", "score"]]
        values = values.merge(scored, on=["id", "week"], how="left", validate="one_to_one")
        for j in range(1, len(inst["parcels"]) + 1):
            wide = values.assign(v=values[j].where(values["score"].notna())).pivot(index="id", columns="week",
                                                                                     values="v")
            for week in inst["weeks"]:
                column = f"{parcel_prefix(key, j)}{week}"
                columns[column] = (wide[week].reindex(people.index) if week in wide.columns
                                   else pd.Series(np.nan, index=people.index))
    return pd.concat([people, pd.DataFrame(columns, index=people.index)], axis=1).reset_index()


def model_indicators(constructs: dict[str, str], instruments: dict) -> dict[str, list[str]] | None:
    """A model's constructs (short name -> score column prefix <key>_) as indicators
    (short name -> parcel prefixes); None when an instrument states no parcels."""
    out = {}
    for short, prefix in constructs.items():
        key = prefix[:-1]
        if "parcels" not in instruments.get(key, {}):
            return None
        out[short] = [parcel_prefix(key, j) for j in range(1, len(instruments[key]["parcels"]) + 1)]
    return out
