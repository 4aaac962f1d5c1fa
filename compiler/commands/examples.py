"""`rulesc test`: run the examples written in the packs through both engines, report as text,
JUnit XML or JSON.

Each example's claim is evaluated by the interpreter and by the generated module (compiled in
memory from the rules, never a stale copy on disk), and each outcome is compared exactly with the
example's expectations (`compiler.commands.expectations`).
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from compiler.commands.common import Style, compile_or_report, show
from compiler.commands.expectations import Expectation, Got, Outcome, Verdict, Want, compare, table
from compiler.diagnostics import Sources
from compiler.interpreter.evaluate import Interpreter
from compiler.pipeline import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, load_module
from compiler.runtime.claims import ClaimError
from compiler.semantics import ir

FORMATS = ("text", "junit", "json")
ENGINES = ("interpreter", "compiled")


@dataclass(frozen=True)
class ExamplesOptions:
    files: tuple[str, ...]
    verbose: bool = False
    patterns: tuple[str, ...] = ()
    format: str = "text"
    style: Style = field(default_factory=Style)


@dataclass(frozen=True)
class Result:
    """One example run through both engines."""

    pack: str
    name: str
    path: str
    line: int
    verdicts: dict[str, Verdict]

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts.values())

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def selected(name: str, patterns: Sequence[str]) -> bool:
    """`-k`: a pattern selects the examples whose name contains it, or, when it holds a shell
    wildcard (`*`, `?`, `[`), the names it matches as a whole (fnmatch, case-sensitive).
    No pattern selects every example; several select the examples any of them selects."""
    if not patterns:
        return True
    return any(fnmatch.fnmatchcase(name, p) if any(c in p for c in "*?[") else p in name for p in patterns)


def expectation(example: ir.Example) -> Expectation:
    """The example's expectations as plain values."""
    wants = []
    for e in example.expected:
        if e.kind == "finding":
            assert e.line is not None and e.disposition is not None  # the resolver guarantees both
            wants.append(Want(e.line, e.disposition, e.rule, e.suggest, e.evidence))
    return Expectation(
        findings=tuple(wants),
        errors=tuple(e.text for e in example.expected if e.kind == "error"),
        no_suggestion=tuple(e.line for e in example.expected if e.kind == "nosuggest" and e.line is not None),
        ignore_info=example.ignore_info,
    )


def outcome(evaluate: Callable[[object], Sequence[Any]], claim: object,
            rejected: tuple[type[Exception], ...]) -> Outcome:
    try:
        findings = evaluate(claim)
    except rejected as error:
        return Outcome(error=str(error))
    return Outcome(tuple(Got(f.rule, f.line, f.disposition, f.suggest, f.evidence)
                         for f in findings))


def _run_pack(plan: ir.Plan, sources: Sources, patterns: Sequence[str],
              style: Style) -> list[Result] | int:
    pack = plan.pack
    module = load_module(plan, sources)
    show(module.diagnostics, sources, style)
    if module.value is None:
        return EXIT_ERRORS
    engines = {"interpreter": (Interpreter(plan).evaluate, (ClaimError,)),
               "compiled": (module.value.evaluate, (ClaimError, module.value.ClaimError))}
    results = []
    for example in pack.examples:
        if not selected(example.name, patterns):
            continue
        wanted = expectation(example)
        verdicts = {label: compare(wanted, outcome(evaluate, example.claim, rejected))
                    for label, (evaluate, rejected) in engines.items()}
        line, _ = sources.line_col(example.span.path, example.span.start)
        results.append(Result(pack.name, example.name, example.span.path, line, verdicts))
    return results


def run(options: ExamplesOptions) -> int:
    style = Style("json", options.style.colour) if options.format == "json" else options.style
    compiled = compile_or_report(options.files, style)
    if isinstance(compiled, int):
        return compiled
    results: list[Result] = []
    total = 0
    for plan in compiled.plans:
        total += len(plan.pack.examples)
        ran = _run_pack(plan, compiled.sources, options.patterns, style)
        if isinstance(ran, int):
            return ran
        results.extend(ran)
    if options.patterns and not results:
        sys.stderr.write(f"rulesc test: no example matches -k {' -k '.join(options.patterns)}\n")
        return EXIT_USAGE
    writers = {"text": _write_text, "junit": _write_junit, "json": _write_json}
    writers[options.format](results, total - len(results), options.verbose)
    return EXIT_OK if all(r.passed for r in results) else EXIT_ERRORS


# ---------------------------------------------------------------- reports


def failure_text(result: Result) -> list[str]:
    """Why an example failed: one table, or one per engine when the engines disagree."""
    verdicts = result.verdicts
    first = verdicts[ENGINES[0]]
    if all(v == first for v in verdicts.values()):
        return ["     (both engines)", *table(first)]
    lines = []
    for label in ENGINES:
        if not verdicts[label].passed:
            lines.append(f"     ({label})")
            lines.extend(table(verdicts[label]))
    return lines


def _summary(results: Sequence[Result], deselected: int) -> str:
    failed = sum(1 for r in results if not r.passed)
    text = f"{len(results) - failed} passed, {failed} failed"
    return text + (f", {deselected} deselected" if deselected else "")


def _write_text(results: Sequence[Result], deselected: int, verbose: bool) -> None:
    out = sys.stdout
    for result in results:
        if result.passed:
            if verbose:
                out.write(f"PASS {result.name} {result.where()}\n")
            continue
        out.write(f"FAIL {result.name} {result.where()}\n")
        out.writelines(line + "\n" for line in failure_text(result))
    out.write(_summary(results, deselected) + "\n")


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text that XML 1.0 can hold: characters it forbids (control characters, lone surrogates)
    are written as `\\uXXXX`. ElementTree escapes `<`, `&` and quotes itself."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def junit(results: Sequence[Result]) -> ET.Element:
    """A JUnit XML report: one testsuite per pack, one testcase per example (classname: the pack)."""
    root = ET.Element("testsuites", name="rulesc test")
    suites: dict[str, ET.Element] = {}
    for result in results:
        suite = suites.get(result.pack)
        if suite is None:
            suite = suites[result.pack] = ET.SubElement(root, "testsuite", name=xml_text(result.pack))
        case = ET.SubElement(suite, "testcase", classname=xml_text(result.pack), name=xml_text(result.name),
                             file=xml_text(result.path), line=str(result.line))
        if not result.passed:
            text = "\n".join(failure_text(result))
            failure = ET.SubElement(case, "failure", message=xml_text(f"{result.name} does not match its "
                                                                      "expectations"), type="ExampleMismatch")
            failure.text = xml_text(text)
    for element in [root, *suites.values()]:
        counted = list(element.iter("testcase"))
        element.set("tests", str(len(counted)))
        element.set("failures", str(sum(1 for c in counted if c.find("failure") is not None)))
        element.set("errors", "0")
    return root


def _write_junit(results: Sequence[Result], deselected: int, verbose: bool) -> None:
    root = junit(results)
    ET.indent(root)
    sys.stdout.write(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    def item(x: Want | Got | None) -> dict[str, Any] | None:
        return None if x is None else {k: list(v) if isinstance(v, tuple) else v for k, v in vars(x).items()}

    return {"passed": verdict.passed, "problems": list(verdict.problems),
            "rows": [{"status": r.status, "expected": item(r.want), "found": item(r.got), "fix": r.fix}
                     for r in verdict.rows]}


def _write_json(results: Sequence[Result], deselected: int, verbose: bool) -> None:
    report = {
        "passed": sum(1 for r in results if r.passed),
        "failed": sum(1 for r in results if not r.passed),
        "deselected": deselected,
        "examples": [{"pack": r.pack, "name": r.name, "file": r.path, "line": r.line, "passed": r.passed,
                      "engines": {label: _verdict_json(v) for label, v in r.verdicts.items()}}
                     for r in results],
    }
    sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
