"""The study's design in one place: which instruments play which process of the
model, how an instrument's scores are named in the wide panel, the hypothesised
effects and the indirect path.

Processes have one-letter names in the model (A alliance, E emotion regulation, D
depression); a lagged effect b_O_P is the effect of process P at week t-1 on
process O at week t.
"""

from __future__ import annotations

PROCESSES = ("alliance", "regulation", "depression")
SHORT = dict(zip(PROCESSES, "AED"))
PROCESS_OF = {short: process for process, short in SHORT.items()}
PROCESS_LABELS = {"A": "Alliance", "E": "Emotion regulation", "D": "Depression"}
# The hypotheses of the abstract, as (outcome, predictor).
KEY_EFFECTS = [("D", "A"), ("D", "E"), ("E", "A")]
# The indirect effect A(t) -> E(t+1) -> D(t+2): the product of these two lagged effects.
INDIRECT_PATH = ("b_E_A", "b_D_E")
LAGGED = [f"b_{SHORT[to]}_{SHORT[frm]}" for to in PROCESSES for frm in PROCESSES]


def column_prefix(instrument: str) -> str:
    """Wide-panel columns of an instrument are <key>_<week>."""
    return f"{instrument}_"


def model_constructs(model: dict, alliance: str) -> dict[str, str]:
    """The processes of one fit as wide-panel column prefixes (alliance: which rater's
    instrument); model is the config's `model` section."""
    keys = {"A": alliance, "E": model["regulation"], "D": model["depression"]}
    return {short: column_prefix(key) for short, key in keys.items()}
