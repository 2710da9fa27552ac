"""Shared fragments: facts that several specs state once, in a file each of them includes.

A spec lists fragments under ``include:``, paths relative to the spec's own folder::

    include: [shared/bybit_v5.yaml]

A fragment is a YAML mapping that starts with ``fragment: <what it shares>`` and holds any keys a spec may hold
except the connector's identity (``spec_version``, ``name``, ``display_name``, ``type``) and ``partial``; it may
include other fragments. The spec is read as if its fragments' keys were written into it:

- mappings merge key by key, recursively;
- lists concatenate, the included items first (a spec adds test vectors, headers or predicates to a fragment's);
- any other value stated by both the spec and a fragment is the spec's: the including file has the last word;
- two fragments included side by side may not state different values for the same key (neither would win);
- a file reached twice through different includes is read once; an include cycle or a missing file is an error
  at the ``include`` entry.

Every node keeps the file, line and column it was written at, so a diagnostic about a fact that came from a
fragment points into the fragment and says which spec included it (:class:`~hbgen.spec.errors.Diagnostic`'s
``included_by``). The composed document lists its source files with their sha256, which the package manifest
records: a changed fragment marks every package built from it out of date (``hbgen check``, ``hbgen list``).

Why fragments rather than ``extends`` (one spec inheriting another): a spec that extends another inherits all of
it, endpoints and mappings included, and YAML has no way to un-say an inherited key, so Bybit's linear perpetual
would carry Bybit spot's endpoints; a chain of ``extends`` also hides where a fact comes from. A fragment holds
exactly the shared facts, under a name that says what they are, and every spec that uses them says so in one line.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from hbgen.spec.errors import Diagnostic, SpecError, describe_value, format_path
from hbgen.spec.loader import (
    LoadedDocument,
    Positions,
    Source,
    SpecReadError,
    load_file,
    load_text,
    read_spec_bytes,
)

__all__ = [
    "FRAGMENT_KEY",
    "IDENTITY_KEYS",
    "INCLUDE_KEY",
    "compose",
    "dependents",
    "flattened",
    "is_fragment",
    "load_composed",
    "load_composed_text",
]

INCLUDE_KEY = "include"
FRAGMENT_KEY = "fragment"
#: Keys that make a connector what it is; a fragment never states them.
IDENTITY_KEYS: tuple[str, ...] = ("spec_version", "name", "display_name", "type", "partial")
#: How deep fragments may include fragments (a guard against generated include chains, not a design limit).
MAX_DEPTH = 16

PathT = tuple[str | int, ...]
Located = tuple[int, int, int]  # (source index, line, column)


@dataclass
class _Layer:
    """A document being composed: data, and the (source, line, column) of every node and key."""

    data: dict[str, Any]
    values: dict[PathT, Located] = field(default_factory=dict)
    keys: dict[PathT, Located] = field(default_factory=dict)


def _layer_of(doc: LoadedDocument, source: int, data: dict[str, Any]) -> _Layer:
    return _Layer(
        data,
        {p: (source, *lc) for p, lc in doc.positions.values.items()},
        {p: (source, *lc) for p, lc in doc.positions.keys.items()},
    )


class _Composer:
    def __init__(self, root: LoadedDocument, root_path: Path) -> None:
        self.root = root
        self.root_resolved = root_path.resolve()
        self.root_dir = root_path.parent
        self.sources: list[Source] = [Source(root.file, "", root_path.name, "")]
        self.diagnostics: list[Diagnostic] = []
        self.seen: set[Path] = set()

    # ------------------------------------------------------------------ diagnostics

    def _error(self, layer_source: int, at: Located | None, path: PathT, message: str, hint: str = "") -> None:
        source_index, line, col = at if at is not None else (layer_source, 1, 1)
        source = self.sources[source_index]
        self.diagnostics.append(
            Diagnostic(source.file, line, col, format_path(path), message, hint, source.included_by)
        )

    # ------------------------------------------------------------------ reading

    def expand(self, doc: LoadedDocument, path: Path, source: int, stack: tuple[Path, ...]) -> _Layer:
        """The layer of ``doc`` with everything it includes merged under it."""
        data: dict[str, Any] = doc.data
        own_data = data if source == 0 else {k: v for k, v in data.items() if k not in (INCLUDE_KEY, FRAGMENT_KEY)}
        own = _layer_of(doc, source, own_data)
        entries = data.get(INCLUDE_KEY)
        if entries is None:
            return own
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            if source != 0:  # the spec's own include key is checked by the JSON Schema
                where = (INCLUDE_KEY,)
                self._error(
                    source,
                    own.values.get(where),
                    where,
                    f"expected a list of file paths, got {describe_value(entries)}",
                    "include: [shared/fragment.yaml]",
                )
            return own
        included: _Layer | None = None
        for index, entry in enumerate(entries):
            layer = self.include(own, source, path, index, entry, stack)
            if layer is not None:
                included = layer if included is None else self.merge(included, layer, siblings=True)
        return own if included is None else self.merge(included, own, siblings=False)

    def include(
        self, parent: _Layer, parent_source: int, parent_path: Path, index: int, entry: str, stack: tuple[Path, ...]
    ) -> _Layer | None:
        where: PathT = (INCLUDE_KEY, index)
        at = parent.values.get(where)
        parent_info = self.sources[parent_source]

        def error(message: str, hint: str = "") -> None:
            self._error(parent_source, at, where, message, hint)

        if PurePosixPath(entry).is_absolute() or PureWindowsPath(entry).is_absolute() or entry.startswith("~"):
            error(f'"{entry}": an include is a path relative to the including file', "e.g. shared/fragment.yaml")
            return None
        if not entry.endswith((".yaml", ".yml")):
            if parent_source != 0:  # the spec's own entries are checked by the JSON Schema
                error(f'"{entry}": expected a .yaml file')
            return None
        target = parent_path.parent / entry
        display = posixpath.normpath(posixpath.join(posixpath.dirname(parent_info.file), entry))
        if not target.is_file():
            error(f'cannot include "{entry}": {display} does not exist', "paths are relative to the including file")
            return None
        resolved = target.resolve()
        if resolved in stack:
            chain = [self._display_of(p) for p in stack[stack.index(resolved) :]] + [display]
            error("include cycle: " + " -> ".join(chain), "a fragment may not include itself, directly or not")
            return None
        if resolved in self.seen:
            return None  # reached through another include already: its facts are in once
        if len(stack) > MAX_DEPTH:
            error(f"includes nested more than {MAX_DEPTH} deep")
            return None
        self.seen.add(resolved)
        line, col = (at[1], at[2]) if at is not None else (1, 1)
        here = f"{parent_info.file}:{line}:{col}"
        included_by = f"{here} <- {parent_info.included_by}" if parent_info.included_by else here
        relative = posixpath.normpath(posixpath.join(posixpath.dirname(parent_info.relative), entry))
        try:
            raw = read_spec_bytes(target)
        except SpecReadError as exc:
            error(f'cannot include "{entry}": {exc}')
            return None
        doc = load_file(target, display)
        source = len(self.sources)
        self.sources.append(Source(display, included_by, relative, hashlib.sha256(raw).hexdigest()))
        self.diagnostics.extend(dataclasses.replace(d, included_by=included_by) for d in doc.diagnostics)
        if doc.data is None:
            return None
        layer = _layer_of(doc, source, doc.data if isinstance(doc.data, dict) else {})
        if not isinstance(doc.data, dict):
            self._error(source, layer.values.get(()), (), "a fragment is a mapping of spec keys")
            return None
        if FRAGMENT_KEY not in doc.data:
            if "name" in doc.data:
                message = "is a connector spec, not a fragment; a spec cannot include another spec"
                hint = "move the facts both specs share into a fragment under specs/shared/ and include it from both"
            else:
                message = f'not a fragment: a fragment starts with "{FRAGMENT_KEY}: <what it shares>"'
                hint = "the marker says what the file is for and keeps it from being read as a spec"
            self._error(source, layer.values.get(()), (), f"{display} {message}", hint)
            return None
        marker = doc.data[FRAGMENT_KEY]
        if not isinstance(marker, str) or not marker.strip():
            self._error(
                source,
                layer.values.get((FRAGMENT_KEY,)),
                (FRAGMENT_KEY,),
                f"expected a description of what the fragment shares, got {describe_value(marker)}",
            )
        for key in IDENTITY_KEYS:
            if key in doc.data:
                self._error(
                    source,
                    layer.keys.get((key,)),
                    (key,),
                    f'a fragment may not state "{key}"',
                    "the connector's identity belongs to the spec that includes the fragment",
                )
        return self.expand(doc, target, source, (*stack, resolved))

    def _display_of(self, resolved: Path) -> str:
        if resolved == self.root_resolved:
            return self.root.file
        for source in self.sources[1:]:
            if (self.root_dir / source.relative).resolve() == resolved:
                return source.file
        return str(resolved)

    # ------------------------------------------------------------------ merging

    def merge(self, base: _Layer, over: _Layer, *, siblings: bool) -> _Layer:
        """``over`` merged onto ``base``: ``over`` is the including document, or (``siblings``) the next fragment."""
        out = _Layer({})
        out.data = self._node(base, (), base.data, over, (), over.data, out, (), siblings)
        return out

    def _node(
        self,
        a: _Layer,
        ap: PathT,
        av: Any,
        b: _Layer,
        bp: PathT,
        bv: Any,
        out: _Layer,
        op: PathT,
        siblings: bool,
    ) -> Any:
        if isinstance(av, dict) and isinstance(bv, dict):
            self._place(out, op, b.values.get(bp) or a.values.get(ap), b.keys.get(bp) or a.keys.get(ap))
            merged: dict[str, Any] = {}
            for key, value in av.items():
                if key in bv:
                    merged[key] = self._node(a, (*ap, key), value, b, (*bp, key), bv[key], out, (*op, key), siblings)
                    out.keys[(*op, key)] = b.keys.get((*bp, key)) or a.keys[(*ap, key)]
                else:
                    merged[key] = self._copy(a, (*ap, key), value, out, (*op, key))
            for key, value in bv.items():
                if key not in av:
                    merged[key] = self._copy(b, (*bp, key), value, out, (*op, key))
            return merged
        if isinstance(av, list) and isinstance(bv, list):
            self._place(out, op, b.values.get(bp) or a.values.get(ap), b.keys.get(bp) or a.keys.get(ap))
            items = [self._copy(a, (*ap, i), item, out, (*op, i)) for i, item in enumerate(av)]
            items += [self._copy(b, (*bp, j), item, out, (*op, len(av) + j)) for j, item in enumerate(bv)]
            return items
        if siblings and av != bv:
            first = a.values.get(ap)
            at = f" at {self.sources[first[0]].file}:{first[1]}:{first[2]}" if first else ""
            self._error(
                0,
                b.values.get(bp),
                op,
                f"two included fragments state different values here: {describe_value(av)}{at} and "
                f"{describe_value(bv)}",
                "state the fact in one fragment, or in the including file, which has the last word",
            )
            return self._copy(a, ap, av, out, op)
        return self._copy(b, bp, bv, out, op)

    @staticmethod
    def _place(out: _Layer, op: PathT, value: Located | None, key: Located | None) -> None:
        if value is not None:
            out.values[op] = value
        if key is not None:
            out.keys[op] = key

    def _copy(self, layer: _Layer, src: PathT, value: Any, out: _Layer, dst: PathT) -> Any:
        self._place(out, dst, layer.values.get(src), layer.keys.get(src))
        if isinstance(value, dict):
            return {k: self._copy(layer, (*src, k), v, out, (*dst, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._copy(layer, (*src, i), v, out, (*dst, i)) for i, v in enumerate(value)]
        return value

    # ------------------------------------------------------------------ the whole document

    def run(self, root_path: Path) -> LoadedDocument:
        layer = self.expand(self.root, root_path, 0, (self.root_resolved,))
        positions = Positions()
        for p, (source, line, col) in layer.values.items():
            positions.values[p] = (line, col)
            if source:
                positions.origins[p] = source
        for p, (source, line, col) in layer.keys.items():
            positions.keys[p] = (line, col)
            if source:
                positions.key_origins[p] = source
        return LoadedDocument(
            self.root.file,
            layer.data,
            positions,
            [*self.root.diagnostics, *self.diagnostics],
            tuple(self.sources),
        )


def compose(doc: LoadedDocument, path: Path) -> LoadedDocument:
    """``doc`` (read from ``path``) with the fragments it includes merged in; a document without ``include`` is
    returned as it is. Problems (a missing file, a cycle, a conflict) are diagnostics of the result."""
    if not isinstance(doc.data, dict):
        return doc
    if FRAGMENT_KEY in doc.data:
        line, col = doc.positions.of((FRAGMENT_KEY,), key=True)
        message = "this file is a shared fragment, not a connector spec"
        hint = "validate or generate a spec that includes it"
        return dataclasses.replace(
            doc, data=None, diagnostics=[*doc.diagnostics, Diagnostic(doc.file, line, col, "", message, hint)]
        )
    if INCLUDE_KEY not in doc.data:
        return dataclasses.replace(doc, sources=(Source(doc.file, "", path.name, ""),))
    return _Composer(doc, path).run(path)


def load_composed(path: str | Path, display_name: str | None = None) -> LoadedDocument:
    """Read a spec file and compose it with its fragments (see the module docstring)."""
    return compose(load_file(path, display_name), Path(path))


def load_composed_text(text: str, file: str, base_dir: str | Path | None = None) -> LoadedDocument:
    """Compose spec text named ``file``; its includes are looked up next to ``file``, or in ``base_dir``."""
    path = Path(base_dir) / Path(file).name if base_dir is not None else Path(file)
    return compose(load_text(text, file), path)


def is_fragment(path: str | Path) -> bool:
    """Whether the file at ``path`` is a shared fragment (a mapping with the ``fragment`` marker)."""
    doc = load_file(path)
    return isinstance(doc.data, dict) and FRAGMENT_KEY in doc.data


def dependents(fragment: Path, specs: Sequence[Path]) -> list[Path]:
    """The specs of ``specs`` that include ``fragment``, directly or through another fragment."""
    target = fragment.resolve()
    found = []
    for spec in specs:
        doc = load_composed(spec, str(spec))
        root = spec.parent
        if any((root / source.relative).resolve() == target for source in doc.fragments):
            found.append(spec)
    return found


def flattened(path: str | Path) -> dict[str, Any]:
    """A self-contained copy of a spec's data: its fragments merged in, ``include`` dropped. Raises
    :class:`~hbgen.spec.errors.SpecError` when the composition has problems (the spec itself is not validated)."""
    doc = load_composed(path, str(path))
    if not isinstance(doc.data, dict) or doc.diagnostics:
        raise SpecError(doc.diagnostics or [doc.diag([], "expected a mapping at the top of the spec")])
    data = copy.deepcopy(doc.data)
    data.pop(INCLUDE_KEY, None)
    return data


#: Where editors find the schema of fragments (``# yaml-language-server: $schema=../schema/fragment.schema.json``).
FRAGMENT_SCHEMA_NAME = "fragment.schema.json"


def fragment_schema() -> dict[str, Any]:
    """The JSON Schema of a fragment file, for editors: ``fragment`` and ``include``, and every other top-level key
    of the connector schema by reference (``connector.schema.json#/properties/<key>``), nothing required.

    Keys inside a fragment's sections are checked for real once the fragment is composed into a spec; an editor
    may still ask for a key a section requires that the including spec states instead.
    ``hbgen schema --fragment`` prints it; ``specs/schema/fragment.schema.json`` is its committed output.
    """
    from hbgen.spec.schema import SCHEMA_PATH, load_schema

    connector = load_schema()
    properties: dict[str, Any] = {
        FRAGMENT_KEY: {
            "description": "What the fragment shares and with whom, in a sentence; marks the file as a fragment.",
            "type": "string",
            "minLength": 1,
        }
    }
    for key in connector["properties"]:
        if key not in IDENTITY_KEYS:
            properties[key] = {"$ref": f"{SCHEMA_PATH.name}#/properties/{key}"}
    return {
        "$schema": connector["$schema"],
        "title": "hbgen shared fragment",
        "description": (
            "Facts several specs share, stated once: a spec takes them with include: [shared/<file>.yaml]. "
            "Mappings merge key by key, lists concatenate, and the including spec's other values replace the "
            "fragment's."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": [FRAGMENT_KEY],
        "properties": properties,
    }


def fragment_schema_text() -> str:
    """:func:`fragment_schema` as the committed file holds it."""
    import json

    return json.dumps(fragment_schema(), indent=2, ensure_ascii=False) + "\n"
