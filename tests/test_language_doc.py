"""The language reference, docs/LANGUAGE.md, kept in step with the compiler.

- Every keyword of the grammar (the quoted words of grammar/rules.lark, as lark's own grammar
  loader reads them) appears in the reference as code, in an inline `code span`.
- The reference's table of diagnostics lists exactly the registered codes, with their severities.
- Every ```rules block compiles. A block that starts with `pack` is a whole pack; any other is a
  fragment, compiled after the block marked `prelude` (the running example's header and data).
  A block whose first line is `# file: NAME` is written beside every compiled block under that
  name (for imports and `extends`) and not compiled itself; a ```csv block so marked is a table's
  file, written without its marker line. A block whose first line names
  diagnostics, `# error[CODE] warning[CODE] ...`, must give exactly those (every error it gives
  is named, and every code named is given); any other block must compile without errors, and
  each of its examples must pass on the interpreter and on the generated module, as
  `rulesc test` runs them. The markers are comments, so a reader of the rendered page sees them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lark import Lark
from lark.lexer import PatternStr

from compiler.analysis.conflicts import analyze_conflicts
from compiler.diagnostics import CODES, Severity, Sources
from compiler.examples.expectations import compare, table
from compiler.examples.runner import expectation, outcome
from compiler.interpreter.evaluate import Interpreter
from compiler.pipeline import as_diagnostics, compile_pack, load_module
from compiler.runtime.claims import ClaimError
from compiler.semantics import ir
from compiler.syntax.parser import GRAMMAR_PATH, TOP_KEYWORDS
from tests.conftest import ROOT

REFERENCE = ROOT / "docs" / "LANGUAGE.md"
WORD = re.compile(r"[A-Za-z_]+")
# A word of code as the language writes it: a name, or a hyphenated rule id or diagnostic code
# (so `K4-same-drug-push` mentions no keyword `same`).
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
FENCE = re.compile(r"^```(\S*)[ \t]*(.*)$")
FILE_MARK = re.compile(r"# file: (\S+)")
SHOWN = re.compile(r"(error|warning)\[([a-z-]+)\]")
DIAGNOSTICS_MARK = re.compile(r"# (?:(?:error|warning)\[[a-z-]+\] ?)+")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
TABLE_ROW = re.compile(r"^\| `([a-z-]+)` \| (error|warning) \| [^|]+ \|$", re.MULTILINE)
INFO_WORDS = ("prelude",)


def grammar_keywords(grammar_text: str) -> frozenset[str]:
    """The quoted words of the grammar: the literal terminals lark builds from it."""
    grammar = Lark(grammar_text, parser="lalr", lexer="contextual", start="item")
    return frozenset(t.pattern.value for t in grammar.terminals
                     if isinstance(t.pattern, PatternStr) and WORD.fullmatch(t.pattern.value))


@dataclass(frozen=True)
class Block:
    """One fenced block of the reference: its language, the words after it, its text, where it
    starts."""

    line: int
    language: str
    info: tuple[str, ...]
    text: str

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0].rstrip()

    @property
    def prelude(self) -> bool:
        return "prelude" in self.info

    @property
    def file(self) -> str | None:
        """The name this block is written under, from its `# file: NAME` first line."""
        marked = FILE_MARK.fullmatch(self.first_line)
        return marked.group(1) if marked else None

    @property
    def expected(self) -> dict[str, str] | None:
        """code -> severity for each diagnostic its first line names; None when it names none."""
        if not DIAGNOSTICS_MARK.fullmatch(self.first_line):
            return None
        return {code: severity for severity, code in SHOWN.findall(self.first_line)}

    @property
    def whole_pack(self) -> bool:
        return _first_word(self.text) == "pack"

    def label(self) -> str:
        comment = self.first_line.removeprefix("# ") if self.first_line.startswith("# ") else ""
        shown = " ".join(self.info) or comment
        return f"line {self.line}" + (f" ({shown})" if shown else "")


def _first_word(text: str) -> str:
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.split()[0]
    return ""


def blocks(doc: str) -> list[Block]:
    """The fenced blocks of a Markdown text, in order."""
    found: list[Block] = []
    lines = doc.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end] != "```":
            end += 1
        found.append(Block(index + 1, opening.group(1), tuple(opening.group(2).split()),
                           "\n".join(lines[index + 1:end]) + "\n"))
        index = end + 1
    return found


def prose(doc: str) -> str:
    """The text of the reference outside its fenced blocks."""
    return re.sub(r"^```.*?^```$", "", doc, flags=re.MULTILINE | re.DOTALL)


def code_words(doc: str) -> frozenset[str]:
    """The words written as inline code in the prose (and tables) of a Markdown text."""
    return frozenset(word for span in CODE_SPAN.finditer(prose(doc)) for word in TOKEN.findall(span.group(2)))


def missing_keywords(doc: str, keywords: frozenset[str]) -> frozenset[str]:
    return keywords - code_words(doc)


def diagnostics_table(doc: str) -> dict[str, str]:
    """The reference's table of diagnostic codes: code -> severity."""
    section = prose(doc).partition("\n## Diagnostics\n")[2]
    return {code: severity for code, severity in TABLE_ROW.findall(section)}


def without_word(doc: str, word: str) -> str:
    """The text with every occurrence of `word` (as a whole token) replaced."""
    return TOKEN.sub(lambda m: "REMOVED" if m.group() == word else m.group(), doc)


DOC = REFERENCE.read_text(encoding="utf-8")
KEYWORDS = grammar_keywords(GRAMMAR_PATH.read_text(encoding="utf-8"))
BLOCKS = [b for b in blocks(DOC) if b.language == "rules"]
COMPILED = [b for b in BLOCKS if b.file is None]
TABLE_FILES = [b for b in blocks(DOC) if b.language == "csv"]


# ---------------------------------------------------------------- keywords and codes


def test_the_keywords_are_read_from_the_grammar() -> None:
    """Lark's reading agrees with a plain reading of the quoted words outside comments, and
    holds every word that starts a declaration."""
    text = re.sub(r"//[^\n]*", "", GRAMMAR_PATH.read_text(encoding="utf-8"))
    assert frozenset(re.findall(r'"([A-Za-z_]+)"', text)) == KEYWORDS
    assert set(TOP_KEYWORDS) <= KEYWORDS


def test_every_keyword_of_the_grammar_appears_in_the_reference_as_code() -> None:
    assert missing_keywords(DOC, KEYWORDS) == frozenset()


@pytest.mark.parametrize("keyword", sorted(KEYWORDS))
def test_a_reference_without_a_keyword_is_caught(keyword: str) -> None:
    assert missing_keywords(without_word(DOC, keyword), KEYWORDS) == {keyword}


def test_a_keyword_only_in_a_code_block_or_plain_prose_does_not_count() -> None:
    doc = "The word satisfies in prose.\n\n```rules\nfirst line p where true satisfies true\n```\n"
    assert missing_keywords(doc, frozenset({"satisfies"})) == {"satisfies"}
    assert missing_keywords(doc + "Use `satisfies`.\n", frozenset({"satisfies"})) == frozenset()


def test_the_table_of_diagnostics_lists_every_registered_code_with_its_severity() -> None:
    registered = {name: code.severity.value for name, code in CODES.items()}
    assert diagnostics_table(DOC) == registered


@pytest.mark.parametrize("name", sorted(CODES))
def test_a_table_without_a_code_is_caught(name: str) -> None:
    row = re.compile(rf"^\| `{re.escape(name)}` \|.*\n", re.MULTILINE)
    shortened = row.sub("", DOC)
    assert name not in diagnostics_table(shortened)
    assert len(diagnostics_table(shortened)) == len(CODES) - 1


# ---------------------------------------------------------------- the blocks compile


def test_the_reference_has_one_prelude_that_is_a_pack_and_well_formed_markers() -> None:
    preludes = [b for b in BLOCKS if b.prelude]
    assert len(preludes) == 1 and preludes[0].whole_pack
    assert [b.label() for b in BLOCKS if set(b.info) - set(INFO_WORDS)] == []
    names = [b.file for b in BLOCKS if b.file is not None]
    assert len(names) == len(set(names)) and "doc.rules" not in names
    wrong = [(b.label(), code, severity) for b in BLOCKS for code, severity in (b.expected or {}).items()
             if code not in CODES or CODES[code].severity.value != severity]
    assert wrong == []
    unread = [b.label() for b in BLOCKS if b.first_line.startswith(("# error", "# warning", "# file"))
              and b.expected is None and b.file is None]
    assert unread == []


def _source(block: Block, prelude: Block) -> str:
    return block.text if block.whole_pack else prelude.text + "\n" + block.text


def _example_problems(plan: ir.Plan, sources: Sources) -> list[str]:
    """Why the examples of a compiled block fail on either engine (none when they pass)."""
    module = load_module(plan, sources)
    if module.value is None:
        return [d.message for d in module.diagnostics]
    engines: dict[str, tuple[Callable[[object], Sequence[Any]], tuple[type[Exception], ...]]] = {
        "interpreter": (Interpreter(plan).evaluate, (ClaimError,)),
        "compiled": (module.value.evaluate, (ClaimError, module.value.ClaimError)),
    }
    problems = []
    for example in plan.pack.examples:
        for label, (evaluate, rejected) in engines.items():
            verdict = compare(expectation(example), outcome(evaluate, example.claim, rejected))
            if not verdict.passed:
                problems.append(f"example {example.name!r} fails on the {label}:\n" + "\n".join(table(verdict)))
    return problems


def block_problems(block: Block, all_blocks: list[Block], folder: Path) -> list[str]:
    """What is wrong with one block of the reference: compiled as the reference says, with its
    files beside it. Empty when the block does what the reference claims."""
    prelude = next(b for b in all_blocks if b.prelude)
    for other in all_blocks:
        if other.file is not None:
            (folder / other.file).write_text(other.text, encoding="utf-8")
    for table_file in TABLE_FILES:
        assert table_file.file is not None, f"a csv block of the reference names no file: {table_file.label()}"
        (folder / table_file.file).write_text(table_file.text.split("\n", 1)[1], encoding="utf-8")
    path = folder / "doc.rules"
    path.write_text(_source(block, prelude), encoding="utf-8")
    sources = Sources()
    compiled = compile_pack(path, sources)
    diagnostics = list(compiled.diagnostics)
    if compiled.plan is not None:  # what `rulesc check` adds without the solver (uncovered rows)
        report = analyze_conflicts(compiled.plan.pack, sources=sources, use_cache=False, solver=False)
        diagnostics += as_diagnostics(report, sources)
    errors = {d.code for d in diagnostics if d.severity is Severity.ERROR}
    if block.expected is not None:
        named = set(block.expected)
        given = errors | {d.code for d in diagnostics if d.code in named}
        return [] if given == named else [f"expected the codes {sorted(named)}, got {sorted(given)}: "
                                          + "; ".join(f"{d.code}: {d.message}" for d in diagnostics)]
    if compiled.plan is None or errors:
        return [f"{d.code}: {d.message}" for d in diagnostics if d.severity is Severity.ERROR]
    return _example_problems(compiled.plan, sources)


@pytest.mark.parametrize("block", COMPILED, ids=Block.label)
def test_every_rules_block_of_the_reference_does_what_it_says(block: Block, tmp_path: Path) -> None:
    assert block_problems(block, BLOCKS, tmp_path) == []


def _fragment(text: str, mark: str = "") -> Block:
    return Block(0, "rules", (), f"{mark}\n{text}" if mark else text)


RULE = 'rule R1-units "Units"\n  target 96372\n  when line.units > 1\n  deny "x"\n'
EXAMPLE = ('example "e"\n  claim {"id": "A", "type": "professional", "pos": "11", "lines": [\n'
           '      {"code": "96372", "date": "2024-09-12", "units": 2}]}\n')


@pytest.mark.parametrize(("text", "mark", "wanted"), [
    (RULE + EXAMPLE + "  expect line 1 deny by R1-units\n", "", []),
    (RULE + EXAMPLE + "  expect nothing\n", "", ["fails on the interpreter", "fails on the compiled"]),
    (RULE + EXAMPLE + "  expect line 1 deny by R1-units because line 2\n", "", ["bad-evidence"]),
    (RULE.replace("target 96372", "target 96372..96360"), "", ["reversed-range"]),
    (RULE.replace("target 96372", "target 96372..96360"), "# error[reversed-range]", []),
    (RULE.replace("target 96372", "target 96372..96360"), "# error[mixed-range]", ["expected the codes"]),
    (RULE, "# error[reversed-range]", ["expected the codes"]),
    (RULE, "# warning[untested-rule]", []),
])
def test_a_block_that_does_not_do_what_it_says_is_caught(text: str, mark: str, wanted: list[str],
                                                        tmp_path: Path) -> None:
    problems = block_problems(_fragment(text, mark), BLOCKS, tmp_path)
    assert len(problems) == len(wanted)
    for problem, part in zip(problems, wanted, strict=True):
        assert part in problem
