"""Command line: fit a panel model to a wide CSV, cross-check it against lavaan, or
simulate data.

    python -m panelsem fit data.csv --construct A=alliance_ --construct E=regulation_ \\
        --construct D=depression_ --waves 1-10 [--lagged free] [--clpm | --slopes] \\
        [--se robust] [--allow-unconverged] --out outdir/
    python -m panelsem crosscheck data.csv --construct ... --waves ... --out outdir/
    python -m panelsem simulate --n 272 --waves 10 --out data.csv

fit writes outdir/estimates.csv (lhs, op, rhs, label, est, se, z, p, std_all),
outdir/fit.csv (measure, value) and outdir/diagnostics.json. Floats are written
with 17 significant digits (round-trip exact), so the same data give the same
bytes; the run time goes to stderr, not into the files, for the same reason.
A fit that does not converge writes nothing and exits with status 3 (stderr says
why), unless --allow-unconverged, which writes it anyway (diagnostics.json has
converged: false). Improper solutions (Heywood cases) are written, with warnings.
crosscheck writes outdir/comparison.csv: ours and lavaan's side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from panelsem.spec import LAGGED, ModelSpec, build_riclpm, parse_construct, parse_waves


def add_model_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("data", help="wide CSV: one row per person, columns PREFIX+WAVE, empty = missing")
    ap.add_argument("--construct", action="append", required=True, metavar="NAME=PREFIX",
                    help="construct short name and column prefix, e.g. E=ersq_ (repeat per construct)")
    ap.add_argument("--waves", required=True, help="waves, e.g. 1-10 or 1,2,3,5")
    ap.add_argument("--lagged", choices=LAGGED, default="invariant",
                    help="lagged effects equal over time (default) or free per wave")
    kind = ap.add_mutually_exclusive_group()
    kind.add_argument("--clpm", action="store_true", help="fit the CLPM (no random intercepts)")
    kind.add_argument("--slopes", action="store_true", help="fit the LCM-SR (random intercepts and slopes)")
    ap.add_argument("--se", choices=("standard", "robust"), default="standard",
                    help="standard errors: observed information (default), or robust (lavaan's MLR: sandwich, "
                         "with the scaled test statistic)")
    ap.add_argument("--out", required=True, type=Path, help="output directory")


def spec_from_args(args) -> ModelSpec:
    constructs = dict(parse_construct(c) for c in args.construct)
    if len(constructs) != len(args.construct):
        raise ValueError("a construct name is given twice")
    return build_riclpm(constructs, parse_waves(args.waves), lagged=args.lagged,
                        random_intercepts=not args.clpm, slopes=args.slopes)


def model_name(args) -> str:
    return "CLPM" if args.clpm else "LCM-SR" if args.slopes else "RI-CLPM"


def write_results(res, out: Path) -> None:
    import pandas as pd

    from panelsem.io import EXACT, write_csv

    out.mkdir(parents=True, exist_ok=True)
    write_csv(res.estimates, out / "estimates.csv", EXACT)
    fit = pd.DataFrame({"measure": list(res.fit), "value": [float(v) for v in res.fit.values()]})
    write_csv(fit, out / "fit.csv", EXACT)
    diag = {k: v for k, v in res.diagnostics.items() if k != "seconds"}
    with open(out / "diagnostics.json", "w") as fh:
        json.dump(diag, fh, indent=2, sort_keys=True)
        fh.write("\n")


def load(args):
    import pandas as pd

    spec = spec_from_args(args)
    return spec, pd.read_csv(args.data)


def cmd_fit(args) -> int:
    from panelsem.fit import fit_model

    spec, data = load(args)
    res = fit_model(data, spec, se=args.se)
    d, f = res.diagnostics, res.fit
    if not d["converged"]:
        print(f"error: the fit did not converge: the largest gradient of -2 logL over parameters not at a bound "
              f"is {d['grad_norm']:.3g} (criterion {d['grad_tol']:g}) at logL {f['loglik']:.4f}, the best of "
              f"{d['starts']} starts ({d['starts_reaching_best']} reached it); see diagnostics.json "
              f"(attempts)", file=sys.stderr)
        if not args.allow_unconverged:
            print("nothing written; --allow-unconverged writes the unconverged fit anyway", file=sys.stderr)
            return 3
        print("written anyway (--allow-unconverged): its numbers are not estimates", file=sys.stderr)
    write_results(res, args.out)
    scaled = f" chisq_scaled={f['chisq_scaled']:.3f}" if "chisq_scaled" in f else ""
    print(f"{model_name(args)} ({args.lagged} lags): n={f['n']} patterns={f['n_patterns']} "
          f"loglik={f['loglik']:.3f} chisq={f['chisq']:.3f}{scaled} df={f['df']} cfi={f['cfi']:.3f} "
          f"rmsea={f['rmsea']:.3f} srmr={f['srmr']:.3f} se={d['se']} converged={d['converged']} "
          f"heywood={len(d['heywood'])}")
    if d["rows_dropped_all_missing"]:
        print(f"note: {d['rows_dropped_all_missing']} rows with no observed value were dropped", file=sys.stderr)
    if d["starts"] > 1:
        print(f"note: {d['starts']} starts tried, {d['starts_reaching_best']} reached the best optimum",
              file=sys.stderr)
    for h in d["heywood"]:
        print(f"warning: improper solution: {h['kind']} {h['parameter']} = {h['est']:.3g}", file=sys.stderr)
    if d["at_bound"]:
        print(f"note: at their bound 0: {', '.join(d['at_bound'])}; standard errors include them, as lavaan's "
              f"with bounds = 'pos.var'", file=sys.stderr)
    print(f"seconds: {d['seconds']:.2f}", file=sys.stderr)
    return 0


def cmd_crosscheck(args) -> int:
    import tempfile

    from panelsem.fit import fit_model
    from panelsem.io import EXACT, write_csv
    from panelsem.lavaan import compare, lavaan_status, run_lavaan, summarise

    reason = lavaan_status()
    if reason:
        print(f"lavaan cross-check not possible: {reason}", file=sys.stderr)
        return 2
    spec, data = load(args)
    ours = fit_model(data, spec, se=args.se)
    if not ours.converged:
        print(f"warning: our fit did not converge (largest gradient {ours.diagnostics['grad_norm']:.3g})",
              file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        lav = run_lavaan(data, spec, Path(tmp), se=args.se, bounds="pos.var")
    table = compare(ours, lav)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(table, args.out / "comparison.csv", EXACT)
    for k, v in summarise(table).items():
        print(f"{k}: {v:.3g}")
    return 0


def cmd_simulate(args) -> int:
    from panelsem.io import EXACT, write_csv
    from panelsem.simulate import simulate_wide

    constructs = dict(parse_construct(c) for c in args.construct) if args.construct else None
    write_csv(simulate_wide(n=args.n, waves=args.waves, constructs=constructs, seed=args.seed), args.out, EXACT)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m panelsem", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fit the model by FIML and write its results")
    add_model_arguments(fit)
    fit.add_argument("--allow-unconverged", action="store_true",
                     help="write the results of a fit that did not converge (exit status 0, not 3)")
    add_model_arguments(sub.add_parser("crosscheck", help="fit with lavaan too and compare (needs R + lavaan)"))
    sim = sub.add_parser("simulate", help="write a simulated wide panel (RI-CLPM with dropout and skips)")
    sim.add_argument("--n", type=int, default=272)
    sim.add_argument("--waves", type=int, default=10)
    sim.add_argument("--construct", action="append", metavar="NAME=PREFIX")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--out", required=True, type=Path)
    args = ap.parse_args(argv)
    command = {"fit": cmd_fit, "crosscheck": cmd_crosscheck, "simulate": cmd_simulate}[args.command]
    try:
        return command(args)
    except (KeyError, ValueError, TypeError, NotImplementedError) as err:
        print(f"error: {err.args[0] if err.args else err}", file=sys.stderr)
        return 1
