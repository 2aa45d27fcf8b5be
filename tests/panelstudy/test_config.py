"""The config is checked before any rule runs, and every problem is named."""

import copy
from pathlib import Path

import pytest
import yaml

from panelstudy.config import ConfigError, check_config

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


def test_test_configs_are_valid(config, handwritten_config):
    check_config(config, SCHEMA)
    check_config(handwritten_config, SCHEMA)


@pytest.mark.parametrize("path", ["config/template.yaml", ".test/trial2/config.yaml"])
def test_the_template_and_the_second_trial_are_valid(repo_root, path):
    """The template a fork starts from (config/README.md) is a complete config."""
    check_config(yaml.safe_load((repo_root / path).read_text()), SCHEMA)


@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (lambda c: c.update(seeed=3), "'seeed' was unexpected"),
        (lambda c: c.update(seed=-4), "seed: -4 is less than the minimum of 0"),
        (lambda c: c["data"].update(source="synthetik"), "data.source: 'synthetik' is not one of"),
        (lambda c: c["instruments"]["ersq"].update(item_max="4"), "instruments.ersq.item_max: '4' is not of type 'integer'"),
        (lambda c: c["instruments"]["qids"].pop("min_domains"), "instruments.qids: 'min_domains' is a required property"),
        (lambda c: c["model"].update(lagged="sometimes"), "model.lagged: 'sometimes' is not one of ['invariant', 'free']"),
        (lambda c: c["model"].update(lagged="free"), "model.lagged: 'free' is not available for the main model"),
        (lambda c: c["bootstrap"].update(replications=0), "bootstrap.replications: 0 is less than the minimum of 1"),
        (lambda c: c["synthetic"].update(item_loading=1.5), "synthetic.item_loading: 1.5 is greater than or equal to the maximum of 1"),
        (lambda c: c["processes"][1]["instruments"].__setitem__(0, "ersqq"), "processes[1].instruments: 'ersqq' is not an instrument"),
        (lambda c: c["processes"][2]["instruments"].append("ersq"), "processes[2].instruments: 'ersq' already measures regulation"),
        (lambda c: c["processes"][1].update(name="alliance"), "processes: 'alliance' is named twice"),
        (lambda c: c["processes"][1].update(short="A"), "share the short name 'A'"),
        (lambda c: c["study"].update(outcome="mood"), "study.outcome: 'mood' is not a process"),
        (lambda c: c["hypotheses"]["paths"][0].update(to="mood"), "hypotheses.paths[0]: ['mood'] are not processes"),
        (lambda c: c["hypotheses"]["paths"][0].update(sign="up"), "hypotheses.paths.0.sign: 'up' is not one of"),
        (lambda c: c["hypotheses"]["paths"][1].update(label=c["hypotheses"]["paths"][0]["label"]), "is used twice"),
        (lambda c: c["hypotheses"].update(correction="bonferroni"), "hypotheses.correction: 'bonferroni' is not one of"),
        (lambda c: c["model"].update(arms=["ICBT", "waitlist"]), "model.arms: 'waitlist' is not one of data.arms"),
        (lambda c: c["data"].update(id_map={7: "007"}), 'data.id_map: 7 is not of type \'string\' (an id in quotes, "7" not 7)'),
        (lambda c: c["data"].update(id_map={"7": "007", "007": "P7"}), "data.id_map: '007' is mapped to 'P7' and is itself"),
        (lambda c: c["data"].update(normalise_ids="yes"), "data.normalise_ids: 'yes' is not of type 'boolean'"),
        (lambda c: c["model"].update(min_coverage=1), "model.min_coverage: 1 is less than the minimum of 2"),
        (lambda c: c["instruments"]["sai_therapist"].update(arms=["ICBT"]), "model.arms: sai_therapist is not given in IPDT"),
        (lambda c: c["model"].update(arms=["ICBT"]), "model.multigroup: 'IPDT' is not one of model.arms"),
        (lambda c: c["data"].update(ignore_files=["qids.csv"]), "data.ignore_files: 'qids.csv' is the file of instrument qids"),
        (lambda c: c["synthetic"].update(innovation_sd=[1, 1]), "synthetic.innovation_sd: needs 3 values, one per process"),
        (lambda c: c["instruments"]["qids"].update(score="total"), "instruments.qids.score: 'total' is not one of"),
        (lambda c: c["instruments"]["qids"]["domains"]["mood"].append("qids99"), "instruments.qids.domains.mood: 'qids99' is not one of its items"),
        (lambda c: c["synthetic"]["intercept_correlation"][0].__setitem__(1, 0.9), "synthetic.intercept_correlation: must be symmetric"),
        (lambda c: c["model"].update(waves=[1, 2, 11]), "model.waves: weeks [11] are not in the schedule of sai_patient"),
        (lambda c: c["instruments"]["ersq"]["parcels"][0].append("ersq2"), "item(s) ['ersq2'] are in more than one parcel"),
        (lambda c: c["instruments"]["ersq"].pop("parcels"),
         "recovery.indicator_replications: the multiple-indicator model needs parcels, and instrument(s) ersq state none"),
        (lambda c: c["recovery"].update(indicator_replications=200), "recovery.indicator_replications: 200 exceeds its"),
        (lambda c: c["power"]["attrition"].update(driver="mood"), "power.attrition.driver: 'mood' is not a process"),
        (lambda c: c["power"]["population"].update(lagged_effects=[[0.3, 0.1], [0.1, 0.3]]),
         "power.population.lagged_effects: must be 3 x 3"),
        (lambda c: c["power"]["population"].update(lagged_effects=[[1.2, 0, 0], [0, 0.3, 0], [0, 0, 0.3]]),
         "power.population.lagged_effects: largest |eigenvalue| must be below 1"),
        (lambda c: c["power"]["population"].update(innovation_sd=[1, 1]), "power.population.innovation_sd: needs 3 values"),
        (lambda c: c["power"]["population"].update(item_offset_sd=0.1), "'item_offset_sd' was unexpected"),
        (lambda c: c["power"].update(simulate="latent"), "power.simulate: 'latent' is not one of ['items', 'scores']"),
        (lambda c: c["power"].update(n_per_arm=[5, 50]), "power.n_per_arm.0: 5 is less than the minimum of 10"),
        (lambda c: c["verification"].update(documents=["papers"]), "verification.documents.0: 'papers' is not one of"),
    ],
)
def test_bad_value_is_named(config, mutate, named):
    bad = copy.deepcopy(config)
    mutate(bad)
    with pytest.raises(ConfigError) as caught:
        check_config(bad, SCHEMA)
    assert named in str(caught.value)


def test_all_problems_reported_at_once(config):
    bad = copy.deepcopy(config)
    bad["seed"] = "x"
    bad["bootstrap"]["replications"] = 0
    with pytest.raises(ConfigError) as caught:
        check_config(bad, SCHEMA)
    assert "seed:" in str(caught.value) and "bootstrap.replications:" in str(caught.value)


def test_a_retired_key_says_what_replaces_it(config):
    """Forks with a config from before the bootstrap moved to scattergather."""
    config["bootstrap"]["chunks"] = 4
    with pytest.raises(ConfigError) as caught:
        check_config(config, SCHEMA)
    assert "bootstrap.chunks: removed" in str(caught.value) and "--set-scatter bootstrap=N" in str(caught.value)


def test_a_schema_2_config_from_before_make_power_says_what_to_add(config):
    del config["power"]
    del config["verification"]["documents"]
    with pytest.raises(ConfigError) as err:
        check_config(config, SCHEMA)
    assert "power: missing; planning a replication (`make power`) reads it: copy the `power` section" in str(err.value)
    assert "verification.documents: missing; `[paper]` checks the paper's numbers as before" in str(err.value)
    assert "power.pseudo_true" not in str(err.value)  # the missing section's own message covers it


def test_a_schema_2_config_from_before_the_pseudo_true_values_says_what_to_add(config):
    for section, key in [(config, "pseudo_true"), (config["recovery"], "indicator_replications"),
                         (config["recovery"], "check"), (config["power"], "pseudo_true")]:
        del section[key]
    with pytest.raises(ConfigError) as err:
        check_config(config, SCHEMA)
    message = str(err.value)
    for named in ("  - pseudo_true: missing", "  - recovery.indicator_replications: missing", "  - recovery.check: missing",
                  "  - power.pseudo_true: missing"):
        assert named in message, message


def test_a_schema_1_config_says_how_to_migrate(config):
    """A fork's config from before schema_version existed gets the list of changes, not a KeyError."""
    old = yaml.safe_load((Path(__file__).parent / "schema1_config.yaml").read_text())
    with pytest.raises(ConfigError) as caught:
        check_config(old, SCHEMA)
    message = str(caught.value)
    assert "no schema_version" in message and "replace model.alliance" in message and "`processes` list" in message


def test_a_future_schema_version_is_named(config):
    config["schema_version"] = 3
    with pytest.raises(ConfigError, match="schema_version: 3 is not 2"):
        check_config(config, SCHEMA)


def test_snakemake_stops_before_any_rule(tmp_path, repo_root, snakemake, small_args):
    override = tmp_path / "bad.yaml"
    override.write_text(yaml.safe_dump({"data": {"source": "synthetik"}, "seed": 1.5}))
    result = snakemake(repo_root, "--dry-run", *small_args(override), check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "data.source: 'synthetik' is not one of ['synthetic', 'raw']" in output
    assert "seed: 1.5 is not of type 'integer'" in output
    assert "Job stats" not in output  # no job was even planned
