"""Helpers that turn manifest pieces into Python source text for the generator.

Output is written already in `ruff format` style (sorted imports, 100 columns, trailing
commas that keep multi-line constructs exploded), so generation does not need ruff.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tinkex.manifest.typeexpr import TypeExpr, parse_type

if TYPE_CHECKING:
    from tinkex.manifest.schema import Manifest

__all__ = ["HEADER", "Imports", "TypeRenderer", "docstring", "render_value"]

HEADER = (
    "# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; "
    "do not edit."
)
_STDLIB = frozenset({"collections", "datetime", "typing"})
_THIRD_PARTY = frozenset({"msgspec"})
_BUILTIN_PY = {
    "string": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "bytes": "bytes",
    "any": "Any",
    "datetime": "datetime",
    "raw": "HttpResponse",
}
_WIDTH = 100


def _member_key(name: str) -> tuple[int, str, str]:
    # isort "order by type": CONSTANTS, then Classes, then functions/variables.
    if name.isupper() and len(name) > 1:
        rank = 0
    elif name[:1].isupper():
        rank = 1
    else:
        rank = 2
    return (rank, name.lower(), name)


@dataclass
class Imports:
    """Collects imports and renders them as ruff/isort would order them."""

    modules: set[str] = field(default_factory=set)
    names: dict[str, set[str]] = field(default_factory=dict)
    typing_only: Imports | None = None

    def add(self, module: str, name: str | None = None) -> None:
        """Import `module`, or `name` from `module`."""
        if name is None:
            self.modules.add(module)
        else:
            self.names.setdefault(module, set()).add(name)

    def add_for_typing(self, module: str, name: str) -> None:
        """Import `name` from `module` in an ``if TYPE_CHECKING:`` block (annotations only)."""
        if self.typing_only is None:
            self.typing_only = Imports()
        self.typing_only.add(module, name)
        self.add("typing", "TYPE_CHECKING")

    def render(self) -> str:
        """The import block, then the ``TYPE_CHECKING`` block if anything is typing-only."""
        block = self._render_sections()
        if self.typing_only is None:
            return block
        indented = "\n".join(
            f"    {line}" if line else "" for line in self.typing_only.render().splitlines()
        )
        return f"{block}\n\nif TYPE_CHECKING:\n{indented}"

    def _render_sections(self) -> str:
        """Stdlib, third party and first party imports, separated by blank lines."""
        sections: list[list[str]] = [[], [], []]
        for module in sorted(self.modules | set(self.names)):
            root = module.split(".", 1)[0]
            index = 0 if root in _STDLIB else 1 if root in _THIRD_PARTY else 2
            if module in self.modules:
                sections[index].insert(
                    sum(1 for line in sections[index] if line.startswith("import ")),
                    f"import {module}",
                )
            if module in self.names:
                sections[index].append(self._from_line(module))
        return "\n\n".join("\n".join(lines) for lines in sections if lines)

    def _from_line(self, module: str) -> str:
        members = sorted(self.names[module], key=_member_key)
        line = f"from {module} import {', '.join(members)}"
        if len(line) <= _WIDTH:
            return line
        body = "".join(f"    {member},\n" for member in members)
        return f"from {module} import (\n{body})"


def docstring(text: str, indent: str, extra: list[str] | None = None) -> str:
    """A docstring at `indent`, wrapped to the line width, first line ending in a period."""
    summary = " ".join(text.split()) or "No description."
    if summary[-1] not in ".?!":
        summary += "."
    width = _WIDTH - len(indent)
    lines = textwrap.wrap(summary, width=width - 6)
    paragraphs = [lines, *(textwrap.wrap(paragraph, width=width) for paragraph in extra or [])]
    if len(paragraphs) == 1 and len(lines) == 1:
        return f'{indent}"""{lines[0]}"""\n'
    out = f'{indent}"""{paragraphs[0][0]}\n'
    rest = paragraphs[0][1:]
    out += "".join(f"{indent}{line}\n" for line in rest)
    for paragraph in paragraphs[1:]:
        out += "\n" + "".join(f"{indent}{line}\n" for line in paragraph)
    return out + f'{indent}"""\n'


def render_value(value: Any) -> str:
    """A Python literal for a JSON-like value (ruff-format style quoting)."""
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{render_value(k)}: {render_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    raise TypeError(f"cannot render {value!r}")


@dataclass
class TypeRenderer:
    """Renders type expressions for one generated module, recording the imports they need.

    Attributes:
        manifest: The manifest whose `types` names resolve.
        module_group: Group of the module being written (types in it need no import).
        package: Package that holds the generated code (``tinkex`` normally).
        imports: Where needed imports are recorded.
    """

    manifest: Manifest
    module_group: str | None
    package: str
    imports: Imports

    def render(self, text_or_expr: str | TypeExpr, *, read_only: bool = False) -> str:
        """Python source for a type expression (maps as ``Mapping`` when `read_only`)."""
        expr = parse_type(text_or_expr) if isinstance(text_or_expr, str) else text_or_expr
        source = self._render(expr, read_only)
        if expr.optional:
            source += " | None"
        return source

    def _render(self, expr: TypeExpr, read_only: bool = False) -> str:
        if expr.kind == "null":
            return "None"
        if expr.kind == "union":
            return " | ".join(self._render(arg, read_only) for arg in expr.args)
        if expr.kind == "literal":
            self.imports.add("typing", "Literal")
            return "Literal[" + ", ".join(render_value(v) for v in expr.values) + "]"
        if expr.kind in ("list", "tuple"):
            inner = ", ".join(self._render(a, read_only) for a in expr.args)
            return f"{expr.kind}[{inner}]"
        if expr.kind == "map":
            if read_only:
                self.imports.add_for_typing("collections.abc", "Mapping")
                return f"Mapping[str, {self._render(expr.args[1], read_only)}]"
            return f"dict[str, {self._render(expr.args[1])}]"
        return self.name(expr.name)

    def name(self, name: str) -> str:
        """Python source for a builtin or declared type name, importing it if needed."""
        if name in _BUILTIN_PY:
            if name == "any":
                self.imports.add("typing", "Any")
            elif name == "datetime":
                self.imports.add("datetime", "datetime")
            elif name == "raw":
                self.imports.add("tinkex.ports.transport", "HttpResponse")
            return _BUILTIN_PY[name]
        typedef = self.manifest.types[name]
        if typedef.kind == "external" and typedef.group == self.module_group:
            self.imports.add(typedef.type.split(":")[0], name)
        elif typedef.group != self.module_group:
            self.imports.add(f"{self.package}.domain.types.{typedef.group}", name)
        return name
