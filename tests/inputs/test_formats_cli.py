"""`rulesc eval --input-format` and `--output-format`: detection, missing extras, and the same
findings from JSON, X12, FHIR and Parquet for the scenarios every format carries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler.inputs import extras, formats
from compiler.inputs.formats import sniff
from tests.conftest import PACK, ROOT
from tests.helpers import run_cli
from tests.inputs.common import DATA, pack_claims

needs_all = pytest.mark.skipif(not all(extras.installed(m) for m in ("pyx12", "fhir.resources", "pyarrow")),
                               reason="needs the x12, fhir and parquet extras")


@pytest.mark.parametrize(("head", "expected"), [
    (b"PAR1\x15\x04", "parquet"), (b"ISA*00*", "x12"), (b"\xef\xbb\xbf\r\n  ISA*00", "x12"),
    (b'{"resourceType": "Claim", "id": "1"}', "fhir"), (b'[{"id": "1", "resourceType": "Claim"}]', "fhir"),
    (b'{"id": "1", "type": "professional"}', "json"), (b'{"description": "\\"resourceType\\": x"}', "json"),
    (b"", "json"), (b"garbage", "json")])
def test_the_format_is_detected_from_the_input(head: bytes, expected: str) -> None:
    assert sniff(head) == expected


def test_a_missing_extra_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, analyzed: None) -> None:
    """Run from this checkout, the command installs the extra into it (the README's `-e '.[formats]'`)."""
    monkeypatch.setattr(extras, "installed", lambda module: module not in ("pyx12", "pyarrow"))
    code, out, err = run_cli("eval", str(PACK), "--input", str(DATA / "837p-scenarios.x12"), "--input-format", "x12")
    assert (code, out, err) == (2, "", "rulesc eval: X12 input needs the x12 extra: pip install -e '.[x12]'\n")
    code, _, err = run_cli("eval", str(PACK), "--input", str(DATA / "837p-scenarios.x12"))  # detected
    assert (code, err) == (2, "rulesc eval: X12 input needs the x12 extra: pip install -e '.[x12]'\n")
    code, _, err = run_cli("eval", str(PACK), "--input", "examples/claim.json", "--output-format", "parquet",
                           "--output", str(tmp_path / "out"))
    assert (code, err) == (2, "rulesc eval: Parquet output needs the parquet extra: pip install -e '.[parquet]'\n")


@pytest.mark.parametrize("extra", sorted(extras.EXTRAS))
def test_the_install_command_fits_how_rulesc_is_installed(extra: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A source checkout (the folder holding `compiler` has rulesc's pyproject.toml): `pip install -e`
    of the checkout, `.` from its folder, its path from elsewhere; an installed package (site-packages
    holds no pyproject.toml, or one of another project): `pip install 'rulesc[EXTRA]'`."""
    assert extras.checkout() == ROOT
    assert extras.install_command(extra) == f"pip install -e '.[{extra}]'"
    elsewhere = tmp_path / "my app"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert extras.install_command(extra) == f"pip install -e '{ROOT}[{extra}]'"
    site = tmp_path / "site-packages"
    site.mkdir()
    assert extras.install_command(extra, site) == f"pip install 'rulesc[{extra}]'"
    (site / "pyproject.toml").write_text('[project]\nname = "someone-else"\n', encoding="utf-8")
    assert extras.install_command(extra, site) == f"pip install 'rulesc[{extra}]'"
    spaced = tmp_path / "a checkout"
    spaced.mkdir()
    (spaced / "pyproject.toml").write_text('[project]\nname = "rulesc"\n', encoding="utf-8")
    assert extras.install_command(extra, spaced) == f"pip install -e '{spaced}[{extra}]'"


def test_a_native_build_without_mypy_names_the_native_extra(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    monkeypatch.setattr(extras, "installed", lambda module: module != "mypyc")
    out = tmp_path / "never-written"
    code, _, err = run_cli("build", str(PACK), "--native", "--out", str(out))
    assert not out.exists()
    assert (code, err) == (2, "rulesc build: a native build needs the native extra: pip install -e '.[native]' "
                              "(and a C compiler)\n")


def test_parquet_output_needs_a_folder_and_parquet_input_a_file(tmp_path: Path, analyzed: None) -> None:
    pytest.importorskip("pyarrow", reason="needs the parquet extra")
    code, _, err = run_cli("eval", str(PACK), "--input", "examples/claim.json", "--output-format", "parquet")
    assert (code, err) == (2, "rulesc eval: --output-format parquet needs --output FOLDER\n")
    code, _, err = run_cli("eval", str(PACK), "--input", "-", "--input-format", "parquet", stdin="PAR1")
    assert (code, err) == (2, "rulesc eval: Parquet input is read from a file or a folder, not standard input\n")
    code, _, err = run_cli("eval", str(PACK), "--input", str(tmp_path / "none.parquet"))
    assert code == 2 and err.startswith("rulesc eval: cannot read ")
    code, _, err = run_cli("eval", str(PACK), "--input", str(tmp_path))
    assert (code, err) == (2, f"rulesc eval: {tmp_path}: no .parquet file in this folder\n")


def _results(*argv: str) -> dict[str, list[dict[str, Any]]]:
    code, out, err = run_cli("eval", str(PACK), *argv)
    assert code == 0, err
    return {r["id"]: r["findings"] for r in map(json.loads, out.splitlines())}


@pytest.mark.slow
@needs_all
def test_json_x12_fhir_and_parquet_give_the_same_findings(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from compiler.inputs.parquet import lines_table

    x12: dict[str, list[dict[str, Any]]] = {}
    for name in ("837p-scenarios.x12", "837i-scenarios.x12"):
        x12.update(_results("--input", str(DATA / name)))
    fhir: dict[str, list[dict[str, Any]]] = {}
    for name in ("fhir-bundle.json", "fhir-claims.ndjson", "fhir-claim.json"):
        fhir.update(_results("--input", str(DATA / name)))
    common = sorted(x12.keys() & fhir.keys())
    assert len(common) >= 12
    claims = [pack_claims()[i] for i in common]
    (tmp_path / "claims.jsonl").write_text("".join(json.dumps(c) + "\n" for c in claims), encoding="utf-8")
    pq.write_table(lines_table(claims), tmp_path / "claims.parquet")
    from_json = _results("--input", str(tmp_path / "claims.jsonl"))
    from_parquet = _results("--input", str(tmp_path / "claims.parquet"))
    for claim_id in common:
        assert from_json[claim_id] == x12[claim_id] == fhir[claim_id] == from_parquet[claim_id], claim_id
    assert sum(map(bool, from_json.values())) >= 6


def test_the_format_names_are_the_cli_choices() -> None:
    assert formats.INPUT_FORMATS == ("auto", "json", "x12", "fhir", "parquet")
    assert set(formats.READERS) == set(formats.INPUT_NAMES) == {"x12", "fhir", "parquet"}
