"""Load a spec file as plain JSON-like data while keeping the position of every node.

The loader composes the YAML node graph (``yaml.compose`` with a restricted safe loader) and converts it itself,
so that it can record the line and column of every key and value, reject duplicate keys, and avoid YAML 1.1 quirks:

- only ``true``/``false`` (any case) are booleans; ``yes``, ``no``, ``on``, ``off`` stay strings;
- dates and times are never converted (``2024-01-01`` stays a string);
- mapping keys must be strings (``1: x`` is an error: quote the key); merge keys (``<<``) are rejected;
- aliases are allowed but recursive aliases and alias bombs are errors.

Nothing here raises for a malformed document: problems become :class:`Diagnostic` objects.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hbgen.spec.errors import Diagnostic, describe_value, format_path

__all__ = ["LoadedDocument", "Positions", "Source", "load_text", "load_file"]

PathT = tuple[str | int, ...]

#: Upper bound on converted nodes, so that an alias bomb cannot exhaust memory.
MAX_NODES = 200_000
#: Deepest nesting of mappings and lists a spec may have (real specs stay under 15; example payloads included).
MAX_DEPTH = 64
#: Largest spec (or fragment) file read, in bytes: far above any real spec, far below what exhausts memory.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Characters no spec string may hold: lone surrogates cannot be written as UTF-8 (generated files could not be
#: written), NUL ends strings for many tools.
_UNWRITABLE = re.compile("[\ud800-\udfff\x00]")


class _SpecLoader(yaml.SafeLoader):
    """A SafeLoader with YAML 1.2-like implicit typing (no yes/no booleans, no timestamps)."""


# Rebuild the implicit resolvers without bool (re-added strictly) and timestamp.
_SpecLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


if hasattr(yaml, "CSafeLoader"):

    class _FastSpecLoader(yaml.CSafeLoader):
        """The same loader on libyaml's parser, used first for speed; errors are re-read with the pure one."""

    _FastSpecLoader.yaml_implicit_resolvers = _SpecLoader.yaml_implicit_resolvers
    _LOADERS: tuple[type, ...] = (_FastSpecLoader, _SpecLoader)
else:  # pragma: no cover - PyYAML without libyaml
    _LOADERS = (_SpecLoader,)


@dataclass
class Positions:
    """1-based (line, column) of every value node and every mapping key, indexed by document path.

    A document composed from shared fragments (:mod:`hbgen.spec.includes`) also records, for every node that came
    from a fragment, the index of its source file in :attr:`LoadedDocument.sources` (``origins`` for values,
    ``key_origins`` for keys); a node without an entry belongs to the spec file itself (source 0).
    """

    values: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    origins: dict[PathT, int] = field(default_factory=dict)
    key_origins: dict[PathT, int] = field(default_factory=dict)

    def of(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
        """Position of the node at ``path`` (its key when ``key``), falling back to the nearest known ancestor."""
        _, line, col = self.locate(path, key=key)
        return line, col

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int, int]:
        """``(source, line, column)`` of the node at ``path``, with the fallback of :meth:`of`."""
        p = tuple(path)
        if key and p in self.keys:
            return (self.key_origins.get(p, 0), *self.keys[p])
        while p:
            if p in self.values:
                return (self.origins.get(p, 0), *self.values[p])
            if p in self.keys:
                return (self.key_origins.get(p, 0), *self.keys[p])
            p = p[:-1]
        return (0, *self.values.get((), (1, 1)))


@dataclass(frozen=True)
class Source:
    """One file a document was composed from: its name in diagnostics, the chain that included it (empty for the
    spec itself), its path relative to the spec's folder (POSIX) and the sha256 of its text."""

    file: str
    included_by: str = ""
    relative: str = ""
    sha256: str = ""


@dataclass
class LoadedDocument:
    """The result of loading: data (None when unusable), positions, and the diagnostics found on the way."""

    file: str
    data: Any
    positions: Positions
    diagnostics: list[Diagnostic]
    #: The files a composed document was read from: the spec itself first, then every shared fragment it included
    #: (:mod:`hbgen.spec.includes`); empty for a document that was not composed.
    sources: tuple[Source, ...] = ()

    def diag(self, path: Sequence[str | int], message: str, hint: str = "", *, key: bool = False) -> Diagnostic:
        """A diagnostic at the node of ``path``: in the spec, or in the fragment the node came from."""
        origin, line, col = self.positions.locate(path, key=key)
        if origin and origin < len(self.sources):
            source = self.sources[origin]
            return Diagnostic(source.file, line, col, format_path(path), message, hint, source.included_by)
        return Diagnostic(self.file, line, col, format_path(path), message, hint)

    @property
    def fragments(self) -> tuple[Source, ...]:
        """The shared fragments this document included, in the order they were read."""
        return self.sources[1:]


class _Converter:
    """Turns a composed node graph into dicts, lists and scalars while recording positions."""

    def __init__(self, file: str, loader: Any) -> None:
        self.file = file
        self.loader = loader
        self.positions = Positions()
        self.diagnostics: list[Diagnostic] = []
        self.count = 0
        self.too_big = False

    def _error(self, mark: yaml.Mark, path: PathT, message: str, hint: str = "") -> None:
        self.diagnostics.append(Diagnostic(self.file, mark.line + 1, mark.column + 1, format_path(path), message, hint))

    def convert(self, node: yaml.Node, path: PathT, stack: tuple[int, ...]) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            if not self.too_big:
                self.too_big = True
                self._error(node.start_mark, path, f"document too large: more than {MAX_NODES} nodes after aliases")
            return None
        self.positions.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if id(node) in stack:
            self._error(node.start_mark, path, "recursive alias: a node may not contain itself")
            return None
        if len(stack) >= MAX_DEPTH and isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            self._error(node.start_mark, path, f"nested more than {MAX_DEPTH} levels deep", "flatten the structure")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, stack + (id(node),))
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,), stack + (id(node),)) for i, item in enumerate(node.value)]
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            self._error(node.start_mark, path, f"cannot read value: {problem}", "use plain YAML scalars without tags")
            return None
        except ValueError:  # an integer of more digits than Python converts (4,300)
            digits = len(str(node.value))
            self._error(node.start_mark, path, f"cannot read a number of {digits} characters", "quote it as a string")
            return None
        return self._checked(value, node, path)

    def _checked(self, value: Any, node: yaml.Node, path: PathT) -> Any:
        """``value``, or None with a diagnostic when no generated file could hold it."""
        if isinstance(value, float) and not math.isfinite(value):
            self._error(
                node.start_mark,
                path,
                f"{node.value} is not a finite number",
                "write a number, or quote it to make it a string",
            )
            return None
        if isinstance(value, str) and (bad := _UNWRITABLE.search(value)):
            char = bad.group(0)
            what = "a NUL character" if char == "\x00" else f"a lone surrogate ({_printable(char)})"
            self._error(node.start_mark, path, f"the string holds {what}, which no file can hold", "remove it")
            return None
        return value

    def _mapping(self, node: yaml.MappingNode, path: PathT, stack: tuple[int, ...]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._error(key_node.start_mark, path, "merge keys (<<) are not supported", "write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._error(key_node.start_mark, path, "mapping keys must be plain strings, got a complex key")
                continue
            try:
                key_value: Any = self.loader.construct_object(key_node, deep=True)
            except (yaml.YAMLError, ValueError):
                key_value = None
            if isinstance(key_value, str) and _UNWRITABLE.search(key_value):
                self._error(key_node.start_mark, path, "a key holds a lone surrogate or a NUL character", "remove it")
                continue
            if not isinstance(key_value, str):
                self._error(
                    key_node.start_mark,
                    path,
                    f"mapping keys must be strings, got {describe_value(key_value)}",
                    f'quote the key: "{_printable(str(key_node.value))}"',
                )
                key_value = _printable(str(key_node.value))
            key = key_value
            if key in first_seen:
                mark = first_seen[key]
                self._error(
                    key_node.start_mark,
                    path + (key,),
                    f'duplicate key "{key}"',
                    f"first defined at line {mark.line + 1}, column {mark.column + 1}",
                )
                continue
            first_seen[key] = key_node.start_mark
            self.positions.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, path + (key,), stack)
        return result


def _printable(text: str) -> str:
    """``text`` with lone surrogates and NULs escaped, safe to print and to write."""
    return _UNWRITABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode(), text)


def load_text(text: str, file: str) -> LoadedDocument:
    """Load spec text; ``file`` is the name used in diagnostics. Never raises for malformed YAML.

    libyaml parses first (fast); any document it rejects is parsed again by the pure-Python parser, so syntax
    error messages are the same with or without libyaml.
    """
    surrogate = re.search("[\ud800-\udfff]", text)
    if surrogate is not None:  # text that did not come from a UTF-8 file; no parser can read it
        before = text[: surrogate.start()]
        line, col = before.count("\n") + 1, surrogate.start() - (before.rfind("\n") + 1) + 1
        message = f"the text holds a lone surrogate ({_printable(surrogate.group(0))}), which is not a character"
        return LoadedDocument(file, None, Positions(), [Diagnostic(file, line, col, "", message, "remove it")])
    for loader_class in _LOADERS[:-1]:
        fast = _load_with(loader_class, text, file)
        if not any(d.message.startswith("YAML syntax error") for d in fast.diagnostics):
            return fast
    return _load_with(_LOADERS[-1], text, file)


def _load_with(loader_class: type, text: str, file: str) -> LoadedDocument:
    loader: Any = None
    try:
        try:
            loader = loader_class(text)
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problem = exc.problem or "invalid YAML"
            hint = exc.context or ""
            if exc.context_mark and exc.problem_mark and exc.context:
                hint = f"{exc.context} at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
            return LoadedDocument(
                file, None, Positions(), [Diagnostic(file, line, col, "", f"YAML syntax error: {problem}", hint)]
            )
        except yaml.YAMLError as exc:  # ReaderError and friends carry no marks of the Marked kind
            position = getattr(exc, "position", None)
            text_before = text[:position] if isinstance(position, int) else ""
            line = text_before.count("\n") + 1
            col = len(text_before) - (text_before.rfind("\n") + 1) + 1
            reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
            return LoadedDocument(
                file, None, Positions(), [Diagnostic(file, line, col, "", f"YAML syntax error: {reason}")]
            )
        if node is None:
            return LoadedDocument(
                file, None, Positions(), [Diagnostic(file, 1, 1, "", "the spec is empty; expected a mapping")]
            )
        assert loader is not None
        converter = _Converter(file, loader)
        data = converter.convert(node, (), ())
        if data is None and not converter.diagnostics:  # a document that is only `null` or `~`
            converter._error(node.start_mark, (), "the spec is empty (null); expected a mapping of spec keys")
        return LoadedDocument(file, data, converter.positions, converter.diagnostics)
    except RecursionError:  # the pure-Python parser composes recursively: a document nested thousands deep
        message = f"nested too deep to parse (more than {MAX_DEPTH} levels)"
        return LoadedDocument(file, None, Positions(), [Diagnostic(file, 1, 1, "", message, "flatten the structure")])
    finally:
        if loader is not None:
            loader.dispose()


class SpecReadError(Exception):
    """A spec file that is not read: not a regular file, too large, or unreadable (the message says which)."""


def read_spec_bytes(path: str | Path) -> bytes:
    """The bytes of a spec or fragment file: regular files only (a FIFO would block, a device never end) of at most
    :data:`MAX_FILE_BYTES`. Raises :class:`SpecReadError`."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise SpecReadError(f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe, socket or device)"
        raise SpecReadError(f"cannot read file: it is {kind}")
    if info.st_size > MAX_FILE_BYTES:
        raise SpecReadError(f"the file is {info.st_size:,} bytes; a spec may have at most {MAX_FILE_BYTES:,}")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SpecReadError(f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise SpecReadError(f"the file grew past {MAX_FILE_BYTES:,} bytes while it was read")
    return raw


def load_file(path: str | Path, display_name: str | None = None) -> LoadedDocument:
    """Read and load a spec file; unreadable, special, oversized or non-UTF-8 files become diagnostics."""
    name = display_name if display_name is not None else str(path)
    try:
        raw = read_spec_bytes(path)
    except SpecReadError as exc:
        return LoadedDocument(name, None, Positions(), [Diagnostic(name, 1, 1, "", str(exc))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return LoadedDocument(name, None, Positions(), [Diagnostic(name, line, col, "", "the file is not valid UTF-8")])
    return load_text(text, name)
