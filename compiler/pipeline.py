"""The stages in order: load (read and parse every file), resolve, analyze, generate, load the
module, build the files of a pack (module, documents, native build, wheel), and the engines that
evaluate claims in bulk. Each command starts here; the commands only parse, call and print.

This layer owns the one failure that any stage can meet on any input: a rules file that nests
expressions more deeply than Python's recursion (or its parser's nesting limit) allows. Each
stage below is guarded here and reports it as a `too-deep` diagnostic on the pack, so no command
needs to know about it. It also owns the exit codes every command returns.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from compiler.batch import BadRecord, Tally, cache, run
from compiler.batch.engines import EngineSource, ModuleFile, module_files, module_name, module_of, written
from compiler.batch.engines import load_module as load_module_file
from compiler.diagnostics import Collector, Diagnostic, Severity, Sources, Span, sort_key

# The stages' own modules are loaded when a stage first runs (`_stage`), so that a command pays
# only for the stages it runs: `rulesc eval` served from the module cache (`compiler.batch.cache`)
# never loads the parser, the templates or the graph library, and nothing but `check`, `analyze`,
# `diff` and `build` loads the solver. The imports below name them all, for readers, for mypy and
# for the layer contract (import-linter reads them).
if TYPE_CHECKING:
    from compiler.analysis.changes.compare import compare_packs
    from compiler.analysis.changes.impact import impact_of
    from compiler.analysis.changes.model import ChangeReport, Impact
    from compiler.analysis.checks import analyze
    from compiler.analysis.conflicts.cache import compiler_digest
    from compiler.analysis.conflicts.render import as_diagnostic
    from compiler.analysis.conflicts.report import Report
    from compiler.backends.document import generate_documents, retired_documents
    from compiler.backends.loading import load_generated, outputs
    from compiler.backends.native import cached_native
    from compiler.backends.native import native_files as native_build
    from compiler.backends.python import GenerationError
    from compiler.backends.wheel import Distribution, write_wheel
    from compiler.batch.pairs import PairSource
    from compiler.cachedir import cache_dir
    from compiler.examples.coverage import check_examples
    from compiler.examples.report import failure_text
    from compiler.examples.runner import run_examples
    from compiler.inputs.formats import open_input
    from compiler.interpreter.engine import InterpreterSource
    from compiler.semantics import ir
    from compiler.semantics.resolver import resolve
    from compiler.syntax.loader import Files, load_pack
    from compiler.syntax.parser import GRAMMAR_PATH
    from compiler.syntax.reparse import KeptFiles


_WHERE = {
    "analyze": "compiler.analysis.checks", "compare_packs": "compiler.analysis.changes.compare",
    "impact_of": "compiler.analysis.changes.impact", "as_diagnostic": "compiler.analysis.conflicts.render",
    "generate_documents": "compiler.backends.document",
    "retired_documents": "compiler.backends.document", "load_generated": "compiler.backends.loading",
    "outputs": "compiler.backends.loading", "cached_native": "compiler.backends.native",
    "native_build": "compiler.backends.native", "GenerationError": "compiler.backends.python",
    "Distribution": "compiler.backends.wheel", "write_wheel": "compiler.backends.wheel",
    "PairSource": "compiler.batch.pairs", "check_examples": "compiler.examples.coverage",
    "failure_text": "compiler.examples.report", "run_examples": "compiler.examples.runner",
    "open_input": "compiler.inputs.formats", "InterpreterSource": "compiler.interpreter.engine",
    "resolve": "compiler.semantics.resolver", "load_pack": "compiler.syntax.loader",
    "KeptFiles": "compiler.syntax.reparse", "cache_dir": "compiler.cachedir",
    "compiler_digest": "compiler.analysis.conflicts.cache", "GRAMMAR_PATH": "compiler.syntax.parser",
}
_ORIGINAL = {"native_build": "native_files"}


def _need(*names: str) -> None:
    """Import the stages' names a function uses, the first time one runs (see the note above)."""
    scope = globals()
    for name in names:
        if name not in scope:
            scope[name] = getattr(importlib.import_module(_WHERE[name]), _ORIGINAL.get(name, name))


EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
"""Exit codes of every command: success; errors in the rules or in some claims (everything else
still done); the command cannot run (bad arguments, a file that cannot be opened)."""

CANNOT_RUN = frozenset({"unreadable-file"})
"""Diagnostic codes that mean a file named on the command line could not be opened."""

T = TypeVar("T")


@dataclass
class Compiled:
    """One pack through the front end and analysis: its plan, or None when any error was found."""

    path: str
    plan: ir.Plan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def pack(self) -> ir.Pack | None:
        return None if self.plan is None else self.plan.pack


@dataclass(frozen=True)
class Stage(Generic[T]):
    """What a later stage made of one pack: its result, or None and the diagnostics saying why."""

    value: T | None
    diagnostics: tuple[Diagnostic, ...] = ()


def _too_deep(path: str, doing: str, detail: str = "") -> Diagnostic:
    reason = f" ({detail})" if detail else ""
    return Diagnostic("too-deep", f"{path} nests expressions too deeply to {doing}{reason}", Span(path, 0, 0),
                      Severity.ERROR, (), ("split a very long condition into named code sets or several rules",))


#: errors about a pack's examples and coverage, not about what its rules decide: `rulesc diff`
#: compares drafts whose examples have not caught up with their rules yet
ABOUT_EXAMPLES = frozenset({"bad-example", "bad-evidence", "uncovered-row"})


def compile_pack(path: str | Path, sources: Sources, tolerate: frozenset[str] = frozenset(),
                 files: Files | None = None) -> Compiled:
    """Front end and analysis for one pack; `plan` (and `pack`) are None when any error was found.
    Errors whose codes are in `tolerate` are reported as warnings instead. `files` reads the pack's
    files (by default from disk; the language server reads its editor's buffers)."""
    _need("analyze", "check_examples", "resolve", "load_pack")

    if files is None:
        files = kept_files()
    out = Collector(tolerate=tolerate)
    plan = None
    try:
        pack = resolve(load_pack(path, out, sources, files), out)
        if pack is not None:
            plan = analyze(pack, out)
        if plan is not None:  # warnings about what the pack lacks, only where no error can be buried
            check_examples(plan.pack, out)
    except RecursionError:
        plan = None
        out.items.append(_too_deep(str(path), "compile"))
    diagnostics = sorted(out.items, key=sort_key)
    return Compiled(str(path), None if out.has_errors else plan, diagnostics)


def kept_files() -> Files:
    """The files on disk, their parsed declarations kept between runs in the cache folder (under
    `parsed/`), for the compiler and grammar that parsed them: a run after an edit parses only the
    declarations whose text changed."""
    _need("KeptFiles", "cache_dir", "compiler_digest", "GRAMMAR_PATH")

    grammar = hashlib.sha256(GRAMMAR_PATH.read_bytes()).hexdigest()
    return KeptFiles(cache_dir() / "parsed", f"{compiler_digest()}-{grammar}")


def compile_all(files: Iterable[str], sources: Sources, tolerate: frozenset[str] = frozenset()) -> list[Compiled]:
    return [compile_pack(path, sources, tolerate) for path in files]


def _guarded(pack: ir.Pack, doing: str, work: Callable[[], T]) -> Stage[T]:
    _need("GenerationError")

    try:
        return Stage(work())
    except RecursionError:
        return Stage(None, (_too_deep(pack.path, doing),))
    except GenerationError as error:  # Python's own limit on nested parentheses in the output
        return Stage(None, (_too_deep(pack.path, doing, str(error)),))


def generate(plan: ir.Plan, sources: Sources) -> Stage[dict[str, str | bytes]]:
    """The pack's edit module, by name relative to the output folder."""
    _need("outputs")

    return _guarded(plan.pack, "generate Python", lambda: outputs(plan, sources))


def document(plan: ir.Plan, sources: Sources, analysis: Report | None = None, *,
             changes: ChangeReport | None = None) -> Stage[dict[str, str]]:
    """The pack's policy documents (Markdown and HTML), showing the analyzer's report when given,
    and what changed since the previous version when `changes` compares it with this one."""
    _need("generate_documents")

    text = sources.text(plan.pack.path) or ""
    return _guarded(plan.pack, "write the policy documents",
                    lambda: generate_documents(plan.pack, text, analysis=analysis, changes=changes))


def load_module(plan: ir.Plan, sources: Sources) -> Stage[types.ModuleType]:
    """The pack's generated module, compiled and imported in memory."""
    _need("load_generated")

    return _guarded(plan.pack, "generate Python", lambda: load_generated(plan, sources))


def engine_source(plan: ir.Plan, sources: Sources, *, interpreter: bool = False, native: bool = False,
                  unknown_fields: str = "error", keep: str | None = None) -> Stage[EngineSource]:
    """What evaluates the pack's claims in bulk (`compiler.batch`): the reference interpreter, or
    the generated module, written once to a file of this process (with its data file, if any)
    that worker processes import too, or its native build (compiled once, then from the cache).
    With `keep` (the rules file as named on the command line), the module is written into the
    module cache instead, for the next run (`compiler.batch.cache`). Raises NativeBuildError when
    the native build fails, OSError when a file cannot be written."""
    _need("cached_native", "InterpreterSource")

    if interpreter:
        return Stage(InterpreterSource(plan, unknown_fields))
    generated = generate(plan, sources)
    if generated.value is None:
        return Stage(None, generated.diagnostics)
    name = plan.pack.name
    files = module_of(generated.value, name)
    stored = cache.store(keep, sources.texts(), files, digest=plan.pack.digest) if keep is not None else None
    path = cached_native(files, name) if native else stored or written(files)
    return Stage(ModuleFile(str(path), unknown_fields))


class ImpactUnavailable(Exception):
    """A pack's module cannot be generated (a condition nested beyond Python's limits); the
    diagnostics say which and why."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def pair_source(old: ir.Plan, new: ir.Plan, sources: Sources, unknown_fields: str = "error") -> PairSource:
    """Both packs' generated modules as one engine whose findings are their differences; raises
    ImpactUnavailable when either module cannot be generated."""
    _need("PairSource")

    sides = []
    for plan in (old, new):
        stage = engine_source(plan, sources, unknown_fields=unknown_fields)
        if stage.value is None:
            raise ImpactUnavailable(stage.diagnostics)
        sides.append(stage.value)
    return PairSource(sides[0], sides[1])


def measure_impact(old: ir.Plan, new: ir.Plan, path: str, input_format: str = "auto", *, jobs: int = 1,
                   sources: Sources | None = None, on_error: Callable[[BadRecord], None] | None = None,
                   on_progress: Callable[[int], None] | None = None, unknown_fields: str = "error") -> Impact:
    """Run both packs on every claim of the input at `path` ("-": standard input) read as
    `input_format` (what `rulesc eval` reads) and count the claims, lines and findings that
    differ (`rulesc diff --input`). A record that cannot be read, or a claim either pack rejects,
    is handed to `on_error` with its place and counted in `errors`; the others are still counted.

    Raises what `compiler.inputs.formats.open_input` raises when the input cannot be read at all
    (OSError, MissingExtra, InputError), and ImpactUnavailable when a pack's module cannot be
    generated."""
    _need("impact_of", "open_input")

    pair = pair_source(old, new, sources or Sources(), unknown_fields)
    tally = Tally(on_error)
    with ExitStack() as stack:
        run(open_input(input_format, path, stack), pair, tally, jobs, on_progress)
    return impact_of(tally)


# ---------------------------------------------------------------- the conflict analyzer
# Imported when a command asks for it; the solver comes only with a report that is not in the
# cache, and `rulesc eval` and `rulesc test` never load it.


def analysis_for(plan: ir.Plan, sources: Sources, max_lines: int | None = None) -> Report:
    """The pack's conflict report (from the cache when the pack has not changed)."""
    analyze_conflicts: Callable[..., Report] = importlib.import_module("compiler.analysis.conflicts").analyze_conflicts

    return analyze_conflicts(plan.pack, sources=sources, max_lines=max_lines)


def as_diagnostics(report: Report, sources: Sources) -> list[Diagnostic]:
    """The report's error and warning entries as diagnostics, as `rulesc check` prints them."""
    _need("as_diagnostic")

    return [as_diagnostic(entry, sources) for entry in report.conflicts if entry.severity in ("error", "warning")]


def refusal(report: Report, allow_unknown: bool) -> str | None:
    """Why `build` refuses the pack: an unresolved error entry, or an unknown one (unless allowed)."""
    if report.failed:
        return f"{report.pack} has unresolved conflicts (see `rulesc analyze`)"
    if report.has_unknown and not allow_unknown:
        return f"{report.pack}: the analyzer could not decide every question (`--allow-unknown` to build anyway)"
    return None


ANALYSIS_OFF = "warning: RULESC_ANALYSIS=off, so the conflict analyzer does not run (only rows are checked)"


@dataclass(frozen=True)
class Gate:
    """What `rulesc eval` and `rulesc test` make of a pack's cached conflict report (ANALYSIS.md):
    a refusal (exit 1), or a note to say once on standard error, or neither."""

    refusal: str | None = None
    note: str | None = None


def conflict_gate(name: str, digest: str | None, allow_conflicts: bool) -> Gate:
    """Never the solver: the verdict cached when the pack's content was last analyzed (`check`,
    `analyze`, `build`); a pack with an unresolved error is refused unless `allow_conflicts`."""
    conflicts = importlib.import_module("compiler.analysis.conflicts")  # the report and its cache, no solver
    if not conflicts.solver_enabled():
        return Gate(note="warning: RULESC_ANALYSIS=off, so the pack's conflict report is not checked")
    verdict = conflicts.cached_verdict(digest) if digest is not None else None
    if verdict is None:
        return Gate(note=f"{name} has not been analyzed (no conflict report of this content is cached): "
                         "`rulesc check` or `rulesc analyze` checks its conflicts")
    if verdict["failed"] and not allow_conflicts:
        name = str(verdict.get("pack") or name)
        return Gate(refusal=f"{name} has unresolved conflicts (see `rulesc analyze`); "
                            "`--allow-conflicts` runs it anyway")
    return Gate()


# ---------------------------------------------------------------- build


@dataclass(frozen=True)
class Built:
    """What `rulesc build` makes of one pack: every file it writes, by name in the output folder
    (None when it must not or cannot), why it refuses, and the diagnostics found on the way, in
    groups in the order they were found (each group is printed as one report)."""

    files: dict[str, str | bytes] | None
    shown: tuple[tuple[Diagnostic, ...], ...] = ()
    refusal: str | None = None


def build_pack(plan: ir.Plan, sources: Sources, allow_unknown: bool = False) -> Built:
    """The analyzer's report (the pack is refused on an unresolved conflict, or an undecided
    question unless `allow_unknown`), what changed since the previous version the header names,
    the generated module and the documents."""
    analysis = analysis_for(plan, sources)
    shown = [tuple(as_diagnostics(analysis, sources))]
    refused = refusal(analysis, allow_unknown)
    if refused is not None:
        return Built(None, tuple(shown), refused)
    changes = previous_changes(plan, sources)
    if changes.diagnostics:
        shown.append(changes.diagnostics)
    if changes.value is None and plan.pack.previous is not None:
        return Built(None, tuple(shown))
    files: dict[str, str | bytes] = {}
    module = generate(plan, sources)
    if module.diagnostics:
        shown.append(module.diagnostics)
    if module.value is None:
        return Built(None, tuple(shown))
    failing = failing_examples(plan, sources, module.value)
    if failing:
        count = f"{len(failing)} of its examples fail" if len(failing) > 1 else "one of its examples fails"
        return Built(None, tuple(shown), f"{plan.pack.name}: {count} (as `rulesc test` runs them):\n"
                                          + "\n".join(failing))
    files.update(module.value)
    for made in (document(plan, sources, analysis, changes=changes.value),):
        if made.diagnostics:
            shown.append(made.diagnostics)
        if made.value is None:
            return Built(None, tuple(shown))
        files.update(made.value)
    return Built(files, tuple(shown))


def failing_examples(plan: ir.Plan, sources: Sources, files: Mapping[str, str | bytes]) -> tuple[str, ...]:
    """The pack's examples that fail, run through the interpreter and the module among `files` as
    `rulesc test` runs them, each as `rulesc test` prints it; () when they all pass."""
    _need("run_examples", "failure_text")

    module = load_module_file(written(module_of(files, plan.pack.name)))
    out = []
    for result in run_examples(plan, module, sources):
        if not result.passed:
            out.append("\n".join([f"FAIL {result.name} {result.where()}", *failure_text(result)]))
    return tuple(out)


def previous_changes(plan: ir.Plan, sources: Sources) -> Stage[ChangeReport]:
    """What the pack decides differently from the previous version its header names (None when it
    names none); no value, and diagnostics saying why, when that version does not compile. It is
    compiled as `rulesc diff` compiles it: only its decisions matter here, so errors about its
    examples and coverage are warnings."""
    pack = plan.pack
    if pack.previous is None:
        return Stage(None)
    _need("compare_packs")

    previous = compile_pack(pack.previous, sources, ABOUT_EXAMPLES)
    out = Collector(list(previous.diagnostics))
    if previous.plan is None:
        out.error("broken-previous", f"the previous version, {pack.previous}, does not compile", pack.previous_span,
                  "fix the errors shown above in that file, or name another version",
                  "the documents show what changed since that version, so it must compile on its own")
        return Stage(None, tuple(out.items))
    return Stage(compare_packs(previous.plan.pack, pack), tuple(out.items))


def native_module(module: Path) -> Path:
    """The native build of a generated module file (and its data file, if any), from the cache
    `rulesc eval --native` shares, compiled when missing. Raises NativeBuildError, OSError."""
    _need("cached_native")

    return cached_native({file.name: file.read_bytes() for file in module_files(module)}, module_name(module))


def native_files(files: Mapping[str, str | bytes], name: str) -> dict[str, Path]:
    """The pack's native build (from the cache `rulesc eval --native` shares, compiled when
    missing): the extension and the module's data file beside it, by name. Raises NativeBuildError."""
    _need("native_build")

    return native_build(module_of(files, name), name)


def wheel(pack: ir.Pack, files: Mapping[str, str | bytes], out_dir: Path, native: bool) -> Path:
    """An installable wheel of the pack's module (its native build with `native`), with the
    module's data file beside it; its path. Raises WheelError, NativeBuildError, OSError."""
    _need("Distribution", "write_wheel")

    try:
        generator = f"rulesc {importlib.metadata.version('rulesc')}"
    except importlib.metadata.PackageNotFoundError:
        generator = "rulesc"
    dist = Distribution(pack.name, pack.version or "", f"{pack.policy}: {pack.title}", generator)
    if native:
        content = {name: path.read_bytes() for name, path in native_files(files, pack.name).items()}
    else:
        content = {name: as_bytes(text) for name, text in module_of(files, pack.name).items()}
    return write_wheel(dist, content, out_dir, native)


@dataclass(frozen=True)
class FolderDifference:
    """How an output folder differs from what build would write, by relative path in sorted order."""

    stale: tuple[str, ...]  # on disk with other contents
    missing: tuple[str, ...]
    extra: tuple[str, ...]  # on disk, not written by build, in a folder build owns, or retired

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


# The output folder of `rulesc build`. `files` maps paths relative to it (`cpcp026.py`,
# `cpcp026-policy/README.md`) to their text, or to their bytes (a module's data file,
# `ncci.tables`). A subfolder that build writes into (a pack's Markdown pages) belongs to build
# whole: a file in it that build did not write is left over from an earlier build (a page of a
# part that has since shrunk, a renamed section) and is removed, and `--check` reports it as extra.
# In the folder itself build owns only its own files and, among the others, those an earlier
# layout of its output wrote (`retired`, such as the single Markdown document `cpcp026.md`): the
# application's own files beside the module (`__init__.py`, anything else) are never touched.


def as_bytes(content: str | bytes) -> bytes:
    """A file's content as build writes it: text in UTF-8, or bytes as they are."""
    return content.encode("utf-8") if isinstance(content, str) else content


def read_output(path: Path) -> str | None:
    """A file's text as build compares it, or None when it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def retired_outputs(packs: Iterable[ir.Pack]) -> list[str]:
    """Files that an earlier layout of build's output wrote for these packs and the current one does not."""
    _need("retired_documents")
    return [name for pack in packs for name in retired_documents(pack.name)]


def _owned_folders(files: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({name.split("/", 1)[0] for name in files if "/" in name}))


def _extras(out_dir: Path, files: Mapping[str, str | bytes], retired: Iterable[str]) -> tuple[str, ...]:
    found = {name for name in retired if name not in files and (out_dir / name).is_file()}
    for folder in _owned_folders(files):
        root = out_dir / folder
        if root.is_dir():
            found.update(path.relative_to(out_dir).as_posix() for path in root.rglob("*")
                         if not path.is_dir() and path.relative_to(out_dir).as_posix() not in files)
    return tuple(sorted(found))


def compare_folder(out_dir: Path, files: Mapping[str, str | bytes], retired: Iterable[str] = ()) -> FolderDifference:
    stale, missing = [], []
    for name, content in sorted(files.items()):
        current = _read_bytes(out_dir / name)
        if current is None:
            missing.append(name)
        elif current != as_bytes(content):
            stale.append(name)
    return FolderDifference(tuple(stale), tuple(missing), _extras(out_dir, files, retired))


def write_folder(out_dir: Path, files: Mapping[str, str | bytes], retired: Iterable[str] = ()) -> tuple[str, ...]:
    """Write every file (creating the folders), then remove the extras; the removed files' paths.
    Raises OSError when the folder cannot be written."""
    for name, content in sorted(files.items()):
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(as_bytes(content))
    removed = _extras(out_dir, files, retired)
    for name in removed:
        (out_dir / name).unlink()
    for folder in _owned_folders(files):  # subfolders the removals left empty
        for path in sorted((out_dir / folder).rglob("*"), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return removed


def exit_code(diagnostics: Sequence[Diagnostic]) -> int:
    """2 when a file named on the command line cannot be read, 1 on any other error, else 0."""
    if any(d.code in CANNOT_RUN for d in diagnostics):
        return EXIT_USAGE
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return EXIT_ERRORS
    return EXIT_OK
