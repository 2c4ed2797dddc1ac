"""The manifest's type expression language."""

from __future__ import annotations

import pytest

from tinkex.manifest.typeexpr import TypeExprError, parse_type


def test_parse_nested_generics_and_optional() -> None:
    """Lists, maps, unions and the optional suffix parse into a tree."""
    expr = parse_type("map[string, list[TensorData | null]]?")
    assert expr.kind == "map"
    assert expr.optional
    assert expr.nullable
    assert expr.names() == {"TensorData"}
    inner = expr.args[1].args[0]
    assert inner.kind == "union"
    assert [a.kind for a in inner.args] == ["name", "null"]


def test_parse_literals_keep_ints() -> None:
    """Literal values keep their int/str type."""
    expr = parse_type("literal[0, 1, two]")
    assert expr.values == (0, 1, "two")
    assert not expr.nullable


@pytest.mark.parametrize(
    "text",
    ["", "list", "list[int", "map[int,string]", "int[string]", "tuple[]", "a b", "list[int]]"],
)
def test_bad_expressions_are_rejected(text: str) -> None:
    """Malformed expressions raise TypeExprError."""
    with pytest.raises(TypeExprError):
        parse_type(text)
