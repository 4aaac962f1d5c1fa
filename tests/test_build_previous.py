"""`rulesc build` of a pack that names its previous version: the previous version is compiled on
its own, compared with the pack, and the documents show what changed; `--check` keeps them current."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

from tests.conftest import ROOT
from tests.helpers import run_cli

FIXTURES = ROOT / "tests" / "previous"
NEW = "tests/previous/small-1.1.rules"


def _section(out: Path) -> str:
    """The page of the changes, with its links across pages written as links to the anchor alone."""
    return re.sub(r"\]\([A-Za-z0-9-]+\.md#", "](#", (out / "small-policy" / "changes.md").read_text(encoding="utf-8"))


def _copy(tmp_path: Path) -> Path:
    """Both versions of the small pack in a folder of their own."""
    folder = tmp_path / "src"
    folder.mkdir()
    for name in ("small-1.0.rules", "small-1.1.rules"):
        shutil.copyfile(FIXTURES / name, folder / name)
    return folder


def test_build_writes_what_changed_since_the_previous_version(tmp_path: Path) -> None:
    code, _, err = run_cli("build", NEW, "--out", str(tmp_path))
    assert code == 0, err
    section = _section(tmp_path)
    assert "\n# Changes since 1.0\n" in section
    assert "2 rules compared: 1 equivalent, 1 broader, 0 narrower" in section
    assert "**[A-injection-units](#rule-a-injection-units)**: broader: it decides every line it used to decide" \
        in section
    witness = section[section.index("**Witness 1: line 1, decided only by the new version**"):]
    assert "| line | code | date | units | under 1.0 | under 1.1 |" in witness
    assert "| 96372 |" in witness and "| 2 | nothing | deny: “96372 with 2 units.” |" in witness
    assert "- [B-push-units](#rule-b-push-units) (message)" in section
    page = (tmp_path / "small.html").read_text(encoding="utf-8")
    assert '<section id="changes" class="detail">\n<h2>Changes since 1.0</h2>' in page
    assert '<div class="entry change-broader" id="change-a-injection-units">' in page
    assert "- **Previous version:** small-1.0.rules" in (tmp_path / "small-policy" / "README.md").read_text(
        encoding="utf-8")
    module = (tmp_path / "small.py").read_text(encoding="utf-8")
    assert "Changes since" not in module and "small-1.0" not in module


def test_build_check_follows_both_versions(tmp_path: Path) -> None:
    """The documents are the same bytes from build to build; editing the previous version makes
    them stale, not the module (it does not depend on that version)."""
    folder, out = _copy(tmp_path), tmp_path / "out"
    new = str(folder / "small-1.1.rules")
    assert run_cli("build", new, "--out", str(out))[0] == 0
    code, _, err = run_cli("build", "--check", new, "--out", str(out))
    assert code == 0, err
    old = folder / "small-1.0.rules"
    old.write_text(old.read_text(encoding="utf-8").replace("when line.units > 2", "when line.units > 1"),
                   encoding="utf-8")
    code, diff, err = run_cli("build", "--check", new, "--out", str(out))
    assert code == 1
    stale = [line for line in err.splitlines() if line.startswith("stale:")]
    assert stale == [f"stale: {out / name} (run `rulesc build --out {out} {new}`)" for name in (
        "small-policy/changes.md", "small.html")]
    assert "-**[A-injection-units](rules-main.md#rule-a-injection-units)**: broader" in diff
    assert run_cli("build", new, "--out", str(out))[0] == 0
    section = _section(out)
    assert "No rule decides differently." in section and "2 rules compared: 2 equivalent" in section


def test_the_command_check_names_is_the_one_that_brings_the_folder_up_to_date(tmp_path: Path) -> None:
    """`build --check --out DIR` names `rulesc build --out DIR ...` with the options that matter, quoted
    for a shell: running it makes the check pass."""
    folder, out = _copy(tmp_path), tmp_path / "out dir"
    new = str(folder / "small-1.1.rules")
    for extra in ((), ("--allow-unknown",)):
        code, _, err = run_cli("build", "--check", *extra, new, "--out", str(out))
        assert code == 1
        (command,) = {line.split("(run `")[1].rstrip("`)") for line in err.splitlines() if "(run `" in line}
        assert command == shlex.join(["rulesc", "build", "--out", str(out), *extra, new])
        words = shlex.split(command)
        assert words[:2] == ["rulesc", "build"] and run_cli(*words[1:])[0] == 0
        assert run_cli("build", "--check", *extra, new, "--out", str(out))[0] == 0
        shutil.rmtree(out)


def test_a_previous_version_that_does_not_compile_stops_the_build(tmp_path: Path) -> None:
    pack = FIXTURES / "broken-previous.rules"
    assert run_cli("check", pack.relative_to(ROOT).as_posix())[0] == 0  # check does not compile it
    code, _, err = run_cli("build", "--color", "never", pack.relative_to(ROOT).as_posix(), "--out", str(tmp_path))
    expected = pack.with_suffix(".expected")
    if os.environ.get("RULESC_REGEN"):
        expected.write_text(err, encoding="utf-8")
    assert (code, err) == (1, expected.read_text(encoding="utf-8"))
    assert "error[unknown-field]" in err and "error[broken-previous]" in err
    assert list(tmp_path.iterdir()) == []


def test_the_previous_versions_examples_do_not_stop_the_build(tmp_path: Path) -> None:
    """Only the previous version's decisions are compared: an example of it that no longer holds is
    a warning, as in `rulesc diff`."""
    folder = _copy(tmp_path)
    old = folder / "small-1.0.rules"
    text = old.read_text(encoding="utf-8")
    expectations = "  expect line 1 deny by A-injection-units\n  expect line 2 review by B-push-units\n"
    old.write_text(text.replace(expectations, ""), encoding="utf-8")
    assert "error[bad-example]" in run_cli("check", str(old))[2]
    code, _, err = run_cli("build", str(folder / "small-1.1.rules"), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "warning[bad-example]" in err and "error[" not in err
    assert "\n# Changes since 1.0\n" in _section(tmp_path / "out")
