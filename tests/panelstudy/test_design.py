"""The design read from the config: models, tests and the signs that directions give."""

import copy

import pytest

from panelstudy import design


def test_one_model_per_instrument_combination(config):
    models = design.models(config)
    assert [m["id"] for m in models] == ["sai_patient", "sai_therapist"]
    assert models[1]["instruments"] == {"alliance": "sai_therapist", "regulation": "ersq", "depression": "qids"}
    assert models[1]["constructs"] == {"A": "sai_therapist_", "E": "ersq_", "D": "qids_"}
    two = copy.deepcopy(config)
    two["instruments"]["ersq_b"] = copy.deepcopy(two["instruments"]["ersq"]) | {"file": "ersq_b.csv"}
    two["processes"][1]["instruments"].append("ersq_b")
    assert [m["id"] for m in design.models(two)] == ["sai_patient__ersq", "sai_patient__ersq_b",
                                                     "sai_therapist__ersq", "sai_therapist__ersq_b"]


def test_hypotheses_are_tested_in_the_models_their_instruments_name(config):
    tests = design.tests(config)
    assert [(t["label"].split()[0], t["model"], t["kind"]) for t in tests] == [
        ("Alliance", "sai_patient", "path"), ("Alliance", "sai_therapist", "path"),
        ("Emotion", "sai_patient", "path"), ("Alliance", "sai_patient", "path"),
        ("Alliance", "sai_patient", "indirect")]
    assert tests[0]["parameters"] == ["b_D_A"] and tests[-1]["parameters"] == ["b_E_A", "b_D_E"]


def signs(config, label):
    test = next(t for t in design.tests(config) if t["label"] == label and t["model"] == "sai_patient")
    return test["score_sign"], test["expected"]


@pytest.mark.parametrize("flipped", [None, "sai_patient", "ersq", "qids"])
def test_higher_is_worse_turns_the_expected_sign_in_each_position(config, flipped):
    """A positive hypothesis (better with better) expects a negative estimate between an
    alliance score (higher better) and a depression score (higher worse); flipping the
    direction of either end flips it, flipping an instrument off the path does not."""
    config = copy.deepcopy(config)
    if flipped:
        config["instruments"][flipped]["higher_is_better"] = not config["instruments"][flipped]["higher_is_better"]
    a_to_d = signs(config, "Alliance predicts next week's depression")
    e_to_d = signs(config, "Emotion regulation predicts next week's depression")
    a_to_e = signs(config, "Alliance predicts next week's emotion regulation")
    chain = signs(config, "Alliance predicts depression two weeks later through emotion regulation")
    expected = {None: (-1, -1, 1), "sai_patient": (1, -1, -1), "ersq": (-1, 1, -1), "qids": (1, 1, 1)}[flipped]
    assert (a_to_d[0], e_to_d[0], a_to_e[0]) == expected
    assert chain[0] == a_to_d[0]  # the chain's ends are the direct path's
    # The words stay in the processes' own terms, whatever the scales.
    assert a_to_d[1] == "more alliance → less depression" and a_to_e[1] == "more alliance → better emotion regulation"


def test_direction_words_follow_the_estimate_and_the_scales(config):
    model = design.primary_model(config)
    assert design.direction(config, "regulation", "depression", model, -1) == "better emotion regulation → less depression"
    assert design.direction(config, "regulation", "depression", model, +1) == "better emotion regulation → more depression"
    worse = copy.deepcopy(config)
    worse["instruments"]["ersq"]["higher_is_better"] = False  # a difficulties scale: higher = worse regulation
    assert design.direction(worse, "regulation", "depression", model, +1) == "better emotion regulation → less depression"


def test_chains_are_estimated_in_every_model(config):
    chains = design.chains(config)
    assert chains == [{"label": "Alliance predicts depression two weeks later through emotion regulation",
                       "processes": ["alliance", "regulation", "depression"], "parameters": ["b_E_A", "b_D_E"],
                       "words": "Alliance → emotion regulation → depression"}]
    assert design.effects(config) == [("D", "A"), ("D", "E"), ("E", "A")]
