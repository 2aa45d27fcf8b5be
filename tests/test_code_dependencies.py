from code_dependencies import local_imports


def test_transitive_local_imports(tmp_path):
    (tmp_path / "rule_x.py").write_text("import json\nfrom helper import f\n")
    (tmp_path / "helper.py").write_text("import numpy as np\nimport deeper\n")
    (tmp_path / "deeper.py").write_text("from helper import f  # a cycle must not loop\n")
    (tmp_path / "unused.py").write_text("")
    assert local_imports(tmp_path / "rule_x.py") == [str(tmp_path / "deeper.py"), str(tmp_path / "helper.py")]
