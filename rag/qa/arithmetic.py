"""Numbers a model computed from the plan's numbers: written-out working (75%−68%=7个百分点) is recomputed,
and a bare result (相差0.6个百分点, 是1.54倍) must follow from two numbers of the cited clauses."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Iterable
from itertools import permutations

from ..text.quantities import UNITS, Mention

_UNIT = "|".join(re.escape(u) for u in UNITS)
_OPERAND = rf"\d+(?:\.\d+)?(?:{_UNIT})?"
_OPERATOR = r"(?:[-−+×*/÷xX]|减去?|加上?|乘以|除以)"
WORKING = re.compile(
    rf"(?P<lhs>[(]*{_OPERAND}[)]*(?:{_OPERATOR}[(]*{_OPERAND}[)]*)+)"
    rf"(?:=|≈|约等于|等于|约为)(?P<rhs>[-−]?(?P<number>\d+(?:\.\d+)?)(?P<unit>{_UNIT})?)"
)
_TOKEN = re.compile(rf"(?P<num>\d+(?:\.\d+)?)(?:{_UNIT})?|(?P<op>{_OPERATOR})|(?P<paren>[()])")
_SYMBOL = {"−": "-", "减": "-", "减去": "-", "加": "+", "加上": "+", "×": "*", "x": "*", "X": "*", "乘以": "*",
           "÷": "/", "除以": "/"}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_POINTS = ("个百分点", "百分点")


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError("not arithmetic")


def evaluate(expression: str) -> float | None:
    """The value of a written calculation's left side (units dropped), or None when it is not arithmetic."""
    python = "".join(m.group("num") or _SYMBOL.get(m.group(0), m.group(0)) for m in _TOKEN.finditer(expression))
    try:
        return _evaluate(ast.parse(python, mode="eval"))
    except (SyntaxError, ValueError, ZeroDivisionError):
        return None


def terms(expression: str) -> list[tuple[str, str]]:
    """(number, unit) of each operand of a written calculation."""
    return [(m.group("num"), m.group(0)[len(m.group("num")):]) for m in _TOKEN.finditer(expression) if m.group("num")]


def close(written: str, value: float, percent: bool = False) -> bool:
    """Whether `written` (as the model rounded it) states `value`; a percentage may state a ratio."""
    decimals = len(written.partition(".")[2])
    tolerance = 0.5 * 10 ** -decimals + 1e-9
    shown = abs(float(written))
    return abs(shown - abs(value)) <= tolerance or (percent and abs(shown - abs(value) * 100) <= tolerance)


def _results(a: Mention, b: Mention) -> Iterable[tuple[float, tuple[str, ...]]]:
    """(value, units it may be written in) of what can be computed from two amounts."""
    x, y = a.quantity.value, b.quantity.value
    unit = a.quantity.unit
    if unit == b.quantity.unit:
        same = (unit, *(_POINTS if unit == "%" else ()))
        yield x - y, same
        yield x + y, same
    if y:
        yield x / y, ("倍", "")
        yield x / y * 100, ("%",)
        yield (x - y) / y * 100, ("%",)


def derivable(mention: Mention, operands: list[Mention]) -> bool:
    """Whether `mention` is a difference, sum, ratio or growth rate of two `operands`, the sum of all
    operands with its unit (2000家+800家+50家), or a span of years between two of their years (五年 for
    2025年 to 2030年)."""
    number, unit = mention.quantity.number, mention.quantity.unit
    if mention.quantity.value is None:
        return False
    if unit == "年" and not mention.is_year:
        years = [m.quantity.value for m in operands if m.is_year]
        return any(close(number, b - a) for a, b in permutations(years, 2) if b > a)
    amounts = [m for m in operands if m.quantity.value is not None and not m.is_year]
    for a, b in permutations(amounts, 2):
        if any((not unit or unit in units) and close(number, value) for value, units in _results(a, b)):
            return True
    same_unit = [m.quantity.value for m in amounts if m.quantity.unit == unit]
    return len(same_unit) > 2 and close(number, sum(same_unit))
