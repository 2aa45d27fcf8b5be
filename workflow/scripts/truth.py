"""Rule truth: the synthetic population's parameters with the pseudo-true values."""

from panelstudy.runlog import log_to

log_to(snakemake.log[0])

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelstudy.pseudotrue import with_pseudo_true  # noqa: E402
from panelstudy.synthetic import write_json  # noqa: E402

population = json.loads(Path(snakemake.input.population).read_text())
write_json(with_pseudo_true(population, pd.read_csv(snakemake.input.pseudo_true)), snakemake.output[0])
