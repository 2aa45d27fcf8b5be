"""Snakemake's own rerun decisions for several configs, on one built workflow.

    python rerun_decisions.py WORKDIR CASES.json OUT.json

CASES.json: {case name: config file}. For each case the workflow is planned (a dry
run of `all` and the reported values) in this one process through Snakemake's API,
and OUT.json gets {case name: {rule: [why, ...]}} for every rule the change reaches
directly, as Snakemake's triggers judge it:

- "params": the job's params differ from those recorded for its outputs,
- "input": the set of its input files differs (not judged for a job whose inputs wait
  on a checkpoint that is to rerun: Snakemake decides again once it has run),
- "missing output": an output it must write does not exist,

whether or not an upstream job reruns anyway: the dry run's own reason stops at
"input files updated by another job", which would hide them. Snakemake's
`--list-changes params` would be the public way, but 9.27.1 lists every recorded
output there (ParamsChange.__or__ keeps the files of an empty change), so the
persistence layer that the params trigger itself uses is asked directly.

One process for all cases: starting Snakemake once per case would take minutes.
"""

import json
import sys
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings

TARGETS = {"all", "results/verification/reported.csv"}


def decisions(workdir: Path, configfile: Path) -> dict[str, list[str]]:
    with SnakemakeApi(OutputSettings()) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=[configfile], replace_workflow_config=True),
            snakefile=workdir / "Snakefile",
            workdir=workdir,
        )
        workflow_api.dag(DAGSettings(targets=TARGETS)).execute_workflow(executor="dryrun")
        workflow = workflow_api._workflow  # the planned DAG and its persistence
        found: dict[str, set[str]] = {}
        for job in workflow.dag.jobs:
            whys = set()
            if workflow.persistence.params_changed(job):
                whys.add("params")
            # Behind the validate checkpoint, a job's inputs are known only once it has
            # run (until then a placeholder stands in); Snakemake then decides again.
            pending = any(f.flags.get("checkpoint_target") for f in job.input)
            if not pending and any(workflow.persistence.input_changed(job)):
                whys.add("input")
            if workflow.dag.reason(job).missing_output:
                whys.add("missing output")
            if whys:
                found.setdefault(job.rule.name, set()).update(whys)
    return {rule: sorted(whys) for rule, whys in found.items()}


def main(workdir: str, cases: str, out: str) -> int:
    workdir = Path(workdir).resolve()
    results = {name: decisions(workdir, Path(path)) for name, path in json.loads(Path(cases).read_text()).items()}
    Path(out).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
