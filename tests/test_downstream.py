"""An application takes a generated module into its own package and imports it from anywhere,
with nothing but the standard library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import PACK
from tests.helpers import engines, run_cli

CLAIM = {"id": "E02", "type": "professional", "pos": "11", "lines": [
    {"code": "99213", "date": "2024-09-12"}, {"code": "96372", "date": "2024-09-12"}]}

SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from their_app.edits import cpcp026
for name in ("lark", "jinja2", "networkx", "compiler"):
    try:
        __import__(name)
    except ImportError:
        pass
    else:
        raise SystemExit(name + " is importable: the check is not standard-library only")
print(json.dumps([f.to_dict() for f in cpcp026.evaluate(json.loads(sys.argv[2]))]))
"""


def test_build_into_an_application_package_and_import_it_from_elsewhere(tmp_path: Path) -> None:
    site = tmp_path / "site"
    package = site / "their_app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Their application."""\n', encoding="utf-8")
    assert run_cli("build", "--out", str(package / "edits"), str(PACK))[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-I", "-S", "-c", SCRIPT, str(site), json.dumps(CLAIM)],
                          cwd=elsewhere, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    _, _, module = engines(PACK)
    assert json.loads(done.stdout) == [f.to_dict() for f in module.evaluate(CLAIM)] != []
    assert (package / "__init__.py").read_text(encoding="utf-8") == '"""Their application."""\n'
