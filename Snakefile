# Reproducible companion to Lindqvist et al. (2023): raw trial data -> validation ->
# scoring -> RI-CLPM (FIML) -> tables and figures -> manuscript. See README.md.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# `snakemake --report`: figures and tables with their captions (workflow/report/).
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/measurement.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/manuscript.smk"


rule all:
    default_target: True
    input:
        MANUSCRIPT_OUTPUTS,
        "results/provenance.json",
