"""Render `tinkex/domain/types/<group>.py`: one msgspec Struct per manifest type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from tinkex.manifest.pysource import HEADER, Imports, TypeRenderer, docstring, render_value
from tinkex.manifest.schema import FieldSpec
from tinkex.manifest.typeexpr import TypeExpr, parse_type

if TYPE_CHECKING:
    from tinkex.manifest.schema import Manifest, TypeDef

__all__ = ["BASE_MODULE", "render_group", "render_types_init", "sort_key"]

BASE_MODULE = f'''{HEADER}
"""Base of the generated wire Structs and the helper that keeps a default on the wire.

Encoding rule (the official SDK's): fields whose value is None are left out, fields with a
default are sent. Structs use ``omit_defaults=True`` so optional fields (default None)
disappear when None; every other default is declared through `always`, a
``default_factory`` that msgspec never omits.
"""

import copy
from typing import TypeVar

import msgspec

__all__ = ["Wire", "always"]

T = TypeVar("T")


class Wire(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Base of every generated wire type: frozen, keyword-only, None fields omitted."""


def always(value: T) -> T:
    """Declare a default that is always encoded (a fresh copy for mutable values).

    Args:
        value: The default.

    Returns:
        A msgspec field whose default factory returns `value`.
    """
    if isinstance(value, list | dict):
        return msgspec.field(default_factory=lambda: copy.deepcopy(value))
    return msgspec.field(default_factory=lambda: value)
'''


_WIDTH = 100


def sort_key(name: str) -> tuple[int, str, str]:
    """isort/RUF022 order: CONSTANTS, then Classes, then the rest."""
    if name.isupper() and len(name) > 1:
        return (0, name, name)
    return (1 if name[:1].isupper() else 2, name, name)


def _field_type(spec: str | FieldSpec) -> tuple[str, Any]:
    if isinstance(spec, FieldSpec):
        return spec.type, spec.default
    return spec, msgspec.UNSET


def _runtime_deps(manifest: Manifest, name: str) -> list[str]:
    typedef = manifest.types[name]
    deps: list[str] = list(typedef.variants)
    if typedef.kind == "alias":
        deps.extend(sorted(parse_type(typedef.type).names()))
    for spec in typedef.fields.values():
        text, default = _field_type(spec)
        deps.extend(sorted(parse_type(text).names()))
        if isinstance(default, dict):
            deps.extend(_struct_for_default(manifest, parse_type(text), default)[:1])
    return deps


def _ordered(manifest: Manifest, names: list[str]) -> list[str]:
    """Manifest order, moved where needed so every name is defined before it is used."""
    members, done, out = set(names), set(), []

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in done or name not in members:
            return
        if name in stack:
            raise ValueError(f"types reference each other in a cycle: {' -> '.join(stack)}")
        for dep in _runtime_deps(manifest, name):
            visit(dep, (*stack, name))
        done.add(name)
        out.append(name)

    for name in names:
        visit(name, ())
    return out


def _struct_for_default(manifest: Manifest, expr: TypeExpr, value: dict[str, Any]) -> list[str]:
    if expr.kind != "name" or expr.name not in manifest.types:
        return []
    typedef = manifest.types[expr.name]
    if typedef.kind == "struct":
        return [expr.name]
    for variant in typedef.variants:
        target = manifest.types[variant]
        if target.tag_field is not None and value.get(target.tag_field) == target.tag:
            return [variant]
    raise ValueError(f"default {value!r} matches no variant of {expr.name}")


def _default_source(manifest: Manifest, expr: TypeExpr, value: Any, renderer: TypeRenderer) -> str:
    if value is msgspec.UNSET:
        return " = None" if expr.optional else ""
    struct = _struct_for_default(manifest, expr, value) if isinstance(value, dict) else []
    if struct:
        tag_field = manifest.types[struct[0]].tag_field
        args = ", ".join(f"{k}={render_value(v)}" for k, v in value.items() if k != tag_field)
        renderer.name(struct[0])
        return f" = always({struct[0]}({args}))"
    return f" = always({render_value(value)})"


def _class_header(name: str, bases: list[str], options: list[str]) -> str:
    parts = [*bases, *options]
    line = f"class {name}({', '.join(parts)}):"
    if len(line) <= 100:
        return line + "\n"
    return f"class {name}(\n" + "".join(f"    {part},\n" for part in parts) + "):\n"


def _render_type(manifest: Manifest, name: str, typedef: TypeDef, renderer: TypeRenderer) -> str:
    if typedef.kind == "enum":
        renderer.imports.add("typing", "Literal")
        renderer.imports.add("typing", "TypeAlias")
        values = [render_value(v) for v in typedef.values]
        line = f"{name}: TypeAlias = Literal[{', '.join(values)}]"
        if len(line) > _WIDTH:
            line = f"{name}: TypeAlias = Literal[\n" + "".join(f"    {v},\n" for v in values) + "]"
        return f"{line}\n{_alias_doc(typedef)}"
    if typedef.kind == "newtype":
        renderer.imports.add("typing", "NewType")
        return f'{name} = NewType("{name}", {renderer.name(typedef.type)})\n{_alias_doc(typedef)}'
    if typedef.kind == "alias":
        renderer.imports.add("typing", "TypeAlias")
        return f"{name}: TypeAlias = {renderer.render(typedef.type)}\n{_alias_doc(typedef)}"
    if typedef.kind == "union":
        renderer.imports.add("typing", "TypeAlias")
        members = [renderer.name(v) for v in typedef.variants]
        line = f"{name}: TypeAlias = {' | '.join(members)}"
        if len(line) > _WIDTH:
            inner = f"    {' | '.join(members)}"
            if len(inner) > _WIDTH:
                inner = "    " + "\n    | ".join(members)
            line = f"{name}: TypeAlias = (\n{inner}\n)"
        return f"{line}\n{_alias_doc(typedef)}"
    bases = ["Wire"]
    if typedef.mixin is not None:
        module, cls = typedef.mixin.split(":")
        renderer.imports.add(module, cls)
        bases.insert(0, cls)
    options = ["frozen=True", "kw_only=True"]
    if typedef.tag is not None:
        options += [f'tag_field="{typedef.tag_field}"', f'tag="{typedef.tag}"']
    out = _class_header(name, bases, options) + docstring(typedef.doc, "    ")
    if typedef.fields:
        out += "\n"
    for field_name, spec in typedef.fields.items():
        text, default = _field_type(spec)
        expr = parse_type(text)
        suffix = _default_source(manifest, expr, default, renderer)
        reads = spec.reads if isinstance(spec, FieldSpec) else ""
        if reads:
            # Type checkers see what the field holds once constructed; at run time the
            # annotation stays the wider decode type, so decoding is unchanged.
            renderer.imports.add("typing", "TYPE_CHECKING")
            out += "    if TYPE_CHECKING:\n"
            out += _field_line(name, field_name, f"{renderer.render(reads)}{suffix}", "        ")
            out += "    else:\n"
            out += _field_line(name, field_name, f"{renderer.render(expr)}{suffix}", "        ")
        else:
            out += _field_line(name, field_name, f"{renderer.render(expr)}{suffix}", "    ")
        if isinstance(spec, FieldSpec) and spec.doc:
            # An attribute docstring, which IDEs show for the field.
            out += docstring(spec.doc[0].upper() + spec.doc[1:], "    ")
    if any(isinstance(spec, FieldSpec) and spec.accepts for spec in typedef.fields.values()):
        out += _init_signature(typedef, renderer)
    return out


def _field_line(type_name: str, field_name: str, annotation: str, indent: str) -> str:
    line = f"{indent}{field_name}: {annotation}"
    if len(line) > _WIDTH:
        raise ValueError(f"types.{type_name}.fields.{field_name}: generated line is too long")
    return line + "\n"


def _init_signature(typedef: TypeDef, renderer: TypeRenderer) -> str:
    """The constructor as type checkers should see it, where a field accepts wider input."""
    renderer.imports.add("typing", "TYPE_CHECKING")
    params = ""
    for field_name, spec in typedef.fields.items():
        text, default = _field_type(spec)
        expr = parse_type(text)
        accepts = spec.accepts if isinstance(spec, FieldSpec) else ""
        annotation = renderer.render(accepts or expr, read_only=bool(accepts))
        optional = default is not msgspec.UNSET or expr.optional
        params += f"            {field_name}: {annotation}{' = ...' if optional else ''},\n"
    return (
        "\n    if TYPE_CHECKING:\n\n"
        "        def __init__(\n            self,\n            *,\n"
        f"{params}        ) -> None: ...\n"
    )


def _alias_doc(typedef: TypeDef) -> str:
    # A bare string after an alias is how Sphinx/IDEs attach documentation to it.
    return docstring(typedef.doc, "")


def render_group(manifest: Manifest, group: str, *, package: str) -> str:
    """Source of the types module for one group.

    Args:
        manifest: The manifest.
        group: The group name (module name).
        package: Package holding the generated code.

    Returns:
        The module source.
    """
    names = [n for n, t in manifest.types.items() if t.group == group]
    imports = Imports()
    imports.add(f"{package}.domain.types._base", "Wire")
    renderer = TypeRenderer(manifest, group, package, imports)
    for name in names:
        if manifest.types[name].kind == "external":
            renderer.name(name)  # imported from its module and re-exported
    bodies = [
        _render_type(manifest, name, manifest.types[name], renderer)
        for name in _ordered(manifest, names)
        if manifest.types[name].kind != "external"
    ]
    if "always(" in "".join(bodies):
        imports.add(f"{package}.domain.types._base", "always")
    exported = "".join(f'    "{n}",\n' for n in sorted(names, key=sort_key))
    head = f'{HEADER}\n"""Wire types of the ``{group}`` group."""\n\n{imports.render()}\n\n'
    return head + f"__all__ = [\n{exported}]\n\n\n" + "\n\n".join(bodies)


def render_types_init(manifest: Manifest, *, package: str) -> str:
    """Source of `domain/types/__init__.py`, re-exporting every wire type."""
    imports = Imports()
    for name, typedef in manifest.types.items():
        imports.add(f"{package}.domain.types.{typedef.group}", name)
    exported = "".join(f'    "{n}",\n' for n in sorted(manifest.types, key=sort_key))
    doc = '"""Wire types generated from the manifest, re-exported from their group modules."""'
    return f"{HEADER}\n{doc}\n\n{imports.render()}\n\n__all__ = [\n{exported}]\n"
