"""LibreChat's `math()` for env values such as `1000 * 60 * 60 * 2`: arithmetic only, never eval.

The input must match LibreChat's character class `[+\\-\\d.\\s*/%()]`; it is then parsed with `ast` and only
numbers, + - * / % and parentheses are evaluated (with JavaScript's number semantics: float division,
remainder with the dividend's sign, 1/0 is Infinity). Exponentiation (`**`) is rejected: mathjs has none.
"""

from __future__ import annotations

import ast
import math
import operator
import re

_ALLOWED = re.compile(r"^[+\-\d.\s*/%()]+$")
_JS_TYPE_NAMES = {type(None): "undefined", bool: "boolean"}


class MathError(ValueError, TypeError):
    """The value is not a safe arithmetic expression (LibreChat throws; callers pass a fallback instead)."""


def _divide(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


def _remainder(a: float, b: float) -> float:
    return math.nan if b == 0 else math.fmod(a, b)


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: _divide, ast.Mod: _remainder}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    raise MathError(f"Unsupported expression: {ast.dump(node)[:60]}")


def _number(value: float) -> int | float:
    """JavaScript has one number type; return an int when the value is whole so callers can use it as one."""
    if math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _compute(value: object) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        name = _JS_TYPE_NAMES.get(type(value), "object")
        raise MathError(f"str is {name}, but should be a string")
    if not _ALLOWED.match(value):
        raise MathError("Invalid characters in string")
    try:
        tree = ast.parse(value.strip(), mode="eval")
    except SyntaxError as exc:
        raise MathError(f"[math] cannot parse {value!r}: {exc.msg}") from exc
    return _number(_evaluate(tree))


def parse_math(value: object, fallback: int | float | None = None) -> int | float:
    """Evaluate `value` like LibreChat's math(str, fallbackValue): numbers pass through, anything invalid
    returns `fallback`, or raises MathError when there is no fallback."""
    try:
        return _compute(value)
    except MathError:
        if fallback is None:
            raise
        return fallback
