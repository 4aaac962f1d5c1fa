"""The `rulesc` command line: check, build, test and eval (contract/CONTRACT.md)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from compiler.diagnostics import Diagnostic, Sources, render_json, render_text
from compiler.pipeline import Compiled, compile_pack

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rulesc", description="Compile claim coding policies written as rules.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--format", choices=("text", "json"), default="text",
                         help="how to print diagnostics (json for CI)")
        sub.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    check = commands.add_parser("check", help="parse and analyze; print diagnostics")
    check.add_argument("files", nargs="+", metavar="FILE", help="rules files")
    check.add_argument("--source-text", metavar="TEXT",
                       help="verify that every quote occurs in this published policy text")
    common(check)

    build = commands.add_parser("build", help="generate the Python edit module of each pack")
    build.add_argument("files", nargs="+", metavar="FILE")
    build.add_argument("--out", default="generated", metavar="DIR")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 when DIR is stale")
    common(build)

    test = commands.add_parser("test", help="run the examples written in the packs")
    test.add_argument("files", nargs="+", metavar="FILE")
    common(test)

    evaluate = commands.add_parser("eval", help="evaluate claims")
    evaluate.add_argument("file", metavar="FILE", help="the rules file")
    evaluate.add_argument("--input", required=True, metavar="CLAIMS",
                          help="a JSON claim, a JSON array of claims or JSON Lines; - for standard input")
    evaluate.add_argument("--output", metavar="OUT", help="where to write the JSON Lines results (default stdout)")
    evaluate.add_argument("--engine", choices=("compiled", "interpreter"), default="compiled",
                          help="the generated module (default) or the reference interpreter")
    common(evaluate)
    return parser


def colour_enabled(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def report(diagnostics: Sequence[Diagnostic], sources: Sources, fmt: str, colour: bool,
           stream: TextIO) -> None:
    if fmt == "json":
        stream.write(render_json(diagnostics, sources) + "\n")
        return
    for diagnostic in diagnostics:
        stream.write(render_text(diagnostic, sources, colour) + "\n\n")
    errors = sum(1 for d in diagnostics if d.severity.value == "error")
    warnings = len(diagnostics) - errors
    if diagnostics:
        stream.write(f"{errors} error(s), {warnings} warning(s)\n")


def compile_all(files: Sequence[str], sources: Sources) -> list[Compiled]:
    return [compile_pack(path, sources) for path in files]


def _check(args: argparse.Namespace) -> int:
    sources = Sources()
    results = compile_all(args.files, sources)
    diagnostics = [d for r in results for d in r.diagnostics]
    if args.source_text:
        from compiler.analysis.quotes import check_quotes

        diagnostics.extend(check_quotes([r.pack for r in results if r.pack], args.source_text, sources))
    report(diagnostics, sources, args.format, colour_enabled(args.color, sys.stderr), sys.stderr)
    failed = any(d.severity.value == "error" for d in diagnostics)
    if not failed and args.format == "text":
        names = ", ".join(r.pack.name for r in results if r.pack)
        sys.stderr.write(f"ok: {names}\n")
    return EXIT_ERRORS if failed else EXIT_OK


def _build(args: argparse.Namespace) -> int:
    from compiler.commands import build

    return build(args)


def _test(args: argparse.Namespace) -> int:
    from compiler.commands import run_examples

    return run_examples(args)


def _eval(args: argparse.Namespace) -> int:
    from compiler.commands import evaluate_claims

    return evaluate_claims(args)


COMMANDS = {"check": _check, "build": _build, "test": _test, "eval": _eval}


def main(argv: Sequence[str] | None = None) -> int:
    """Run `rulesc` in-process and return its exit code."""
    try:
        args = _parser().parse_args(list(argv) if argv is not None else None)
    except _UsageError as error:
        sys.stderr.write(f"{error}\nusage: rulesc {{check,build,test,eval}} ... (rulesc --help)\n")
        return EXIT_USAGE
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0) if isinstance(exit_.code, int) else EXIT_OK
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        sys.stderr.write("rulesc: interrupted\n")
        return 130
    except RecursionError:
        sys.stderr.write("rulesc: error: the input nests too deeply to process\n")
        return EXIT_ERRORS


def main_entry() -> None:
    sys.exit(main())
