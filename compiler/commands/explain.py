"""`rulesc explain`: why each rule fired or did not on each line of each claim of an input.

Arguments in; the pack compiled; every record of the input (any input `eval` reads) explained by
the reference interpreter's tracing walk (`compiler.interpreter.trace`), one claim after another,
and written as text for an analyst or as one JSON object per line (docs/explain.schema.json). A
record that cannot be read, or a claim the pack rejects, is reported in its place; the others are
still explained, and the command exits 1 at the end, as `eval` does.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Literal

from compiler.backends.explanation import Explanation, Selection
from compiler.commands.common import Style, compile_or_report
from compiler.diagnostics import did_you_mean
from compiler.inputs.extras import MissingExtra, need
from compiler.inputs.formats import INPUT_NAMES, InputError, open_input
from compiler.inputs.records import Record
from compiler.interpreter.trace import Explainer
from compiler.pipeline import EXIT_ERRORS, EXIT_OK, EXIT_USAGE
from compiler.runtime.claims import ClaimError


@dataclass(frozen=True)
class ExplainOptions:
    file: str
    input: str  # a path, or "-" for standard input
    line: int | None = None
    rule: str | None = None
    format: Literal["text", "json"] = "text"
    input_format: str = "auto"
    unknown_fields: Literal["error", "ignore"] = "error"
    style: Style = field(default_factory=Style)


def _cannot(message: str) -> int:
    sys.stderr.write(f"rulesc explain: {message}\n")
    return EXIT_USAGE


def run(options: ExplainOptions) -> int:
    try:
        if options.input_format in INPUT_NAMES:
            need(options.input_format, INPUT_NAMES[options.input_format])
    except MissingExtra as error:
        return _cannot(str(error))
    compiled = compile_or_report((options.file,), options.style)
    if isinstance(compiled, int):
        return compiled
    (plan,), sources = compiled.plans, compiled.sources
    pack = plan.pack
    if options.rule is not None and options.rule not in {r.id for r in pack.rules}:
        hint = did_you_mean(options.rule, [r.id for r in pack.rules])
        return _cannot(f"{pack.name} has no rule {options.rule}" + (f"; {hint[0]}" if hint else ""))
    if options.rule is not None and not pack.rule(options.rule).edits:
        return _cannot(f"{options.rule} is a documentation entry: it decides no line")
    explainer = Explainer(plan)
    words = Explanation(pack, sources)
    selection = Selection(options.line, options.rule)
    errors = 0
    first = True
    with ExitStack() as stack:
        try:
            records = open_input(options.input_format, options.input, stack).records()
        except OSError as error:
            return _cannot(f"cannot read {options.input}: {error.strerror or error}")
        except (MissingExtra, InputError) as error:
            return _cannot(str(error))
        for record in records:
            shown = _explained(record, explainer, words, selection, options, first)
            first = False
            if shown is None:
                errors += 1
    return EXIT_ERRORS if errors else EXIT_OK


def _explained(record: Record, explainer: Explainer, words: Explanation, selection: Selection,
               options: ExplainOptions, first: bool) -> bool | None:
    """Write one record's explanation (True), or its error (None)."""
    where = f"record {record.index + 1} ({record.position})"
    place: dict[str, Any] = {"record": record.index + 1, "position": str(record.position)}
    problem = record.error
    trace = None
    if problem is None:
        try:
            trace = explainer.explain(record.value, options.unknown_fields)
        except ClaimError as error:
            problem = str(error)
    if trace is None:
        if options.format == "json":
            sys.stdout.write(json.dumps({**place, "id": record.claim_id or _claim_id(record.value), "type": None,
                                         "error": problem, "effective": explainer.pack.effective, "findings": [],
                                         "lines": []}, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(("" if first else "\n") + f"{where}: {problem}\n")
        return None
    if options.format == "json":
        sys.stdout.write(json.dumps(words.to_json(trace, selection, place), ensure_ascii=False) + "\n")
    else:
        if selection.line is not None and selection.line > len(trace.claim.lines):
            sys.stdout.write(("" if first else "\n") + f"claim {trace.claim.id}, {where}: it has no line "
                             f"{selection.line} (it has {len(trace.claim.lines)})\n")
            return True
        sys.stdout.write(("" if first else "\n") + words.text(trace, selection, where))
    return True


def _claim_id(value: object) -> str | None:
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None
