"""The `rulesc` command line: check, analyze, diff, build, test, eval, graph and fmt (docs/COMMANDS.md).

This module only parses arguments into each command's options and calls the command; the work is
in `compiler.commands`, the stages and exit codes in `compiler.pipeline`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from compiler.commands import evaluate
from compiler.commands.common import Style
from compiler.diagnostics import colour_enabled
from compiler.examples import FORMATS as TEST_FORMATS
from compiler.inputs import formats
from compiler.pipeline import EXIT_ERRORS, EXIT_USAGE
from compiler.version import version


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rulesc", description="Compile claim coding policies written as rules.")
    parser.add_argument("--version", action="version", version=f"rulesc {version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def colour(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="colour diagnostics (auto: on a terminal, unless NO_COLOR is set)")

    def diagnostics(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--format", choices=("text", "json"), default="text",
                         help="how to print diagnostics (json for CI)")
        colour(sub)

    sub = commands.add_parser("check", help="parse and analyze; print diagnostics")
    sub.add_argument("files", nargs="+", metavar="FILE", help="rules files")
    sub.add_argument("--source-text", metavar="TEXT",
                     help="verify that every quote occurs in this published policy text")
    diagnostics(sub)

    sub = commands.add_parser("analyze", help="the conflict report: every conflict proved or refuted, with witnesses")
    sub.add_argument("file", metavar="FILE", help="the rules file")
    sub.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                     help="text for people, json (its fields: docs/REPORTS.md) or sarif for code hosts")
    sub.add_argument("--max-lines", type=_counting("lines"), metavar="K",
                     help="bound every question to claims of at most K lines")
    sub.add_argument("--allow-unknown", action="store_true",
                     help="accepted for symmetry with build; unknown entries never fail analyze")
    colour(sub)

    sub = commands.add_parser("diff", help="what a new version of a pack decides differently, with witness claims")
    sub.add_argument("old", metavar="OLD", help="the rules file of the previous version")
    sub.add_argument("new", metavar="NEW", help="the rules file of the new version")
    sub.add_argument("--format", choices=("text", "json"), default="text",
                     help="text for people (a changelog), or json (its fields: docs/REPORTS.md)")
    sub.add_argument("--check", action="store_true",
                     help="exit 1 when some rule decides differently and the version did not change")
    sub.add_argument("--input", metavar="CLAIMS",
                     help="also measure the impact on these claims (any input eval reads; - for standard input)")
    sub.add_argument("--input-format", choices=formats.INPUT_FORMATS, default="auto",
                     help="how to read CLAIMS (default auto: detected from the input)")
    sub.add_argument("--jobs", type=_counting("processes"), default=None, metavar="N",
                     help="worker processes for --input (default: the machine's cores; 1: none)")
    sub.add_argument("--max-lines", type=_counting("lines"), metavar="K",
                     help="bound every question to claims of at most K lines")
    colour(sub)

    sub = commands.add_parser("graph", help="the pack's dependency graph as DOT, Mermaid or JSON")
    sub.add_argument("file", metavar="FILE", help="the rules file")
    sub.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot",
                     help="dot for Graphviz (default), mermaid for Markdown pages, or json: nodes and edges "
                          "(docs/REPORTS.md)")
    colour(sub)

    sub = commands.add_parser("build", help="generate the Python edit module of each pack")
    sub.add_argument("files", nargs="+", metavar="FILE", help="rules files")
    sub.add_argument("--out", default=None, metavar="DIR",
                     help="output folder (default generated/, build/native/ with --native); an existing "
                          "__init__.py is kept")
    sub.add_argument("--check", action="store_true",
                     help="write nothing; print a diff and exit 1 when DIR is stale")
    sub.add_argument("--allow-unknown", action="store_true",
                     help="build even where the conflict analyzer could not decide a question")
    sub.add_argument("--native", action="store_true",
                     help="compile the module with mypyc into a C extension (needs a C compiler)")
    sub.add_argument("--wheel", metavar="DIR",
                     help="write an installable wheel of each module into DIR (native with --native)")
    diagnostics(sub)

    sub = commands.add_parser("test", help="run the examples written in the packs")
    sub.add_argument("files", nargs="+", metavar="FILE", help="rules files")
    sub.add_argument("-v", "--verbose", action="store_true", help="one line per example, passed or not")
    sub.add_argument("-k", dest="patterns", action="append", default=[], metavar="PATTERN",
                     help="run the examples whose name contains PATTERN, or matches it as a glob "
                          "when it has * ? or [ (repeatable)")
    sub.add_argument("--format", choices=TEST_FORMATS, default="text",
                     help="the report: text, junit (XML) or json; diagnostics follow json or text")
    sub.add_argument("--allow-conflicts", action="store_true",
                     help="run the examples of a pack whose conflict report has an unresolved error")
    colour(sub)

    sub = commands.add_parser("eval", help="evaluate claims")
    sub.add_argument("file", metavar="FILE", help="the rules file")
    sub.add_argument("--input", required=True, metavar="CLAIMS",
                     help="JSON Lines, a JSON array, or JSON claims one after another; an X12 837 file; FHIR "
                          "Claims (a resource, a Bundle, NDJSON); a Parquet file or folder; - for standard input")
    sub.add_argument("--input-format", choices=formats.INPUT_FORMATS, default="auto",
                     help="how to read CLAIMS (default auto: detected from the input; see docs/FORMATS.md)")
    sub.add_argument("--output", metavar="OUT",
                     help="where to write the results (default stdout); a folder for --output-format parquet")
    sub.add_argument("--output-format", choices=formats.OUTPUT_FORMATS, default="jsonl",
                     help="jsonl (default), or parquet: OUT/claims.parquet and OUT/findings.parquet")
    sub.add_argument("--engine", choices=("compiled", "interpreter"), default="compiled",
                     help="the generated module (default) or the reference interpreter")
    sub.add_argument("--allow-unknown-fields", action="store_true",
                     help="accept claim fields the contract does not name (default: an error)")
    sub.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show a count and rate on standard error (default: when it is a terminal)")
    sub.add_argument("--jobs", type=_counting("processes"), default=None, metavar="N",
                     help="worker processes for the compiled engine (default: the machine's cores; 1: none)")
    sub.add_argument("--native", action="store_true",
                     help="run the module's native build (compiled with mypyc once, then cached)")
    sub.add_argument("--allow-conflicts", action="store_true",
                     help="evaluate with a pack whose conflict report has an unresolved error")
    diagnostics(sub)

    sub = commands.add_parser("fmt", help="write rules files in the canonical layout")
    sub.add_argument("files", nargs="+", metavar="FILE", help="rules files (- for standard input)")
    sub.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is not formatted")
    sub.add_argument("--diff", action="store_true", help="write nothing; print what formatting would change")
    diagnostics(sub)
    return parser


def _counting(what: str) -> Callable[[str], int]:
    """An argument type for a count of `what`, 1 or more."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(f"expected a number of {what}, 1 or more, not {text!r}")
        return value

    return parse


def _loaded(name: str) -> ModuleType:
    """A command loaded when it runs, so that `rulesc eval` starts without the graph library and
    the examples' runner."""
    return importlib.import_module(f"compiler.commands.{name}")


def _analyzing(name: str) -> ModuleType:
    """A command that runs the conflict analyzer (check, analyze, diff, build), loaded when it runs: the
    solver is imported with the analyzer, and `rulesc eval` and `rulesc test` never load it."""
    return importlib.import_module(f"compiler.commands.{name}")


def options(args: argparse.Namespace) -> tuple[Callable[[Any], int], object]:
    """The command to run and its options, from the parsed arguments."""
    style = Style(getattr(args, "format", "text"), colour_enabled(args.color, sys.stderr))
    if args.command == "check":
        check = _analyzing("check")
        return check.run, check.CheckOptions(tuple(args.files), args.source_text, style)
    if args.command == "analyze":
        analyze = _analyzing("analyze")
        return analyze.run, analyze.AnalyzeOptions(args.file, args.format, args.max_lines, args.allow_unknown,
                                                   Style("text", style.colour))
    if args.command == "diff":
        diff = _analyzing("diff")
        return diff.run, diff.DiffOptions(args.old, args.new, args.format, args.input, args.input_format,
                                          args.jobs if args.jobs is not None else cores(), args.check,
                                          args.max_lines, Style("text", style.colour))
    if args.command == "graph":
        graph = _loaded("graph")
        return graph.run, graph.GraphOptions(args.file, args.format, Style("text", style.colour))
    if args.command == "build":
        build = _analyzing("build")
        out = args.out or (build.NATIVE_OUT if args.native and args.wheel is None else "generated")
        return build.run, build.BuildOptions(tuple(args.files), out, args.check, style, native=args.native,
                                             wheel=args.wheel, allow_unknown=args.allow_unknown)
    if args.command == "fmt":
        fmt = _loaded("fmt")
        return fmt.run, fmt.FmtOptions(tuple(args.files), args.check, args.diff, style)
    if args.command == "test":
        examples = _loaded("examples")
        return examples.run, examples.ExamplesOptions(tuple(args.files), args.verbose, tuple(args.patterns),
                                                      args.format, Style("text", style.colour), args.allow_conflicts)
    return evaluate.run, evaluate.EvalOptions(
        args.file, args.input, args.output, args.engine,
        "ignore" if args.allow_unknown_fields else "error", args.progress, style,
        args.input_format, args.output_format, args.jobs if args.jobs is not None else cores(), args.native,
        args.allow_conflicts)


def cores() -> int:
    """The processor cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1




def parse(argv: Sequence[str]) -> tuple[Callable[[Any], int], object]:
    """Parse a command line; raises SystemExit for --help and --version, _UsageError otherwise."""
    return options(_parser().parse_args(list(argv)))


def _quiet_stdout() -> None:
    """After the reader of standard output went away, send what is still buffered nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run `rulesc` in-process and return its exit code."""
    try:
        command, chosen = parse(sys.argv[1:] if argv is None else argv)
    except _UsageError as error:
        sys.stderr.write(f"{error}\nusage: rulesc {{check,analyze,diff,build,test,eval,graph,fmt}} ... "
                         "(rulesc --help)\n")
        return EXIT_USAGE
    except SystemExit as exit_:  # --help, --version
        return exit_.code if isinstance(exit_.code, int) else 0
    try:
        return command(chosen)
    except KeyboardInterrupt:
        sys.stderr.write("rulesc: interrupted\n")
        return 130
    except BrokenPipeError:  # `rulesc eval ... | head`
        _quiet_stdout()
        return EXIT_ERRORS


def main_entry() -> None:
    sys.exit(main())
