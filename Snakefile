# Reproducible companion to Lindqvist et al. (2023): raw trial data -> validation ->
# scoring -> RI-CLPM (FIML) -> tables and figures -> manuscript. See README.md.

from snakemake.utils import min_version

min_version("9.0")


# The default trial. `--configfile overlay.yaml` merges into it; another trial's full
# config replaces it with `--replace-workflow-config --configfile trial.yaml`
# (`make CONFIG=trial.yaml`, config/README.md).
configfile: "config/config.yaml"


# Jobs the bootstrap and the recovery study are split into, and the power analysis per
# sample size. Results do not depend on them, so they are execution settings:
# `--set-scatter bootstrap=32 recovery=32 power=16`.
scattergather:
    bootstrap=4,
    recovery=4,
    power=4,


# Under a cluster executor these run on the submitting host, not as jobs: a file copy,
# and reading and comparing CSV files, each quicker than a job submission.
localrules:
    stage_figure,
    reported_values,
    verify,


# `snakemake --report`: figures and tables with their captions (workflow/report/).
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/truth.smk"
include: "workflow/rules/measurement.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/recovery.smk"
include: "workflow/rules/manuscript.smk"
include: "workflow/rules/power.smk"
include: "workflow/rules/verification.smk"


rule all:
    default_target: True
    input:
        MANUSCRIPT_OUTPUTS,
        SUPPLEMENT_OUTPUTS,
        "results/provenance.json",
