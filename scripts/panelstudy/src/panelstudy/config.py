"""Checks on the config that JSON Schema cannot express (cross-references, matrices).

The schema (workflow/schemas/config.schema.yaml) checks keys, types and ranges first;
these checks run after it and before any rule, and report every problem at once.
"""

from pathlib import Path

import jsonschema
import numpy as np
import yaml


class ConfigError(ValueError):
    pass


def schema_problems(config: dict, schema_path: str | Path) -> list[str]:
    """Every schema violation as 'key.path: message', not only the first one."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = []
    for error in sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path]):
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        allowed = error.schema.get("description")
        hint = f" ({allowed.strip()})" if allowed and error.validator in ("enum", "type", "minimum", "maximum") else ""
        problems.append(f"{where}: {error.message}{hint}")
    return problems


def _instrument_problems(key: str, inst: dict) -> list[str]:
    where = f"instruments.{key}"
    items = inst["items"]
    problems = []
    if inst["item_min"] >= inst["item_max"]:
        problems.append(f"{where}: item_min ({inst['item_min']}) must be below item_max ({inst['item_max']})")
    for item in inst["reverse"]:
        if item not in items:
            problems.append(f"{where}.reverse: '{item}' is not one of its items")
    if inst["score"] == "mean" and inst["min_items"] > len(items):
        problems.append(f"{where}.min_items: {inst['min_items']} exceeds its {len(items)} items")
    if inst["score"] == "domains":
        seen = {}
        for domain, members in inst["domains"].items():
            for item in members:
                if item not in items:
                    problems.append(f"{where}.domains.{domain}: '{item}' is not one of its items")
                elif item in seen:
                    problems.append(f"{where}.domains: '{item}' is in both {seen[item]} and {domain}")
                seen.setdefault(item, domain)
        if inst["min_domains"] > len(inst["domains"]):
            problems.append(f"{where}.min_domains: {inst['min_domains']} exceeds its {len(inst['domains'])} domains")
    return problems


def _matrix_problems(name: str, matrix, unit_diagonal: bool) -> list[str]:
    m = np.asarray(matrix, dtype=float)
    problems = []
    if unit_diagonal:
        if not np.allclose(m, m.T):
            problems.append(f"synthetic.{name}: must be symmetric")
        elif not np.allclose(np.diag(m), 1):
            problems.append(f"synthetic.{name}: diagonal must be 1")
        elif np.linalg.eigvalsh(m).min() <= 0:
            problems.append(f"synthetic.{name}: must be positive definite")
    elif np.abs(np.linalg.eigvals(m)).max() >= 1:
        problems.append(f"synthetic.{name}: largest |eigenvalue| must be below 1 (a stationary process)")
    return problems


# Keys that earlier versions of the config had, and what replaces them.
RETIRED = {
    ("bootstrap", "chunks"): "removed: the number of bootstrap jobs is an execution setting, not science; "
    "give it on the command line (`--set-scatter bootstrap=N`) or in a profile",
}


def retired_keys(config: dict) -> list[str]:
    problems = []
    for (section, key), why in RETIRED.items():
        if isinstance(config.get(section), dict) and key in config[section]:
            problems.append(f"{section}.{key}: {why}")
    return problems


def check_config(config: dict, schema_path: str | Path) -> None:
    """Raise ConfigError listing every problem: schema violations first, then cross-field ones."""
    problems = retired_keys(config)
    if problems:
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(problems))
    problems = schema_problems(config, schema_path)
    if problems:
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(problems))
    instruments = config["instruments"]
    files = {}
    for key, inst in instruments.items():
        problems += _instrument_problems(key, inst)
        if inst["file"] in files:
            problems.append(f"instruments.{key}.file: '{inst['file']}' is also the file of {files[inst['file']]}")
        files.setdefault(inst["file"], key)

    model = config["model"]
    roles = [("model.alliance", k) for k in model["alliance"]]
    roles += [("model.regulation", model["regulation"]), ("model.depression", model["depression"])]
    for where, key in roles:
        if key not in instruments:
            problems.append(f"{where}: '{key}' is not an instrument (have: {', '.join(instruments)})")
            continue
        absent = sorted(set(model["waves"]) - set(instruments[key]["weeks"]))
        if absent:
            problems.append(f"model.waves: weeks {absent} are not in the schedule of {key}")
    if sorted(model["waves"]) != list(model["waves"]):
        problems.append("model.waves: must be in increasing order")
    if model["lagged"] == "free":
        problems.append("model.lagged: 'free' is not available for the main model: the indirect effect and its "
                        "intervals are defined for time-invariant lags (scripts/fit_riclpm.py --lagged free fits it)")

    syn = config["synthetic"]
    problems += _matrix_problems("lagged_effects", syn["lagged_effects"], unit_diagonal=False)
    problems += _matrix_problems("innovation_correlation", syn["innovation_correlation"], True)
    problems += _matrix_problems("intercept_correlation", syn["intercept_correlation"], True)

    if problems:
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(problems))
