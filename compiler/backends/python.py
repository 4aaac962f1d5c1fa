"""Python backend: one standard-library-only edit module per plan, rendered with jinja2.

The template holds the module's shape. Expressions are translated node by node by `Emitter`
(a dispatch table over the IR, with a test that every node has an entry); literals enter the
output only through `pyrepr`, names only through `Namer`. What operators mean is the runtime's
(compiler/runtime), copied into the module: the emitter writes calls to its functions, or the
plain Python operator where no operand can be absent.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from compiler import codes as code_shapes
from compiler.backends.pycode import Namer, one_group, pydoc, pyrepr, pystr_wrapped, wrap_code
from compiler.runtime.values import ARITHMETIC, COMPARISONS, FUNCTIONS, RELATIONS, opt_in, opt_neg, rank_table
from compiler.semantics import evidence, ir

RUNTIME = Path(__file__).resolve().parents[1] / "runtime"
RUNTIME_PATHS = (RUNTIME / "claims.py", RUNTIME / "values.py")  # copied in this order
TEMPLATES = Path(__file__).resolve().parent / "templates"
MODULE_NAMES = {"math", "re", "datetime", "difflib", "Any", "Callable", "Mapping", "Sequence", "dataclass",
                "annotations", "POLICY", "RULES", "EFFECTIVE", "evaluate", "unknown_fields", "claim", "line",
                "parsed", "findings", "lines_for", "index", "number", "message", "suggest", "found", "n"}


class GenerationError(Exception):
    pass


def runtime_source() -> str:
    """The runtime every generated module carries: each runtime file from its begin marker to its
    end marker, in order."""
    bodies = []
    for path in RUNTIME_PATHS:
        text = path.read_text(encoding="utf-8")
        begin = text.index("# -- runtime begins")
        end = text.index("# -- runtime ends")
        bodies.append(text[text.index("\n", begin) + 1:end].strip("\n"))
    return "\n\n\n".join(bodies) + "\n"


def _runtime_names(source: str) -> set[str]:
    """Top-level names the runtime defines, so that generated names never shadow them."""
    pattern = re.compile(r"^(?:def|class) ([A-Za-z_][A-Za-z0-9_]*)|^([A-Za-z_][A-Za-z0-9_]*)(?::[^=\n]*)? = ",
                         re.MULTILINE)
    return {m.group(1) or m.group(2) for m in pattern.finditer(source)}


@dataclass
class _Symbols:
    namer: Namer
    sets: dict[frozenset[str], str]
    set_order: list[tuple[str, ir.CodeSet]]
    rankings: dict[str, ir.Ranking]

    def attribute(self, name: str) -> str:
        return self.namer.name("attribute", name, prefix="_ATTR_", upper=True)

    def code_set(self, codes: ir.CodeSet) -> str:
        if codes.members in self.sets:
            return self.sets[codes.members]
        label = codes.name or f"set_{len(self.set_order) + 1}"
        name = self.namer.name("set", label, prefix="_SET_", upper=True)
        self.sets[codes.members] = name
        self.set_order.append((name, codes))
        return name


class Emitter:
    """Translates IR expressions to Python expressions with the interpreter's semantics."""

    def __init__(self, symbols: _Symbols, variables: dict[str, str], flagged: dict[str, str]) -> None:
        self.symbols = symbols
        self.variables = variables
        self.flagged = flagged
        self.dispatch: dict[type, Callable[[Any], str]] = {
            ir.Const: self._const, ir.SetValue: self._set_value, ir.LineVar: self._line_var,
            ir.LineField: self._line_field, ir.ClaimField: self._claim_field, ir.CodeAttr: self._code_attr,
            ir.MapGet: self._map_get, ir.RankOf: self._rank_of, ir.Func: self._func, ir.Arith: self._arith,
            ir.Neg: self._neg, ir.Compare: self._compare, ir.Member: self._member, ir.Given: self._given,
            ir.Has: self._has, ir.Flagged: self._flagged, ir.Relation: self._relation,
            ir.BoolOp: self._bool_op, ir.Not: self._not, ir.Quant: self._quant,
        }

    def emit(self, expr: ir.Expr) -> str:
        handler = self.dispatch.get(type(expr))
        if handler is None:
            raise GenerationError(f"no Python generator for {type(expr).__name__}")
        return handler(expr)

    def _var(self, name: str) -> str:
        return self.variables[name]

    def _const(self, expr: ir.Const) -> str:
        return pyrepr(expr.value)

    def _set_value(self, expr: ir.SetValue) -> str:
        return self.symbols.code_set(expr.codes)

    def _line_var(self, expr: ir.LineVar) -> str:
        return self._var(expr.var)

    def _line_field(self, expr: ir.LineField) -> str:
        return f"{self._var(expr.var)}.{expr.field}"

    def _claim_field(self, expr: ir.ClaimField) -> str:
        return f"claim.{expr.field}"

    def _code_attr(self, expr: ir.CodeAttr) -> str:
        table = self.symbols.attribute(expr.attribute)
        default = ", False" if expr.type.kind is ir.Kind.BOOL else ""
        return f"{table}.get({self.emit(expr.code)}{default})"

    def _map_get(self, expr: ir.MapGet) -> str:
        table = self.symbols.namer.name("map", expr.map, prefix="_MAP_", upper=True)
        return f"{table}.get({self.emit(expr.key)})"

    def _rank_of(self, expr: ir.RankOf) -> str:
        table = self.symbols.namer.name("ranking", expr.ranking, prefix="_RANK_", upper=True)
        for attribute, _ in self.symbols.rankings[expr.ranking].levels:
            self.symbols.attribute(attribute)  # the module computes the ranks from these tables
        return f"{table}.get({self.emit(expr.code)})"

    def _func(self, expr: ir.Func) -> str:
        args = ", ".join(self.emit(a) for a in expr.args)
        runtime = FUNCTIONS[expr.name].__name__
        if expr.name in ("is_cpt", "is_hcpcs") or any(a.type.optional for a in expr.args):
            return f"{runtime}({args})"
        return f"math.{expr.name}({args})" if expr.name in ("ceil", "floor") else f"{expr.name}({args})"

    def _arith(self, expr: ir.Arith) -> str:
        left, right = self.emit(expr.left), self.emit(expr.right)
        if expr.op == "/" or expr.left.type.optional or expr.right.type.optional:
            return f"{ARITHMETIC[expr.op].__name__}({left}, {right})"
        return f"({left} {expr.op} {right})"

    def _neg(self, expr: ir.Neg) -> str:
        inner = self.emit(expr.operand)
        if expr.operand.type.optional:
            return f"{opt_neg.__name__}({inner})"
        return f"-{inner}" if inner[0].isalnum() or inner[0] in "_(" else f"-({inner})"

    def _compare(self, expr: ir.Compare) -> str:
        left, right = self.emit(expr.left), self.emit(expr.right)
        if expr.left.type.optional or expr.right.type.optional:
            return f"{COMPARISONS[expr.op].__name__}({left}, {right})"
        op = "==" if expr.op == "=" else expr.op
        return f"({left} {op} {right})"

    def _member(self, expr: ir.Member) -> str:
        item, collection = self.emit(expr.item), self.emit(expr.collection)
        if expr.negated or expr.collection.type.optional:
            return f"{opt_in.__name__}({item}, {collection}, {expr.negated!r})"
        return f"({item} in {collection})"

    def _given(self, expr: ir.Given) -> str:
        return f"({self.emit(expr.value)} is {'' if expr.negated else 'not '}None)"

    def _has(self, expr: ir.Has) -> str:
        modifiers, wanted = self.emit(expr.modifiers), self.emit(expr.wanted)
        if expr.any_of:
            return f"({wanted}.isdisjoint({modifiers}))" if expr.negated else \
                f"(not {wanted}.isdisjoint({modifiers}))"
        return f"({wanted} {'not in' if expr.negated else 'in'} {modifiers})"

    def _flagged(self, expr: ir.Flagged) -> str:
        return f"({self._var(expr.var)}.number in {self.flagged[expr.rule]})"

    def _relation(self, expr: ir.Relation) -> str:
        inner, outer = self._var(expr.inner), self._var(expr.outer)
        if expr.kind == "date":
            return f"({inner}.date == {outer}.date)"
        return f"{RELATIONS[expr.kind].__name__}({inner}, {outer})"

    def _bool_op(self, expr: ir.BoolOp) -> str:
        return f"({self.emit(expr.left)} {expr.op} {self.emit(expr.right)})"

    def _not(self, expr: ir.Not) -> str:
        """Negations are written the way a person would: `not in`, `is None`, `isdisjoint`."""
        operand = expr.operand
        if isinstance(operand, ir.Not):
            return self.emit(operand.operand)
        if isinstance(operand, ir.Flagged):
            return f"({self._var(operand.var)}.number not in {self.flagged[operand.rule]})"
        if isinstance(operand, (ir.Has, ir.Given)):
            return self.emit(dataclasses.replace(operand, negated=not operand.negated))
        if (isinstance(operand, ir.Member) and not operand.negated and not operand.collection.type.optional
                and not operand.item.type.optional):
            return f"({self.emit(operand.item)} not in {self.emit(operand.collection)})"
        return f"(not {self.emit(operand)})"

    def loop(self, expr: ir.Quant) -> tuple[str, str, str]:
        """(variable, lines, test) of a quantifier: the lines it ranges over (those of the outer
        line's date when the condition asks for the same date) and the test each must pass."""
        var = self.symbols.namer.name("variable", expr.var)
        self.variables[expr.var] = var
        outer = self._var(expr.outer)
        conjuncts = _conjuncts(expr.condition)
        same_date = [c for c in conjuncts if isinstance(c, ir.Relation) and c.kind == "date"
                     and c.inner == expr.var and c.outer == expr.outer]
        domain = f"claim.by_date[{outer}.date]" if same_date else "claim.lines"
        tests = [self.emit(c) for c in conjuncts if not any(c is s for s in same_date)]
        if "other" in expr.scopes:
            tests.insert(0, f"{var} is not {outer}")
        if "earlier" in expr.scopes:
            tests.insert(0, f"{var}.number < {outer}.number")
        if "later" in expr.scopes:
            tests.insert(0, f"{var}.number > {outer}.number")
        return var, domain, " and ".join(tests) if tests else "True"

    def _quant(self, expr: ir.Quant) -> str:
        var, domain, condition = self.loop(expr)
        if expr.kind == "any":
            return f"any({condition} for {var} in {domain})"
        if expr.kind == "no":
            return f"(not any({condition} for {var} in {domain}))"
        if expr.kind == "count":
            return f"sum(1 for {var} in {domain} if {condition})"
        assert expr.then is not None
        return f"next(({self.emit(expr.then)} for {var} in {domain} if {condition}), False)"


class EvidenceWriter:
    """The statements of a rule's `_evidence_` function: they add to `found` the lines the rule's
    condition rests on, by the recursion of compiler.semantics.evidence."""

    def __init__(self, emitter: Emitter) -> None:
        self.emitter = emitter

    def statements(self, expr: ir.Expr, value: bool | None, indent: int) -> list[str]:
        """Statements at `indent` for `expr`, whose value is `value` (None: test it here)."""
        if value is None and evidence.decided_by_value(expr):
            when_true = self.statements(expr, True, indent + 4)
            when_false = self.statements(expr, False, indent + 4)
            if not when_false:
                return self._if(expr, True, when_true, indent)
            if not when_true:
                return self._if(expr, False, when_false, indent)
            return [*self._if(expr, True, when_true, indent), " " * indent + "else:", *when_false]
        if not evidence.possible(expr, value):
            return []
        if isinstance(expr, ir.Not):
            return self.statements(expr.operand, None if value is None else not value, indent)
        if isinstance(expr, ir.BoolOp):
            assert value is not None
            if evidence.whole(expr, value):
                return [*self.statements(expr.left, value, indent), *self.statements(expr.right, value, indent)]
            return [*self._if(expr.left, value, self.statements(expr.left, value, indent + 4), indent),
                    *self._if(expr.right, value, self.statements(expr.right, value, indent + 4), indent)]
        if isinstance(expr, ir.Quant):
            return self._quant(expr, indent)
        return [statement for operand in evidence.operands(expr)
                for statement in self.statements(operand, None, indent)]

    def one_loop(self, condition: ir.Expr) -> str | None:
        """For the common condition whose evidence is the lines one quantifier finds (with nothing
        of their own), the expression of those lines: in line order, so ascending and unique."""
        expr = condition
        while isinstance(expr, ir.BoolOp) and expr.op == "and":
            sides = [side for side in (expr.left, expr.right) if evidence.possible(side, True)]
            if len(sides) != 1:
                return None
            expr = sides[0]
        if not (isinstance(expr, ir.Quant) and expr.kind in ("any", "count") and expr.outer == "line"
                and not evidence.possible(expr.condition, True)):
            return None
        var, domain, test = self.emitter.loop(expr)
        if "other" not in expr.scopes:
            test = f"{var} is not line and {test}"
        return f"tuple([{var}.number for {var} in {domain} if {test}])"

    def _if(self, test: ir.Expr, value: bool, body: list[str], indent: int) -> list[str]:
        if not body:
            return []
        condition = self.emitter.emit(test if value else ir.Not(test))
        return [_statement(f"if {condition}:", indent), *body]

    def _quant(self, expr: ir.Quant, indent: int) -> list[str]:
        var, domain, test = self.emitter.loop(expr)
        pad = " " * (indent + 8)
        body = [f"{pad}found.add({var}.number)", *self.statements(expr.condition, True, indent + 8)]
        if expr.kind == "first":
            assert expr.then is not None
            body += [*self.statements(expr.then, None, indent + 8), f"{pad}break"]
        return [f"{' ' * indent}for {var} in {domain}:", _statement(f"if {test}:", indent + 4), *body]


def _statement(text: str, indent: int) -> str:
    """A compound statement's header at `indent`, broken inside parentheses when it is too long."""
    if indent + len(text) <= 100:
        return " " * indent + text
    keyword, rest = text.split(" ", 1)
    if one_group(rest[:-1]):
        return " " * indent + wrap_code(text, indent)
    return " " * indent + wrap_code(f"{keyword} ({rest[:-1]}):", indent)


def _conjuncts(expr: ir.Expr) -> list[ir.Expr]:
    if isinstance(expr, ir.BoolOp) and expr.op == "and":
        return _conjuncts(expr.left) + _conjuncts(expr.right)
    return [expr]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["pyrepr"] = pyrepr
    env.filters["pydoc"] = pydoc
    env.filters["pystr"] = pystr_wrapped
    env.filters["wrap"] = wrap_code
    env.filters["prefix"] = lambda name, prefix: prefix + name
    return env


@dataclass
class _RuleCode:
    rule: ir.Rule
    index: int
    function: str
    result: str
    final: str
    finding: str
    doc: str
    condition: str
    params: list[tuple[str, str]]
    message: list[tuple[str, str | None]]
    suggest: str | None
    suggest_if: str | None
    evidence: str | None  # the name of the rule's evidence function, when it can have evidence
    evidence_body: list[str]
    evidence_lines: str | None  # the whole evidence as one expression, where it is that simple
    finding_args: str = ""  # what evaluate passes the finding function beyond the claim and the line


def _line_of(span_start: int, text: str) -> int:
    return text.count("\n", 0, span_start) + 1


def _docstring(rule: ir.Rule, source_text: str) -> str:
    """What a rule function says about itself: the rule, its policy citation, its source line."""
    lines = [f"{rule.id}: {rule.title}", ""]
    if rule.citation:
        lines.append(f"Policy: {rule.citation}.")
    if rule.covers:
        lines.append(f"Analyst notes: {', '.join(rule.covers)}.")
    lines.append(f"Source: {Path(rule.span.path).name}, line {_line_of(rule.span.start, source_text)}.")
    wrapped = [textwrap.fill(line, 92, subsequent_indent="    ") if line else "" for line in lines]
    return "\n".join(wrapped).replace("\n", "\n    ").replace("\n    \n", "\n\n")


def _translate_rule(index: int, rule: ir.Rule, namer: Namer, symbols: _Symbols, source_text: str) -> _RuleCode:
    params = [(namer.name("param", ref, prefix="flagged_"), ref) for ref in rule.references]
    emitter = Emitter(symbols, {"line": "line"}, {ref: name for name, ref in params})
    tests = []
    if rule.claim_types is not None:
        types = rule.claim_types
        tests.append(f"(claim.type == {pyrepr(types[0])})" if len(types) == 1
                     else f"(claim.type in {pyrepr(tuple(types))})")
    if rule.places is not None:
        places = symbols.code_set(rule.places)
        tests.append(f"(line.pos {'not in' if rule.places_negated else 'in'} {places})")
    if rule.condition is not None:
        tests.append(emitter.emit(rule.condition))
    condition = "True" if not tests else tests[0] if len(tests) == 1 else "(" + " and ".join(tests) + ")"
    writer = EvidenceWriter(emitter)
    body = [] if rule.condition is None else writer.statements(rule.condition, True, 4)
    lines = writer.one_loop(rule.condition) if body and rule.condition is not None else None
    return _RuleCode(
        rule=rule, index=index, function=namer.name("function", rule.id, prefix="_rule_"),
        result=namer.name("hits", rule.id, prefix="hits_"), final=namer.name("final", rule.id, prefix="final_"),
        finding=namer.name("finding", rule.id, prefix="_finding_"), doc=_docstring(rule, source_text),
        condition=condition, params=params, message=[(p.text, p.field) for p in rule.message],
        suggest=emitter.emit(rule.suggest) if rule.suggest is not None else None,
        suggest_if=emitter.emit(rule.suggest_if) if rule.suggest_if is not None else None,
        evidence=namer.name("evidence", rule.id, prefix="_evidence_") if body else None, evidence_body=body,
        evidence_lines=lines)


def _evaluation_steps(code: list[_RuleCode], winners: dict[str, list[str]]) -> list[tuple[str, _RuleCode]]:
    """Each rule's hits in evaluation order. A rule that others take precedence over also gets a final
    set (its hits less theirs), as soon as another rule reads it with `flagged by`, else after all hits;
    for every other rule the hits are final."""
    by_id = {c.rule.id: c for c in code}
    computed: set[str] = set()
    steps: list[tuple[str, _RuleCode]] = []
    for rule_code in code:
        for _, ref in rule_code.params:
            if winners.get(ref) and ref not in computed:
                steps.append(("final", by_id[ref]))
                computed.add(ref)
        steps.append(("hits", rule_code))
    for rule_code in code:
        if winners[rule_code.rule.id] and rule_code.rule.reports and rule_code.rule.id not in computed:
            steps.append(("final", rule_code))
            computed.add(rule_code.rule.id)
    return steps


def generate_python(plan: ir.Plan, source_text: str) -> str:
    """The source of the edit module for an analyzed pack; compiled before it is returned."""
    if not isinstance(plan, ir.Plan):
        raise TypeError(f"generate_python needs an analyzed plan (compiler.analysis.analyze returns one), "
                        f"not {type(plan).__name__}")
    pack = plan.pack
    runtime = runtime_source()
    namer = Namer(MODULE_NAMES | _runtime_names(runtime))
    symbols = _Symbols(namer, {}, [], {r.name: r for r in pack.rankings})
    rules_by_id = {r.id: r for r in pack.rules}
    code = [_translate_rule(index, rules_by_id[rule_id], namer, symbols, source_text)
            for index, rule_id in enumerate(plan.order)]
    targets = [symbols.code_set(c.rule.target) if c.rule.target is not None else None for c in code]
    by_id = {c.rule.id: c for c in code}
    winners = {c.rule.id: [by_id[w].result for w in pack.overriders(c.rule.id) if w in by_id] for c in code}
    steps = _evaluation_steps(code, winners)
    finals = {c.rule.id: c.final if winners[c.rule.id] else c.result for c in code}
    for c in code:  # a rule that decides nothing (a documentation entry) flags no line
        finals.update({ref: "()" for _, ref in c.params if ref not in finals})
    for c in code:
        if c.evidence:
            c.finding_args = "".join(f", {finals[ref]}" for _, ref in c.params)
    sets = [(name, codes, _set_literal(codes)) for name, codes in symbols.set_order]
    attributes = []
    for attribute in pack.attributes:
        key = ("attribute", attribute.name)
        if key in namer.names:
            attributes.append((namer.names[key], attribute, _attribute_type(attribute.type)))
    maps = [(namer.names[("map", m.name)], m) for m in pack.maps if ("map", m.name) in namer.names]
    rankings = []
    for ranking in pack.rankings:
        key = ("ranking", ranking.name)
        if key in namer.names:
            levels = ", ".join(f"({namer.names[('attribute', name)]}, {pyrepr(order)})"
                               for name, order in ranking.levels)
            levels = f"({levels},)" if len(ranking.levels) == 1 else f"({levels})"
            rankings.append((namer.names[key], f"{rank_table.__name__}({levels})"))
    policy = {"id": pack.policy, "pack": pack.name, "title": pack.title, "version": pack.version,
              "effective": pack.effective, "source": pack.source}
    rules_table = {r.id: {"title": r.title, "citation": r.citation, "disposition": r.disposition}
                   for r in sorted(pack.rules, key=lambda r: r.id) if r.reports}
    source_name = Path(pack.path).name
    module_doc = "\n\n".join((
        textwrap.fill(f"{pack.policy}: {pack.title}", 96),
        f"Version {pack.version}, effective {pack.effective}. Claim edits generated by rulesc from {source_name}\n"
        f"(sha256 {pack.digest}).",
        "Call evaluate(claim) for findings; POLICY and RULES describe the pack.\n"))
    text = _environment().get_template("module.py.j2").render(
        pack=pack, module_doc=module_doc, finals=finals, runtime=runtime,
        policy=policy, rules_table=rules_table,
        sets=sets, attributes=attributes, maps=maps, rankings=rankings, rules=code, targets=targets,
        steps=steps, winners=winners, reporting=[c for c in code if c.rule.reports],
    )
    try:
        compile(text, f"{pack.name}.py", "exec")
    except SyntaxError as error:  # pragma: no cover - a generator bug, reported loudly
        raise GenerationError(f"generated module does not compile: {error}") from error
    return text


def _set_literal(codes: ir.CodeSet) -> str:
    if codes.texts or len(codes.members) <= 12:
        return pyrepr(frozenset(codes.members))
    runs = code_shapes.compress(codes.members)
    singles = tuple(low for low, high in runs if low == high)
    spans = tuple((low, high) for low, high in runs if low != high)
    return f"expand_codes({pyrepr(singles)}, {pyrepr(spans)})"


def _attribute_type(kind: ir.Type) -> str:
    return {ir.Kind.TEXT: "str", ir.Kind.NUMBER: "float", ir.Kind.BOOL: "bool",
            ir.Kind.CODES: "frozenset[str]"}[kind.kind]

