"""What the language server answers, one function per request, over a pack's latest check
(`workspace.Snapshot`): diagnostics, hover, go to definition, find references, completion, rename,
quick fixes and formatting. The protocol's types are lsprotocol's; the server (`server.py`) only
wires requests to these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from lsprotocol import types as lsp

from compiler.backends.english import Clause, English, codes_text
from compiler.backends.markup import Anchors, Phrase, plain
from compiler.diagnostics import Diagnostic, Severity, Span
from compiler.lsp.index import Kind, Occurrence, Symbol, valid_name
from compiler.lsp.positions import Lines
from compiler.lsp.workspace import Document, Snapshot, path_to_uri
from compiler.runtime.values import FUNCTIONS
from compiler.semantics import ir
from compiler.semantics.tables import TableIndex
from compiler.syntax import ast
from compiler.syntax.format import FormatError, Unformattable, format_source
from compiler.syntax.parser import GRAMMAR_PATH

SOURCE = "rulesc"
_SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error, Severity.WARNING: lsp.DiagnosticSeverity.Warning,
             Severity.INFO: lsp.DiagnosticSeverity.Information}
_CODE = re.compile(r"(?:[0-9]{4}[0-9A-Z]|[A-V][0-9]{4})")
_WORD = re.compile(r"[A-Za-z0-9_-]")
_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_PRECEDENCE = re.compile(r"`(precedence (\S+) over (\S+))`")
_BACKTICKED = re.compile(r"`([^`]+)`")
KEYWORDS: tuple[str, ...] = tuple(sorted(set(re.findall(r'"([a-z]+)"', GRAMMAR_PATH.read_text(encoding="utf-8")))))
"""Every word of the language (its grammar's keywords), for completion."""


# ---------------------------------------------------------------- diagnostics


def to_range(lines: Lines, span: Span) -> lsp.Range:
    start, end = lines.position(span.start), lines.position(max(span.end, span.start))
    return lsp.Range(lsp.Position(*start), lsp.Position(*end))


def to_lsp(diagnostic: Diagnostic, lines: Lines, lines_of: dict[str, Lines], files: dict[str, Path]) -> lsp.Diagnostic:
    """A compiler diagnostic as the protocol's: its hints and the analyzer's details in the message
    (editors show nothing else) and in `data` (where the quick fixes read them)."""
    span = diagnostic.span if diagnostic.span is not None else Span("", 0, 0)
    message = diagnostic.message
    if diagnostic.detail:
        message += "\n" + "\n".join(diagnostic.detail)
    if diagnostic.hints:
        message += "\n" + "\n".join(f"hint: {hint}" for hint in diagnostic.hints)
    related = []
    for label in diagnostic.labels:
        label_lines = lines_of.get(label.span.path)
        if label_lines is None:
            continue
        uri = path_to_uri(files.get(label.span.path) or Path(label.span.path))
        related.append(lsp.DiagnosticRelatedInformation(lsp.Location(uri, to_range(label_lines, label.span)),
                                                        label.message))
    return lsp.Diagnostic(to_range(lines, span), message, severity=_SEVERITY[diagnostic.severity],
                          code=diagnostic.code, source=SOURCE, related_information=related or None,
                          data={"code": diagnostic.code, "hints": list(diagnostic.hints)})


# ---------------------------------------------------------------- where the cursor is


def occurrence_at(snapshot: Snapshot, path: Path, position: lsp.Position) -> tuple[Occurrence | None, int, str]:
    """The symbol under the cursor, the cursor's offset and the file's name in the snapshot."""
    key = _key(snapshot, path)
    lines = snapshot.lines(key)
    offset = lines.offset(position.line, position.character)
    return snapshot.index.at(key, offset), offset, key


def _key(snapshot: Snapshot, path: Path) -> str:
    for key, found in snapshot.files.items():
        if found == path:
            return key
    return snapshot.key


def location(snapshot: Snapshot, span: Span) -> lsp.Location:
    uri = path_to_uri(snapshot.files.get(span.path) or Path(span.path))
    return lsp.Location(uri, to_range(snapshot.lines(span.path), span))


def definition(snapshot: Snapshot, path: Path, position: lsp.Position) -> list[lsp.Location] | None:
    found, _, _ = occurrence_at(snapshot, path, position)
    if found is None:
        return None
    return [location(snapshot, o.span) for o in snapshot.index.definitions(found.symbol)] or None


def references(snapshot: Snapshot, path: Path, position: lsp.Position, declarations: bool) -> list[lsp.Location]:
    found, _, _ = occurrence_at(snapshot, path, position)
    if found is None:
        return []
    return [location(snapshot, o.span) for o in snapshot.index.references(found.symbol, declarations)]


# ---------------------------------------------------------------- rename


class RenameError(Exception):
    """A rename that cannot be done; the message says why (the editor shows it)."""


def prepare_rename(snapshot: Snapshot, path: Path, position: lsp.Position) -> lsp.PrepareRenamePlaceholder | None:
    found, _, key = occurrence_at(snapshot, path, position)
    if found is None:
        return None
    return lsp.PrepareRenamePlaceholder(to_range(snapshot.lines(key), found.span), found.symbol.name)


def rename(snapshot: Snapshot, path: Path, position: lsp.Position, new_name: str) -> lsp.WorkspaceEdit | None:
    """Every occurrence of the symbol under the cursor, in every file the pack reads, renamed."""
    found, _, _ = occurrence_at(snapshot, path, position)
    if found is None:
        return None
    symbol = found.symbol
    if not valid_name(symbol.kind, new_name):
        what = "a rule id (letters, digits, _ and inner -)" if symbol.kind == "rule" else \
            "a name (letters, digits and _, not starting with a digit)"
        raise RenameError(f"`{new_name}` cannot be {what}")
    if new_name in KEYWORDS or new_name in ("line", "claim"):
        raise RenameError(f"`{new_name}` is a word of the language")
    taken = _taken(snapshot, symbol.kind, new_name)
    if taken and new_name != symbol.name:
        raise RenameError(f"the pack already has a {taken} named `{new_name}`")
    changes: dict[str, list[lsp.TextEdit]] = {}
    for occurrence in snapshot.index.references(symbol):
        span = occurrence.span
        uri = path_to_uri(snapshot.files.get(span.path) or Path(span.path))
        changes.setdefault(uri, []).append(lsp.TextEdit(to_range(snapshot.lines(span.path), span), new_name))
    return lsp.WorkspaceEdit(changes=changes)


def _taken(snapshot: Snapshot, kind: Kind, name: str) -> str | None:
    if kind == "rule":
        return "rule" if Symbol("rule", name) in snapshot.index.decls else None
    if kind == "section":
        return "section" if Symbol("section", name) in snapshot.index.decls else None
    return snapshot.index.data_kinds.get(name)


# ---------------------------------------------------------------- hover


def hover(snapshot: Snapshot, path: Path, position: lsp.Position) -> lsp.Hover | None:
    found, offset, key = occurrence_at(snapshot, path, position)
    lines = snapshot.lines(key)
    if found is not None:
        text = describe(snapshot, found.symbol)
        if text is None:
            return None
        return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, text), to_range(lines, found.span))
    code = _code_at(lines.text, offset)
    if code is None:
        return None
    start, end, value = code
    text = describe_code(snapshot, value)
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, text),
                     to_range(lines, Span(key, start, end)))


def _code_at(text: str, offset: int) -> tuple[int, int, str] | None:
    start = offset
    while start > 0 and _WORD.match(text[start - 1]):
        start -= 1
    end = offset
    while end < len(text) and _WORD.match(text[end]):
        end += 1
    word = text[start:end]
    return (start, end, word) if _CODE.fullmatch(word) else None


def describe(snapshot: Snapshot, symbol: Symbol) -> str | None:
    pack = snapshot.plan.pack if snapshot.plan is not None else snapshot.good
    stale = "" if snapshot.plan is not None else "\n\n*(as of the last check without errors)*"
    if pack is None:
        declared = snapshot.index.declaration(symbol)
        return None if declared is None else f"**{symbol.kind} {symbol.name}**"
    if symbol.kind == "rule":
        found = next((r for r in pack.rules if r.id == symbol.name), None)
        return None if found is None else rule_markdown(pack, found) + stale
    if symbol.kind == "section":
        section = next((s for s in pack.sections if s.name == symbol.name), None)
        if section is None:
            return None
        body = f"**section {section.name}**: {section.heading}"
        if section.paragraphs:
            body += "\n\n" + section.paragraphs[0]
        return body + stale
    if symbol.kind == "set":
        codes = next((s for s in pack.sets if s.name == symbol.name), None)
        if codes is None:
            return None
        noun = "values" if codes.texts else "codes"
        listed = codes_text(codes.members, codes.texts, limit=40)
        return (f"**{'set' if codes.texts else 'codes'} {codes.name}**" + (f": {codes.title}" if codes.title else "")
                + f"\n\n{len(codes.members)} {noun}: {listed}" + stale)
    if symbol.kind == "table":
        data_table = next((t for t in pack.data_tables if t.name == symbol.name), None)
        if data_table is not None:
            return data_table_markdown(data_table) + stale
        table = next((t for t in pack.tables if t.name == symbol.name), None)
        if table is None:
            return None
        columns = ", ".join(f"{name}: {kind}" for name, kind in table.columns)
        return (f"**table {table.name}**" + (f": {table.title}" if table.title else "")
                + f"\n\n{len(table.rows)} rows; columns {columns}" + stale)
    if symbol.kind == "map":
        mapping = next((m for m in pack.maps if m.name == symbol.name), None)
        if mapping is None:
            return None
        shown = ", ".join(f"{k} → {v}" for k, v in mapping.pairs[:12])
        more = f" and {len(mapping.pairs) - 12} more" if len(mapping.pairs) > 12 else ""
        return (f"**map {mapping.name}**" + (f": {mapping.title}" if mapping.title else "")
                + f"\n\n{len(mapping.pairs)} pairs: {shown}{more}" + stale)
    ranking = next((r for r in pack.rankings if r.name == symbol.name), None)
    if ranking is None:
        return None
    levels = "; then ".join(f"{attribute}: {' > '.join(order)}" for attribute, order in ranking.levels)
    return f"**ranking {ranking.name}**" + (f": {ranking.title}" if ranking.title else "") + f"\n\nby {levels}" + stale


def data_table_markdown(table: ir.DataTable) -> str:
    key = ", ".join(table.key)
    columns = ", ".join(f"{c.name}: {c.type}" for c in table.columns)
    dated = f"; rows apply from `{table.start}`" + (f" until `{table.end}`" if table.end else "") if table.start else ""
    out = [f"**table {table.name}**" + (f": {table.title}" if table.title else ""), "",
           f"key {key}{dated}; columns {columns}", ""]
    for table_file in table.files:
        out.append(f"- `{table_file.written}` for {' and '.join(table_file.claim_types)} claims: "
                   f"{table_file.data.count:,} rows, sha256 `{table_file.digest[:16]}…`")
    if table.checks:
        out.append("")
        out.append("checks: " + ", ".join(check.kind for check in table.checks))
    return "\n".join(out)


def rule_markdown(pack: ir.Pack, rule: ir.Rule) -> str:
    """A rule's plain-English statement, as its card in the policy documents gives it."""
    english = English(pack, Anchors())
    statement = english.statement(rule)
    out = [f"**{rule.kind} {rule.id}**: {rule.title}", ""]
    checks = _sentence(statement.applies)
    if statement.condition is not None:
        out.append(f"**What it checks:** {checks}, when {plain(statement.condition.text)}")
        out.extend(_clause_lines(statement.condition.items, 0))
    else:
        out.append(f"**What it checks:** {checks}.")
    out.append("")
    out.append(f"**Result:** {_period(_sentence(statement.result))}")
    if statement.suggestion is not None:
        out.append("")
        out.append(_period(_sentence(statement.suggestion)))
    if statement.unless is not None:
        out.append("")
        out.append(_period(_sentence(statement.unless)))
    if rule.citation:
        out.append("")
        out.append(f"*{rule.citation}*" + (f" · covers {', '.join(rule.covers)}" if rule.covers else ""))
    return "\n".join(out)


def _sentence(value: Phrase) -> str:
    text = plain(value)
    return text[:1].upper() + text[1:]


def _period(text: str) -> str:
    return text if text.rstrip("”\"' ").endswith((".", "!", "?")) else text + "."


def _clause_lines(items: Sequence[Clause], depth: int) -> list[str]:
    out = []
    for item in items:
        out.append("  " * depth + f"- {plain(item.text)}")
        out.extend(_clause_lines(item.items, depth + 1))
    return out


def describe_code(snapshot: Snapshot, code: str) -> str:
    """The rules that touch a code: those that target it, read a set that holds it, or suggest it;
    the named sets that hold it; the rows of tables read from files keyed by it."""
    pack = snapshot.plan.pack if snapshot.plan is not None else snapshot.good
    if pack is None:
        return f"**{code}**"
    targets, reads, suggests = [], [], []
    for rule in pack.rules:
        if rule.target is not None and code in rule.target.members:
            targets.append(rule.id)
        if any(_mentions(node, code) for part in (rule.condition, rule.suggest_if) for node in ir.walk(part)):
            reads.append(rule.id)
        if isinstance(rule.suggest, ir.Const) and rule.suggest.value == code:
            suggests.append(rule.id)
    out = [f"**{code}**"]
    sets = [s.name for s in pack.sets if s.name is not None and code in s.members]
    for label, found in (("targeted by", targets), ("read by", [r for r in reads if r not in targets]),
                         ("suggested by", suggests), ("in the sets", sets)):
        if found:
            out.append(f"- {label}: {', '.join(found)}")
    for table in pack.data_tables:
        for table_file in table.files:
            count = len(TableIndex(table, table_file).rows([code], None))
            if count:
                out.append(f"- {count:,} rows of `{table_file.written}` ({table.name}) keyed by it")
    if len(out) == 1:
        out.append("- no rule of the pack touches it")
    return "\n".join(out)


def _mentions(node: ir.Expr, code: str) -> bool:
    if isinstance(node, ir.SetValue):
        return code in node.codes.members
    return isinstance(node, ir.Const) and node.value == code


# ---------------------------------------------------------------- completion

_RULE_CONTEXT = re.compile(r"(?:flagged\s+by|overrides|precedence|over|by|remove\s+rule|,)\s+[A-Za-z0-9_-]*$")
_SECTION_CONTEXT = re.compile(r"\bcite\s+[A-Za-z0-9_]*$")
_FIELD_CONTEXT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.[A-Za-z_]*$")
_CODE_CONTEXT = re.compile(r"(?<![A-Za-z0-9_])([0-9A-V][0-9]{0,4})$")


def completion(snapshot: Snapshot, path: Path, position: lsp.Position) -> lsp.CompletionList:
    key = _key(snapshot, path)
    before = snapshot.lines(key).line_text(position.line)[:position.character]
    index = snapshot.index
    items: list[lsp.CompletionItem] = []
    field = _FIELD_CONTEXT.search(before)
    if field is not None:
        fields = ir.CLAIM_FIELDS if field.group(1) == "claim" else ir.LINE_FIELDS
        items = [lsp.CompletionItem(name, kind=lsp.CompletionItemKind.Field, detail=str(kind))
                 for name, kind in fields.items()]
        return lsp.CompletionList(is_incomplete=False, items=items)
    if _SECTION_CONTEXT.search(before):
        items = [lsp.CompletionItem(name, kind=lsp.CompletionItemKind.Module, detail="section")
                 for name in index.names("section")]
        return lsp.CompletionList(is_incomplete=False, items=items)
    rules = [lsp.CompletionItem(name, kind=lsp.CompletionItemKind.Function, detail="rule")
             for name in index.names("rule")]
    if _RULE_CONTEXT.search(before) and re.search(r"\b(?:flagged\s+by|overrides|precedence|over|by|remove\s+rule)\b",
                                                    before):
        return lsp.CompletionList(is_incomplete=False, items=rules)
    code = _CODE_CONTEXT.search(before)
    if (code is not None and code.group(1)[:1].isdigit()) or (code is not None and len(code.group(1)) > 1):
        prefix = code.group(1) if code is not None else ""
        codes = [c for c in _codes(snapshot) if c.startswith(prefix)][:200]
        return lsp.CompletionList(is_incomplete=len(codes) == 200, items=[
            lsp.CompletionItem(c, kind=lsp.CompletionItemKind.Value, detail="code") for c in codes])
    items.extend(lsp.CompletionItem(word, kind=lsp.CompletionItemKind.Keyword) for word in KEYWORDS)
    for name, kind in sorted(index.data_kinds.items()):
        items.append(lsp.CompletionItem(name, kind=lsp.CompletionItemKind.Variable, detail=kind))
    items.extend(lsp.CompletionItem(name, kind=lsp.CompletionItemKind.Function, detail="function")
                 for name in sorted(FUNCTIONS))
    items.extend(rules)
    return lsp.CompletionList(is_incomplete=False, items=items)


def _codes(snapshot: Snapshot) -> list[str]:
    pack = snapshot.plan.pack if snapshot.plan is not None else snapshot.good
    if pack is None:
        return []
    found: set[str] = set()
    for codes in pack.sets:
        if not codes.texts:
            found.update(codes.members)
    for mapping in pack.maps:
        for pair in mapping.pairs:
            found.update(pair)
    for table in pack.tables:
        found.update(row.code for row in table.rows)
    return sorted(found)


# ---------------------------------------------------------------- quick fixes


def code_actions(document: Document, snapshot: Snapshot | None, diagnostics: Iterable[lsp.Diagnostic]
                 ) -> list[lsp.CodeAction]:
    """A quick fix from each diagnostic whose hint says what to write: a name it suggests (`did you
    mean`), the `precedence` line the analyzer proposes (either way round), `=` for `==`, a
    declaration moved back to column 1."""
    lines = Lines(document.text)
    actions: list[lsp.CodeAction] = []
    for diagnostic in diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        hints = [h for h in data.get("hints", []) if isinstance(h, str)]
        code = data.get("code", diagnostic.code)
        start = lines.offset(diagnostic.range.start.line, diagnostic.range.start.character)
        end = lines.offset(diagnostic.range.end.line, diagnostic.range.end.character)
        for hint in hints:
            suggested = _DID_YOU_MEAN.search(hint)
            if suggested is not None:
                edit = _replacement(document.text, start, end, diagnostic.message, suggested.group(1))
                if edit is not None:
                    actions.append(_action(f"Change to `{suggested.group(1)}`", document, lines, [edit], diagnostic,
                                           preferred=True))
            for found in _PRECEDENCE.finditer(hint):
                line = found.group(1)
                reverse = f"precedence {found.group(3)} over {found.group(2)}"
                for text, preferred in ((line, True), (reverse, False)):
                    actions.append(_action(f"Add `{text}`", document, lines,
                                           [_declaration_edit(document, snapshot, text)], diagnostic, preferred))
        if code == "equals-equals":
            actions.append(_action("Compare with `=`", document, lines,
                                   [(start, end, document.text[start:end].replace("==", "="))], diagnostic, True))
        if code == "indented-declaration":
            line_start = document.text.rfind("\n", 0, start) + 1
            actions.append(_action("Start the declaration in column 1", document, lines, [(line_start, start, "")],
                                   diagnostic, True))
    return actions


def _replacement(text: str, start: int, end: int, message: str, name: str) -> tuple[int, int, str] | None:
    """Where the name a `did you mean` hint replaces is written: the diagnostic's range, or the word
    the message quotes inside it."""
    written = text[start:end]
    if _WORD.fullmatch(written[:1] or " ") and re.fullmatch(r"[A-Za-z0-9_-]+", written):
        return start, end, name
    for quoted in _BACKTICKED.findall(message):
        at = written.find(quoted)
        if at >= 0 and written.count(quoted) == 1:
            return start + at, start + at + len(quoted), name
    return None


def _declaration_edit(document: Document, snapshot: Snapshot | None, text: str) -> tuple[int, int, str]:
    """Insert a declaration after the file's last precedence declaration, or at its end."""
    last = None
    if snapshot is not None:
        module = snapshot.index.modules.get(_key(snapshot, document.path))
        spans = [d.span for d in module.decls if isinstance(d, ast.PrecedenceDecl)] if module else []
        last = max((s.end for s in spans), default=None)
    if last is None:
        end = len(document.text)
        lead = "" if document.text.endswith("\n\n") else ("\n" if document.text.endswith("\n") else "\n\n")
        return end, end, f"{lead}{text}\n"
    return last, last, f"\n\n{text}"


def _action(title: str, document: Document, lines: Lines, edits: list[tuple[int, int, str]],
            diagnostic: lsp.Diagnostic, preferred: bool) -> lsp.CodeAction:
    changes = {document.uri: [lsp.TextEdit(to_range(lines, Span("", start, end)), new) for start, end, new in edits]}
    return lsp.CodeAction(title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                          edit=lsp.WorkspaceEdit(changes=changes), is_preferred=preferred)


# ---------------------------------------------------------------- formatting


def formatting(document: Document, key: str) -> list[lsp.TextEdit] | None:
    """The whole document in the canonical layout (`rulesc fmt`); None when it does not parse."""
    if document.path.suffix.lower() == ".csv":
        return None
    try:
        formatted = format_source(document.text, key)
    except (Unformattable, FormatError):
        return None
    if formatted == document.text:
        return []
    lines = Lines(document.text)
    return [lsp.TextEdit(to_range(lines, Span("", 0, len(document.text))), formatted)]
