"""JSON Lines in, JSON lines out, at the speed of the common case.

When results go to a sink that keeps only their text (`Sink.text_only`: JSON Lines), a batch of
JSON Lines input needs no record objects and no result objects for its usual lines: a line that
is one claim object (`compiler.inputs.lines.plain_object`) is decoded, evaluated and written in
one step, giving the very text `result_of` and `result_line` give (the tests hold the two ways
to it). From the first line that is not so to the end of its batch, the batch is read by
`read_lines` and evaluated record by record, as every other input is; where `read_lines` stops
(a value over several lines), the streaming reader takes over as before. This process and the
workers both run it (`run.py`, `worker.py`), so both give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from compiler.batch.results import Summary, claim_id, no_findings_line, result_line, result_of
from compiler.inputs.lines import holds_a_value, plain_object, read_lines


def text_results(lines: Sequence[str], evaluate: Callable[[object], Sequence[Any]],
                 rejected: tuple[type[Exception], ...], summary: Summary) -> tuple[list[str], int]:
    """The result lines of the leading lines that are blank or one claim object each, counted
    into `summary`; how many lines they are (`len(lines)` when all)."""
    texts: list[str] = []
    write = texts.append
    claims = with_findings = errors = 0
    done = len(lines)
    for number, line in enumerate(lines):
        value = plain_object(line)
        if value is None:
            if line.strip(" \t\r\n"):
                done = number
                break
            continue
        claims += 1
        claim = claim_id(value)
        try:
            findings = evaluate(value)
        except rejected as caught:
            errors += 1
            write(result_line({"id": claim, "error": str(caught)}))
            continue
        if findings:
            with_findings += 1
            write(result_line({"id": claim, "findings": [finding.to_dict() for finding in findings]}))
        else:
            write(no_findings_line(claim))
    summary.claims += claims
    summary.with_findings += with_findings
    summary.errors += errors
    return texts, done


def text_batch(lines: Sequence[str], first: int, follows: bool, evaluate: Callable[[object], Sequence[Any]],
               rejected: tuple[type[Exception], ...], summary: Summary) -> tuple[list[str], int]:
    """The result lines of a batch of JSON Lines (its first line is line `first` of the input;
    `follows`: a value came before it), counted into `summary`; and the index of the line where
    the streaming reader must take over (-1: none), as `read_lines` says."""
    texts, done = text_results(lines, evaluate, rejected, summary)
    if done == len(lines):
        return texts, -1
    records, stopped = read_lines("json", list(lines[done:]), first + done, summary.claims,
                                  follows or holds_a_value(lines[:done]))
    for record in records:
        result = result_of(record, evaluate, rejected)
        summary.add(result)
        texts.append(result_line(result))
    return texts, -1 if stopped < 0 else done + stopped
