"""The manifest's little type language, parsed into a tree.

Grammar (whitespace is ignored)::

    expr     := union ['?']
    union    := primary ('|' primary)*
    primary  := NAME | NAME '[' args ']' | 'null'
    args     := arg (',' arg)*            # list[T], map[string,T], tuple[A,B], literal[a,b,0]

Builtin names: ``string int float bool bytes any datetime raw``. Any other name refers to a
type declared in the manifest's ``types`` section. A trailing ``?`` means "optional: may be
None and is left out of the request when None"; ``T | null`` means "nullable: None is sent as
``null``".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["BUILTINS", "TypeExpr", "TypeExprError", "parse_type"]

BUILTINS = frozenset({"string", "int", "float", "bool", "bytes", "any", "datetime", "raw"})
_GENERICS = {"list": 1, "map": 2, "tuple": -1, "literal": -1}
_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(-?\d+)|([\[\]|,?]))")


class TypeExprError(ValueError):
    """A type expression does not follow the grammar."""


@dataclass(frozen=True)
class TypeExpr:
    """One node of a parsed type expression.

    Attributes:
        kind: ``name``, ``list``, ``map``, ``tuple``, ``literal``, ``union`` or ``null``.
        name: The type name for ``name`` nodes.
        args: Child expressions (element types, union members).
        values: Literal values for ``literal`` nodes.
        optional: True when the expression ended with ``?``.
    """

    kind: str
    name: str = ""
    args: tuple[TypeExpr, ...] = ()
    values: tuple[str | int, ...] = ()
    optional: bool = False

    def names(self) -> set[str]:
        """Every non-builtin type name this expression mentions."""
        found: set[str] = set()
        if self.kind == "name" and self.name not in BUILTINS:
            found.add(self.name)
        for arg in self.args:
            found |= arg.names()
        return found

    @property
    def nullable(self) -> bool:
        """True when None is a valid value (``?`` or a ``null`` union member)."""
        return self.optional or any(a.kind == "null" for a in self.args)


@dataclass
class _Parser:
    tokens: list[str]
    pos: int = 0
    text: str = field(default="")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            want = f"'{expected}'" if expected else "more input"
            raise TypeExprError(f"bad type {self.text!r}: expected {want}, got {token!r}")
        self.pos += 1
        return token

    def union(self) -> TypeExpr:
        members = [self.primary()]
        while self.peek() == "|":
            self.take("|")
            members.append(self.primary())
        return members[0] if len(members) == 1 else TypeExpr("union", args=tuple(members))

    def primary(self) -> TypeExpr:
        token = self.take()
        if token == "null":
            return TypeExpr("null")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
            raise TypeExprError(f"bad type {self.text!r}: unexpected {token!r}")
        if self.peek() != "[":
            if token in _GENERICS:
                raise TypeExprError(f"bad type {self.text!r}: {token} needs [arguments]")
            return TypeExpr("name", name=token)
        if token not in _GENERICS:
            raise TypeExprError(f"bad type {self.text!r}: {token} takes no arguments")
        self.take("[")
        if token == "literal":
            values: list[str | int] = [self.literal_value()]
            while self.peek() == ",":
                self.take(",")
                values.append(self.literal_value())
            self.take("]")
            return TypeExpr("literal", values=tuple(values))
        args = [self.union()]
        while self.peek() == ",":
            self.take(",")
            args.append(self.union())
        self.take("]")
        arity = _GENERICS[token]
        if arity != -1 and len(args) != arity:
            raise TypeExprError(f"bad type {self.text!r}: {token} takes {arity} argument(s)")
        if token == "map" and (args[0].kind, args[0].name) != ("name", "string"):
            raise TypeExprError(f"bad type {self.text!r}: map keys must be string")
        return TypeExpr(token, args=tuple(args))

    def literal_value(self) -> str | int:
        token = self.take()
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
            raise TypeExprError(f"bad type {self.text!r}: bad literal {token!r}")
        return token


def parse_type(text: str) -> TypeExpr:
    """Parse a type expression.

    Args:
        text: The expression, e.g. ``list[ModelInputChunk]`` or ``map[string,float]?``.

    Returns:
        The parsed tree.

    Raises:
        TypeExprError: The text does not follow the grammar.
    """
    tokens: list[str] = []
    pos = 0
    stripped = text.strip()
    while pos < len(stripped):
        match = _TOKEN.match(stripped, pos)
        if match is None:
            raise TypeExprError(f"bad type {text!r}: cannot read {stripped[pos:]!r}")
        tokens.append(next(g for g in match.groups() if g is not None))
        pos = match.end()
    if not tokens:
        raise TypeExprError("empty type")
    optional = tokens[-1] == "?"
    parser = _Parser(tokens[:-1] if optional else tokens, text=text)
    expr = parser.union()
    if parser.peek() is not None:
        raise TypeExprError(f"bad type {text!r}: unexpected {parser.peek()!r}")
    if optional:
        expr = TypeExpr(expr.kind, expr.name, expr.args, expr.values, optional=True)
    return expr
