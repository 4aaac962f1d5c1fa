"""The Python backend: deterministic, golden, standard-library-only, safe for any string."""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from compiler.backends.loading import outputs
from compiler.backends.pycode import Namer, pydoc, pyrepr, pystr_wrapped, wrap_code
from compiler.backends.python import TEMPLATES, Emitter, generate_python, runtime_source
from compiler.interpreter.evaluate import Interpreter
from compiler.runtime.values import ARITHMETIC, COMPARISONS, FUNCTIONS, RELATIONS, rank_table
from compiler.semantics import ir
from tests.conftest import PACK, ROOT
from tests.helpers import compile_plan, engines, run_cli

PACKS = ROOT / "tests" / "packs"


def test_every_ir_expression_has_a_generator_and_an_interpreter_case() -> None:
    kinds = set(typing.get_args(ir.Expr))
    emitter = Emitter(None, {}, {})  # type: ignore[arg-type]
    assert kinds == set(emitter.dispatch)
    plan, _ = compile_plan(PACK)
    assert kinds == set(Interpreter(plan)._dispatch)


def test_generation_is_deterministic() -> None:
    plan, sources = compile_plan(PACK)
    text = sources.text(plan.pack.path) or ""
    first = generate_python(plan, text)
    plan_again, sources_again = compile_plan(PACK)
    assert generate_python(plan_again, sources_again.text(plan_again.pack.path) or "") == first


@pytest.mark.slow
def test_committed_module_is_what_the_pack_generates() -> None:
    plan, sources = compile_plan("policies/cpcp026.rules")
    generated = outputs(plan, sources)["cpcp026.py"]
    assert (ROOT / "generated" / "cpcp026.py").read_text(encoding="utf-8") == generated
    code, _, err = run_cli("build", "--check", "policies/cpcp026.rules")
    assert code == 0, err


@pytest.mark.slow
def test_build_check_detects_a_stale_module(tmp_path: Path) -> None:
    assert run_cli("build", "--out", str(tmp_path), "policies/cpcp026.rules")[0] == 0
    assert run_cli("build", "--check", "--out", str(tmp_path), "policies/cpcp026.rules")[0] == 0
    module = tmp_path / "cpcp026.py"
    module.write_text(module.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    code, _, err = run_cli("build", "--check", "--out", str(tmp_path), "policies/cpcp026.rules")
    assert code == 1 and "stale:" in err


def test_generated_module_imports_with_the_standard_library_only() -> None:
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from generated import cpcp026; "
              "f = cpcp026.evaluate({'id': 'A', 'type': 'professional', 'pos': '11', 'lines': ["
              "{'code': '96376', 'date': '2024-09-12'}]}); "
              "print(f[0].rule, sorted({m.split('.')[0] for m in sys.modules} & {'lark', 'jinja2', 'networkx', "
              "'compiler'}))")
    result = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(ROOT)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["P20-facility-only", "[]"]


def test_contract_api_of_the_committed_module() -> None:
    sys.path.insert(0, str(ROOT))
    from generated import cpcp026

    assert cpcp026.POLICY == {"id": "CPCP026", "pack": "cpcp026",
                              "title": "Therapeutic, Prophylactic, Diagnostic, Injection and Infusion "
                                       "Administration Coding", "version": "1.0", "effective": "2024-07-30",
                              "source": "CPCP026.txt"}
    assert cpcp026.RULES["P23-injection-with-em"]["disposition"] == "deny"
    assert issubclass(cpcp026.ClaimError, ValueError)
    finding = cpcp026.evaluate({"id": "A", "type": "professional", "pos": "11", "lines": [
        {"code": "96372", "date": "2024-09-12", "supervision": "none"}]})[0]
    assert finding.to_dict() == {"rule": "P21-injection-without-supervision", "line": 1, "disposition": "deny",
                                 "message": finding.message, "citation": "Coding and Billing: Examples",
                                 "suggest": "99211", "evidence": []}
    assert finding.evidence == () and hash(finding) == hash(finding)
    with pytest.raises(cpcp026.ClaimError, match=r"^lines\[1\]\.start: '9:00' is not YYYY-MM-DDTHH:MM$"):
        cpcp026.evaluate({"id": "A", "type": "professional", "pos": "11", "lines": [
            {"code": "96372", "date": "2024-09-12", "start": "9:00", "stop": "2024-09-12T10:00"}]})
    with pytest.raises(AttributeError):
        finding.rule = "x"  # type: ignore[misc]


def test_strings_reach_the_module_as_data(tmp_path: Path) -> None:
    marker = Path("/tmp/rulesc-pwned")
    marker.unlink(missing_ok=True)
    pack, _, module = engines(PACKS / "escaping.rules")
    findings = module.evaluate({"id": "Q", "type": "professional", "pos": "11", "lines": [
        {"code": "96372", "date": "2024-02-01"}, {"code": "96360", "date": "2024-02-01", "units": 2}]})
    assert [f.rule for f in findings] == ["class", "import"]
    assert findings[0].message == ("Quotes ' \" ''' \"\"\" backslash \\ newline\nand tab\t, braces {code} { x }, "
                                   "{% raw %}, </script>, é ü 中, code 96372")
    assert findings[0].citation == ("Heading \"\"\" with quotes \\\" and </script>: detail '); "
                                    "__import__('os').system('touch /tmp/rulesc-pwned'); ('")
    assert findings[1].message == "\"); __import__('os').system('touch /tmp/rulesc-pwned') #"
    assert module.POLICY["title"] == pack.title and module.POLICY["version"] == '1"; import os; "'
    assert module.RULES["class"]["title"] == 'Title """; raise SystemExit; """ \\'
    assert module._rule_class.__doc__.startswith('class: Title """; raise SystemExit;')
    assert not marker.exists()


@pytest.mark.parametrize("value", [
    "plain", "quote ' and \" and '''", 'triple """', "back\\slash", "new\nline", "{{ x }} {% y %}", "</script>",
    "é中", 0, -3, 2.5, True, None, ("a",), ["b", 1], frozenset({"b", "a"}), {"k": ("v",)},
])
def test_pyrepr_round_trips(value: object) -> None:
    assert eval(pyrepr(value)) == value


def test_pyrepr_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        pyrepr(object())


@pytest.mark.parametrize("text", ["short", "a long " * 40, 'quotes """ and \\ ' * 9, "x" * 300])
def test_wrapped_strings_and_docstrings_round_trip(text: str) -> None:
    assert eval(pystr_wrapped(text, 4)) == text
    namespace: dict[str, object] = {}
    exec(f"def f():\n    {pydoc(text, 4)}\n", namespace)
    assert namespace["f"].__doc__ == text  # type: ignore[attr-defined]


def test_wrap_code_keeps_strings_whole_and_meaning_equal() -> None:
    code = "(" + " or ".join(f"(x == 'a, b and (c) or d{i}')" for i in range(12)) + ")"
    wrapped = wrap_code(code, 4)
    assert wrapped != code and max(len(line) for line in wrapped.splitlines()) <= 100
    for value, expected in (("a, b and (c) or d3", True), ("other", False)):
        assert eval(wrapped, {"x": value}) is eval(code, {"x": value}) is expected


def test_namer_avoids_keywords_builtins_and_taken_names() -> None:
    namer = Namer({"evaluate"})
    assert namer.name("v", "class") == "class_2"
    assert namer.name("v", "print") == "print_2"
    assert namer.name("f", "evaluate") == "evaluate_2"
    assert namer.name("v", "P23-x y") == "p23_x_y"
    assert namer.name("v", "P23-x y") == "p23_x_y"
    assert namer.name("w", "P23_x-y") == "p23_x_y_2"


@pytest.mark.slow
def test_generated_test_pack_modules_pass_mypy_strict_and_ruff(tmp_path: Path) -> None:
    """The test packs use every construct and are not free of conflicts (build would refuse
    them), so their modules are generated directly. `mapped` looks codes that may be absent up
    again (a rank or a map of a mapped code)."""
    files = []
    for name in ("constructs", "escaping", "mapped"):
        plan, sources = compile_plan(PACKS / f"{name}.rules")
        for file, text in outputs(plan, sources).items():
            (tmp_path / file).write_text(text, encoding="utf-8")
            files.append(str(tmp_path / file))
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *files],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert mypy.returncode == 0, mypy.stdout
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *files], capture_output=True,
                          text=True, check=False, cwd=ROOT)
    assert ruff.returncode == 0, ruff.stdout


@pytest.mark.parametrize("name", ["constructs", "escaping", "contract"])
def test_generated_modules_match_their_golden_files(name: str) -> None:
    """Golden generated modules for the test packs (RULESC_REGEN=1 rewrites them after a deliberate change)."""
    import os

    plan, sources = compile_plan(PACKS / f"{name}.rules")
    text = outputs(plan, sources)[f"{plan.pack.name}.py"]
    golden = ROOT / "tests" / "golden" / f"{plan.pack.name}.py.txt"
    if os.environ.get("RULESC_REGEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_the_template_holds_layout_and_the_runtime_the_operators() -> None:
    """What operators mean is written once, in the runtime both engines use (whether a suggestion
    stands too: `standing`); the template only lays out the module around it (`_code_facts` lists
    what a pack's rules read of the tables for a line's code, by the runtime's lookups)."""
    template = (TEMPLATES / "module.py.j2").read_text(encoding="utf-8")
    assert set(re.findall(r"^def (\w+)\(", template, re.MULTILINE)) == {"_dispatch_table", "evaluate", "_findings",
                                                                         "_denies", "_finding_order", "_code_facts"}
    assert "\ndef standing(" in runtime_source() and "\ndef rebilled(" in runtime_source()
    runtime = runtime_source()
    for table in (COMPARISONS, ARITHMETIC, FUNCTIONS, RELATIONS):
        for name, function in table.items():
            if name != "date":  # a plain equality of two fields, written inline by both engines
                assert f"\ndef {function.__name__}(" in runtime, name


def test_rank_table() -> None:
    category = {"a": "high", "b": "low", "c": "high", "d": "other"}
    method = {"a": "slow", "c": "fast", "b": "fast"}
    assert rank_table(((category, ("high", "low")),)) == {"a": (2,), "b": (1,), "c": (2,)}
    assert rank_table(((category, ("high", "low")), (method, ("fast", "slow")))) == {
        "a": (2, 1), "b": (1, 2), "c": (2, 2)}


def test_a_rule_that_reads_a_documentation_entry_reads_no_findings(tmp_path: Path) -> None:
    """A documentation entry decides nothing, so `x flagged by` it never holds, on either engine."""
    source = (PACKS / "evidence.rules").read_text(encoding="utf-8")
    (tmp_path / "doc.rules").write_text(source + '''
documentation D01-doc "Documentation only"
  covers D01
  cite main
  text "Nothing to check."

rule D02-reads-doc "Beside a documented line"
  covers D02
  cite main
  when any other line x where x flagged by D01-doc
  deny "never"
''', encoding="utf-8")
    _, interpreter, module = engines(tmp_path / "doc.rules")
    claim = {"id": "D", "type": "institutional", "lines": [{"code": "96372", "date": "2024-05-01"},
                                                           {"code": "96372", "date": "2024-05-01"}]}
    assert [f.to_dict() for f in module.evaluate(claim)] == [f.to_dict() for f in interpreter.evaluate(claim)]
    assert "D02-reads-doc" not in {f.rule for f in module.evaluate(claim)}


def test_the_driver_calls_only_the_rules_that_target_a_line() -> None:
    """Lines go to the rules that target their code; a rule without a target set is tried only
    where its test of the line alone holds; so a claim of lines nothing targets calls no rule."""
    _, _, module = engines(PACK)
    called: list[str] = []

    def spy(name: str, function: typing.Callable[..., bool]) -> typing.Callable[..., bool]:
        def wrapper(*args: object) -> bool:
            called.append(name)
            return function(*args)
        return wrapper

    for name, value in list(vars(module).items()):
        if name.startswith("_rule_"):
            setattr(module, name, spy(name, value))
    untargeted = {"id": "O", "type": "professional", "pos": "11", "lines": [
        {"code": "80053", "date": "2024-09-12"}, {"code": "85025", "date": "2024-09-12", "charge": 5}]}
    assert module.evaluate(untargeted) == [] and called == []
    visit = {**untargeted, "lines": [*untargeted["lines"], {"code": "99213", "date": "2024-09-12"}]}
    assert module.evaluate(visit) == [] and called == ["_rule_p26_em_needs_modifier_25"]
    called.clear()
    early = {**untargeted, "lines": [{"code": "96372", "date": "2024-07-29", "units": 3}]}
    assert module.evaluate(early) == [] and called == []
