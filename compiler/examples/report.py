"""The report of `rulesc test`: text, JUnit XML or JSON, from the examples' results."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from compiler.examples import FORMATS
from compiler.examples.expectations import Got, Verdict, Want, table
from compiler.examples.runner import ENGINES, Result

__all__ = ["FORMATS", "REPORTS", "failure_text", "junit", "xml_text"]


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


def text_report(results: Sequence[Result], deselected: int, verbose: bool) -> str:
    out = []
    for result in results:
        if result.passed:
            if verbose:
                out.append(f"PASS {result.name} {result.where()}\n")
            continue
        out.append(f"FAIL {result.name} {result.where()}\n")
        out.extend(line + "\n" for line in failure_text(result))
    out.append(_summary(results, deselected) + "\n")
    return "".join(out)


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


def junit_report(results: Sequence[Result], deselected: int, verbose: bool) -> str:
    root = junit(results)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    def item(x: Want | Got | None) -> dict[str, Any] | None:
        return None if x is None else {k: list(v) if isinstance(v, tuple) else v for k, v in vars(x).items()}

    return {"passed": verdict.passed, "problems": list(verdict.problems),
            "rows": [{"status": r.status, "expected": item(r.want), "found": item(r.got), "fix": r.fix}
                     for r in verdict.rows]}


def json_report(results: Sequence[Result], deselected: int, verbose: bool) -> str:
    report = {
        "passed": sum(1 for r in results if r.passed),
        "failed": sum(1 for r in results if not r.passed),
        "deselected": deselected,
        "examples": [{"pack": r.pack, "name": r.name, "file": r.path, "line": r.line, "passed": r.passed,
                      "engines": {label: _verdict_json(v) for label, v in r.verdicts.items()}}
                     for r in results],
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


REPORTS = {"text": text_report, "junit": junit_report, "json": json_report}
