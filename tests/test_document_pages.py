"""The Markdown document as a folder of pages: every page of every committed pack under the size code
hosts render, links that resolve across pages, diagrams a host draws, parts cut into more pages as
they grow, big tables summarized, and `build` / `build --check` handling the folder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.analysis.conflicts.report import Report
from compiler.backends import document
from compiler.backends.document import build_model, generate_documents, markdown_environment, markdown_pages
from compiler.backends.pages import PAGE_BUDGET, PAGE_LIMIT
from tests.conftest import PACK, ROOT
from tests.helpers import compile_ok, run_cli
from tests.test_documents import FIXTURES, broken_links, document_pages, markdown_parser

GENERATED = ROOT / "generated"
EDGE = re.compile(r"  n\d+ \S+ n\d+")


def _folders() -> list[Path]:
    return sorted(path for path in GENERATED.iterdir() if path.is_dir() and path.name.endswith("-policy"))


def _read(folder: Path) -> dict[str, str]:
    names = sorted(p.name for p in folder.iterdir())
    assert "README.md" in names and all(name.endswith(".md") for name in names), names
    return {name: (folder / name).read_text(encoding="utf-8") for name in ["README.md", *names] if name}


def _diagrams(text: str) -> list[str]:
    return [t.content for t in markdown_parser().parse(text) if t.type == "fence" and t.info == "mermaid"]


def _report() -> Report:
    return Report.from_json(json.loads((FIXTURES / "report-cpcp026.json").read_text(encoding="utf-8")))


# ---------------------------------------------------------------- the committed documents


def test_every_committed_page_is_under_the_limit_and_its_links_resolve() -> None:
    folders = _folders()
    assert folders and (GENERATED / "cpcp026-policy") in folders
    for folder in folders:
        pages = _read(folder)
        sizes = {name: len(text.encode("utf-8")) for name, text in pages.items()}
        assert max(sizes.values()) < PAGE_LIMIT, sizes
        assert broken_links(pages) == []
        pack = folder.name.removesuffix("-policy")
        assert not (GENERATED / f"{pack}.md").exists(), "the single Markdown document of the old layout"
        assert (GENERATED / f"{pack}.py").is_file() and (GENERATED / f"{pack}.html").is_file()


def test_every_committed_diagram_is_one_a_code_host_draws() -> None:
    """One diagram per block, each under Mermaid's default limits (50,000 characters, 500 edges)."""
    diagrams = [d for folder in _folders() for text in _read(folder).values() for d in _diagrams(text)]
    assert diagrams
    for diagram in diagrams:
        assert len(diagram) < document.MERMAID_CHARACTERS
        assert diagram.count("flowchart") == 1 and diagram.startswith("flowchart LR\n")
        assert sum(1 for line in diagram.splitlines() if EDGE.fullmatch(line)) <= document.MERMAID_EDGES


def test_the_readme_and_the_docs_point_to_the_entry_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "generated/cpcp026-policy/README.md" in readme
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        assert "cpcp026.md" not in path.read_text(encoding="utf-8"), path


def test_the_module_beside_the_pages_folder_imports_as_before() -> None:
    """`from generated import cpcp026` finds the module: the pages folder's name is not an identifier,
    so Python never takes it for a package (run as CI runs it, with the standard library only)."""
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from generated import cpcp026; "
              "print(cpcp026.__file__, len(cpcp026.RULES))")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(ROOT)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    path, rules = done.stdout.split()
    assert Path(path) == GENERATED / "cpcp026.py" and int(rules) > 30


# ---------------------------------------------------------------- cutting parts into pages


@pytest.fixture(scope="module")
def model() -> document.Model:
    pack, sources = compile_ok(PACK)
    return build_model(pack, sources.text(pack.path) or "", _report())


def test_the_pack_gets_a_page_per_part_and_per_policy_section(model: document.Model) -> None:
    pages = markdown_pages(model, markdown_environment(), "cpcp026.html")
    sections = [f"rules-{s.anchor.removeprefix('section-')}.md" for s in model.sections]
    assert list(pages) == ["README.md", *sections, "analysis.md", "codes.md", "examples.md"]
    assert all(len(text.encode("utf-8")) <= PAGE_BUDGET for text in pages.values())
    assert broken_links(pages) == []
    readme = pages["README.md"]
    assert readme.startswith('<a id="top"></a>\n\n# CPCP026: ') and '<a id="coverage"></a>' in readme
    assert "- [Code index](codes.md#code-index)\n" in readme
    assert "  - [Coding and Billing](rules-coding.md#section-coding)" in readme
    coding = pages["rules-coding.md"]
    assert coding.startswith("[CPCP026: Therapeutic, Prophylactic, Diagnostic, Injection and Infusion Administration "
                             "Coding](README.md#top) · [Contents](README.md#contents)\n\n# Coding and Billing\n\n")
    assert "[P10](README.md#row-p10)" in coding and "[Hydration administration](codes.md#set-hydration)" in coding


def test_parts_longer_than_the_budget_continue_on_pages_that_link(model: document.Model) -> None:
    budget = 20_000
    pages = markdown_pages(model, markdown_environment(), "cpcp026.html", budget)
    assert len(pages) > 20 and broken_links(pages) == []
    frame = 1_000  # the navigation line, the heading and the lines to the neighbouring pages
    assert {name: len(t.encode("utf-8")) for name, t in pages.items() if len(t.encode("utf-8")) > budget + frame} == {}
    codes = [name for name in pages if re.fullmatch(r"codes(-\d+)?\.md", name)]
    assert len(codes) > 2
    header = ("| codes | description | in code sets | targeted by | named by | suggested by |\n"
              "|---|---|---|---|---|---|\n")
    index = [name for name in codes if "| 96" in pages[name] or "| J" in pages[name]]
    for name in index[:-1]:  # the code index's header rows are repeated on every page it continues on
        assert pages[name].count(header) == 1, name
    assert pages["codes.md"].startswith(pages["rules-coding.md"].split("\n")[0])
    assert "# Code index, code sets and tables (page 1 of " in pages["codes.md"]
    assert re.search(r"\nContinued on \[Code index, code sets and tables \(page 2 of \d+, codes [0-9A-Z]+–[0-9A-Z]+\)\]"
                     r"\(codes-2\.md\)\.\n$", pages["codes.md"])
    assert "\nContinued from [Code index, code sets and tables (page 1 of " in pages["codes-2.md"]
    contents = pages["README.md"]
    assert re.search(r"- \[Code index\]\(codes\.md#code-index\) \(pages: \[36000–[0-9A-Z]+\]\(codes\.md\), ", contents)
    for name, text in pages.items():  # a heading is never the last thing on a page
        assert not re.search(r"\n#+ [^\n]*\n*$", text), name


def test_a_big_table_is_summarized(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "TABLE_ROWS_IN_FULL", 5)
    monkeypatch.setattr(document, "TABLE_ROWS_SHOWN", 3)
    _, pages, page = document_pages(PACK)
    table = pages["codes.md"].split('<a id="table-facility-setting-codes"></a>')[1].split("<a id=")[0]
    count = re.search(r" (\d+) rows: the first 3 are shown, the rules read them all\.", table)
    assert count is not None and int(count.group(1)) > 5
    assert len(re.findall(r"\n\| 9\d{4} \|", table)) == 3
    assert f"{count.group(1)} rows: the first 3 are shown, the rules read them all." in page


def test_a_graph_too_large_for_one_diagram_is_drawn_per_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MERMAID_CHARACTERS", 3_000)
    pack, pages, _ = document_pages(PACK)
    assert "```mermaid" not in pages["README.md"] and "- [The rule graph](graph.md#graph)\n" in pages["README.md"]
    graph = pages["graph.md"]
    diagrams = _diagrams(graph)
    assert len(diagrams) > len(pack.sections) // 2 and all(len(d) <= 3_000 for d in diagrams)
    assert "\n## Coding and Billing (1 of " in graph and "\n## Definitions\n" in graph
    drawn = {line.split('"')[1] for d in diagrams for line in d.splitlines() if ':::rule' in line}
    assert {r.id for r in pack.rules if r.kind == "rule"} <= drawn
    assert broken_links(pages) == []
    monkeypatch.setattr(document, "MERMAID_CHARACTERS", 100)
    _, pages, _ = document_pages(PACK)
    assert "```mermaid" not in "".join(pages.values())
    assert "Too large to draw as one diagram on a code host: the HTML document draws it." in pages["graph.md"]


def _many_rules(path: Path, count: int) -> Path:
    rules = "".join(f'rule R{n:04d}-units "Injection units above {n}"\n  cite main\n'
                    f'  target injection\n  when line.units > {n}\n  deny "96372 with {{units}} units, above {n}."\n\n'
                    for n in range(count))
    path.write_text('pack many\n  title "Many rules"\n  version "1"\n  effective 2024-01-01\n  source "none.txt"\n\n'
                    'section main "Main"\n  text "One section with many rules."\n\ncodes injection = 96372\n\n'
                    + rules, encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_section_with_many_rules_continues_on_pages_under_the_limit(tmp_path: Path) -> None:
    _, pages, _ = document_pages(_many_rules(tmp_path / "many.rules", 800))
    sizes = {name: len(text.encode("utf-8")) for name, text in pages.items()}
    assert len([name for name in pages if name.startswith("rules-main")]) > 2
    assert max(sizes.values()) <= PAGE_BUDGET, sizes
    assert broken_links(pages) == []
    diagrams = [d for text in pages.values() for d in _diagrams(text)]  # 800 edges: more than one diagram draws
    assert len(diagrams) > 1 and all(len(d) < document.MERMAID_CHARACTERS for d in diagrams)
    assert all(sum(1 for line in d.splitlines() if EDGE.fullmatch(line)) <= document.MERMAID_EDGES for d in diagrams)


# ---------------------------------------------------------------- build and build --check


@pytest.mark.slow
def test_build_owns_the_pages_folder_and_check_reports_stale_missing_and_extra(tmp_path: Path) -> None:
    out = tmp_path / "app"
    out.mkdir()
    (out / "__init__.py").write_text("from app.cpcp026 import evaluate\n", encoding="utf-8")
    (out / "notes.md").write_text("the application's own\n", encoding="utf-8")
    (out / "cpcp026.md").write_text("the single document of the old layout\n", encoding="utf-8")
    code, _, err = run_cli("build", "--out", str(out), str(PACK))
    assert code == 0, err
    assert f"removed {out / 'cpcp026.md'} (left over from an earlier build)" in err
    assert not (out / "cpcp026.md").exists() and (out / "notes.md").is_file() and (out / "__init__.py").is_file()
    folder = out / "cpcp026-policy"
    committed = GENERATED / "cpcp026-policy"
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in committed.iterdir())
    assert all((folder / p.name).read_bytes() == p.read_bytes() for p in committed.iterdir())
    assert run_cli("build", "--check", "--out", str(out), str(PACK))[0] == 0

    (folder / "rules-a-renamed-section.md").write_text("a page of an earlier build\n", encoding="utf-8")
    (folder / "old").mkdir()
    (folder / "old" / "page.md").write_text("in a subfolder\n", encoding="utf-8")
    (folder / "examples.md").unlink()
    readme = folder / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("## Overview", "## Overview (edited)"),
                      encoding="utf-8")
    (out / "cpcp026.md").write_text("the old document again\n", encoding="utf-8")
    code, diff, err = run_cli("build", "--check", "--out", str(out), str(PACK))
    assert code == 1
    rerun = f"(run `rulesc build --out {out} {PACK}`)"
    assert [line for line in err.splitlines() if not line.startswith("up to date")] == [
        f"stale: {readme} {rerun}",
        f"missing: {folder / 'examples.md'} {rerun}",
        f"extra: {folder / 'old' / 'page.md'}, left over from an earlier build {rerun}",
        f"extra: {folder / 'rules-a-renamed-section.md'}, left over from an earlier build {rerun}",
        f"extra: {out / 'cpcp026.md'}, left over from an earlier build {rerun}",
    ]
    assert f"--- {readme} (on disk)" in diff and "-## Overview (edited)" in diff
    assert f"--- {folder / 'examples.md'} (missing)" in diff
    assert run_cli("build", "--out", str(out), str(PACK))[0] == 0
    assert not (folder / "old").exists() and not (folder / "rules-a-renamed-section.md").exists()
    assert run_cli("build", "--check", "--out", str(out), str(PACK))[0] == 0
    assert (out / "notes.md").is_file()


def test_generate_documents_names_every_file_by_its_path_in_the_output_folder() -> None:
    pack, sources = compile_ok(PACK)
    docs = generate_documents(pack, sources.text(pack.path) or "")
    assert sorted(docs)[:2] == ["cpcp026-policy/README.md", "cpcp026-policy/codes.md"]
    assert "cpcp026.html" in docs and "cpcp026.md" not in docs
    assert document.entry_page("cpcp026") == "cpcp026-policy/README.md"
    assert document.retired_documents("cpcp026") == ("cpcp026.md",)
