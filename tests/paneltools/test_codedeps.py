"""Code-change tracking: the modules of our packages a rule script imports."""

from paneltools.codedeps import local_imports


def package(root, name, files, lazy=False):
    folder = root / name
    folder.mkdir(parents=True)
    init = "def __getattr__(name):\n    raise AttributeError(name)\n" if lazy else ""
    (folder / "__init__.py").write_text(init)
    for module, text in files.items():
        (folder / f"{module}.py").write_text(text)
    return folder


def test_dotted_relative_and_transitive_imports(tmp_path):
    src = tmp_path / "src"
    eng = package(src, "eng", {"fit": "import numpy as np\nfrom .model import M\n", "model": "from eng import spec\n",
                               "spec": "", "unused": ""})
    study = package(src, "study", {"scores": "from eng.fit import fit\n", "other": ""})
    script = tmp_path / "rule.py"
    script.write_text("import json\nfrom study.scores import score\n")
    assert local_imports(script, [src]) == sorted(str(p) for p in [
        study / "__init__.py", study / "scores.py", eng / "__init__.py", eng / "fit.py", eng / "model.py",
        eng / "spec.py"])


def test_a_cycle_does_not_loop(tmp_path):
    src = tmp_path / "src"
    pkg = package(src, "pkg", {"a": "from pkg import b\n", "b": "import pkg.a\n"})
    script = tmp_path / "rule.py"
    script.write_text("import pkg.a\n")
    assert local_imports(script, [src]) == sorted(str(pkg / f) for f in ("__init__.py", "a.py", "b.py"))


def test_a_name_from_a_lazy_package_counts_as_the_whole_package(tmp_path):
    """`from pkg import fit_model` may come from any module of a package that hands out
    its names lazily, so every module counts; a submodule import counts alone."""
    src = tmp_path / "src"
    pkg = package(src, "pkg", {"fit": "", "io": ""}, lazy=True)
    script = tmp_path / "rule.py"
    script.write_text("from pkg import fit_model\n")
    assert local_imports(script, [src]) == sorted(str(pkg / f) for f in ("__init__.py", "fit.py", "io.py"))
    script.write_text("from pkg.io import write\n")
    assert local_imports(script, [src]) == sorted(str(pkg / f) for f in ("__init__.py", "io.py"))


def test_the_workflow_rule_scripts(repo_root):
    """The fit rule depends on the engine's optimiser; the data rules do not."""
    roots = sorted(repo_root.glob("scripts/*/src"))
    fit = local_imports(repo_root / "workflow/scripts/fit_riclpm.py", roots)
    validate = local_imports(repo_root / "workflow/scripts/validate.py", roots)
    assert any(p.endswith("panelsem/optimise.py") for p in fit)
    assert any(p.endswith("panelstudy/data_contract.py") for p in validate)
    assert not any(p.endswith("panelsem/optimise.py") for p in validate)
