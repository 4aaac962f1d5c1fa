"""Native builds and wheels: `rulesc build --native` writes an extension outside generated/ that
gives the pure module's findings; `rulesc build --wheel` writes a wheel that installs into a fresh
virtual environment, where `import cpcp026` evaluates claims with nothing of rulesc installed."""

from __future__ import annotations

import json
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest

from compiler import cli, pipeline
from compiler.backends.native import extension_suffix
from compiler.backends.wheel import Distribution, WheelError, check, native_tag
from compiler.batch.engines import load_module
from tests.conftest import PACK, ROOT, native_unavailable
from tests.helpers import engines, run_cli

pytestmark = pytest.mark.slow  # native builds: mypyc and a C compiler, tens of seconds each

CLAIM = {"id": "E02", "type": "professional", "pos": "11", "lines": [
    {"code": "99213", "date": "2024-09-12"}, {"code": "96372", "date": "2024-09-12", "units": 2}]}

def expected() -> list[dict[str, object]]:
    return [f.to_dict() for f in engines(PACK)[2].evaluate(CLAIM)]


needs_native = pytest.mark.skipif(native_unavailable() is not None, reason=str(native_unavailable()))


@needs_native
def test_build_native_writes_an_extension_outside_generated(tmp_path: Path, native_cache: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RULESC_CACHE", str(native_cache))
    code, _, err = run_cli("build", str(PACK), "--native", "--out", str(tmp_path))
    assert code == 0, err
    built = tmp_path / f"cpcp026{extension_suffix()}"
    assert built.exists() and f"wrote {built}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [built.name]
    module = load_module(built)
    assert module.__file__ == str(built)
    assert [f.to_dict() for f in module.evaluate(CLAIM)] == expected() != []
    assert run_cli("build", "--check", str(PACK))[0] == 0  # generated/ is not the native build's business


def test_build_native_is_not_part_of_check() -> None:
    code, _, err = run_cli("build", str(PACK), "--check", "--native")
    assert code == 2 and "--check compares the pure modules" in err


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout")
def test_the_native_build_default_folder_is_ignored_by_git() -> None:
    _, options = cli.parse(["build", str(PACK), "--native"])
    assert options.out == "build/native"  # type: ignore[attr-defined]
    ignored = subprocess.run(["git", "check-ignore", "-q", "build/native/cpcp026.so"], cwd=ROOT, check=False)
    assert ignored.returncode == 0


def _venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    return venv / "bin" / "python"


def _install_and_run(python: Path, wheel: Path, elsewhere: Path) -> tuple[str, list[object]]:
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", "--force-reinstall", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    script = ("import json, sys, cpcp026\n"
              "for name in ('compiler', 'lark', 'jinja2'):\n"
              "    try:\n        __import__(name)\n    except ImportError:\n        pass\n"
              "    else:\n        raise SystemExit(name + ' is importable')\n"
              "print(cpcp026.__file__)\n"
              "print(json.dumps([f.to_dict() for f in cpcp026.evaluate(json.loads(sys.argv[1]))]))\n")
    done = subprocess.run([str(python), "-I", "-c", script, json.dumps(CLAIM)], cwd=elsewhere,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    path, findings = done.stdout.splitlines()
    return path, json.loads(findings)


def test_a_wheel_installs_into_a_fresh_venv_and_evaluates(tmp_path: Path, native_cache: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli("build", str(PACK), "--wheel", str(tmp_path / "wheels"))
    assert code == 0, err
    wheel = tmp_path / "wheels" / "cpcp026-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read("cpcp026-1.0.dist-info/METADATA").decode("utf-8")
        assert archive.read("cpcp026.py") == (ROOT / "generated" / "cpcp026.py").read_bytes()
    assert names == ["cpcp026.py", "cpcp026-1.0.dist-info/METADATA", "cpcp026-1.0.dist-info/WHEEL",
                     "cpcp026-1.0.dist-info/RECORD"]
    assert "Name: cpcp026\nVersion: 1.0\n" in metadata
    again = tmp_path / "again"
    assert run_cli("build", str(PACK), "--wheel", str(again))[0] == 0
    assert (again / wheel.name).read_bytes() == wheel.read_bytes()  # reproducible
    python = _venv(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path, findings = _install_and_run(python, wheel, elsewhere)
    assert path.endswith("site-packages/cpcp026.py") and findings == expected()
    if native_unavailable() is None:
        monkeypatch.setenv("RULESC_CACHE", str(native_cache))
        assert run_cli("build", str(PACK), "--wheel", str(tmp_path / "native"), "--native")[0] == 0
        native = tmp_path / "native" / f"cpcp026-1.0-{native_tag()}.whl"
        path, findings = _install_and_run(python, native, elsewhere)
        assert path.endswith(f"site-packages/cpcp026{extension_suffix()}") and findings == expected()


def test_a_wheel_needs_a_version_a_wheel_can_carry(tmp_path: Path) -> None:
    code, _, err = run_cli("build", "tests/packs/escaping.rules", "--wheel", str(tmp_path))
    assert code == 1 and "is not a version a wheel can carry" in err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(WheelError):
        check(Distribution("a b", "1.0", "", "rulesc"))
    check(Distribution("cpcp026", "2.1rc1", "", "rulesc"))


def test_a_cache_that_cannot_be_written_is_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("RULESC_CACHE", str(blocked))
    code, out, err = run_cli("eval", str(PACK), "--input", "examples/claim.json", "--native")
    assert code == 2 and out == "" and err.startswith("rulesc eval: ") and "Traceback" not in err
    code, _, err = run_cli("build", str(PACK), "--native", "--out", str(tmp_path / "out"))
    assert code == 2 and err.startswith("rulesc build: cannot write")


# -- a module with a data file beside it (tests/batch/data/tabled.py reads tabled.tables)

TABLED = {name: (ROOT / "tests" / "batch" / "data" / name).read_text(encoding="utf-8")
          for name in ("tabled.py", "tabled.tables")}
TABLED_PACK = types.SimpleNamespace(name="tabled", version="1.0", policy="TABLED", title="A module with a data file")
LISTED = {"id": "T1", "lines": [{"code": "99213"}, {"code": "96372"}]}


def test_a_wheel_carries_the_module_s_data_file(tmp_path: Path) -> None:
    """The wheel holds the data file beside the module, so that the installed module finds it."""
    built = pipeline.wheel(TABLED_PACK, {**TABLED, "tabled.md": "a document"}, tmp_path, native=False)  # type: ignore[arg-type]
    with zipfile.ZipFile(built) as archive:
        assert archive.namelist()[:2] == ["tabled.py", "tabled.tables"]
        assert "tabled.tables,sha256=" in archive.read("tabled-1.0.dist-info/RECORD").decode("utf-8")
        archive.extractall(tmp_path / "site")
    module = load_module(tmp_path / "site" / "tabled.py")
    assert [(f.rule, f.line) for f in module.evaluate(LISTED)] == [("T1-listed", 2)]


@needs_native
def test_a_native_build_has_the_data_file_beside_it(tmp_path: Path, native_cache: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RULESC_CACHE", str(native_cache))
    built = pipeline.native_files(TABLED, "tabled")
    extension = f"tabled{extension_suffix()}"
    assert sorted(built) == sorted([extension, "tabled.tables"])
    assert built[extension].parent == built["tabled.tables"].parent
    module = load_module(built[extension])
    assert module.__file__ == str(built[extension])
    assert [(f.rule, f.line) for f in module.evaluate(LISTED)] == [("T1-listed", 2)]
    wheel = pipeline.wheel(TABLED_PACK, TABLED, tmp_path, native=True)  # type: ignore[arg-type]
    with zipfile.ZipFile(wheel) as archive:
        assert sorted(archive.namelist()[:2]) == sorted([extension, "tabled.tables"])
        archive.extractall(tmp_path / "site")
    # imported as an installed wheel is: by name, from an entry of sys.path, in a fresh interpreter
    # (the extension's body reads the data file while `__file__` is only its bare name)
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); import tabled\n"
              "print(tabled.__file__)\n"
              "print(json.dumps([f.to_dict() for f in tabled.evaluate(json.loads(sys.argv[2]))]))")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(tmp_path / "site"), json.dumps(LISTED)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    path, findings = done.stdout.splitlines()
    assert path.endswith(extension) and [(f["rule"], f["line"]) for f in json.loads(findings)] == [("T1-listed", 2)]
