"""Test payloads made from example messages: write values back where a mapping reads them.

Generated connector tests start from the spec's example payloads and write the values a test needs (an order's
ids, a state, a price) at the places the spec's mappings read them from. The generator emits the places as plain
data; this module, shared by every connector, does the writing. Nothing here knows an exchange.

**Paths.** A :data:`Path` is a tuple of steps:

* a ``str``: the key of an object;
* an ``int``: the index of a list item (negative indexes count from the end);
* a selector ``("=", key, values)``: the first list item that is an object whose ``key`` is one of ``values``.

A leading ``"$"`` marks a path read from the message root instead of from the current ``each`` item; the step
itself is skipped when reading and writing. ``()`` is the node itself. Two spellings serve keyed mappings (whose
items are the values of an object, like Kraken's results keyed by pair or order id): an ``each`` path ending in
:data:`VALUES` (``"$*"``) names that object, and the path ``(ITEM_KEY,)`` (``("$key",)``) is an item's key.

**Writers.** A :data:`Writer` says how a mapping reads one field: ``(op, paths, value_type, inverse)``.

* ``op`` is ``"path"`` (the value at the one path), ``"first_nonempty"`` (the first of the paths that has a
  value; a builder writes the value to all of them), ``"sum"``, ``"difference"`` (the first path minus the others)
  or ``"product"`` of the numbers at the paths, ``"negate"`` (the number at the path with its sign changed) or
  ``"step_of_decimals"`` (10^-n for the count n at the path: writing ``0.01`` writes 2);
* ``value_type`` is how the raw value is written (``"timestamp_ms"`` and the other timestamp types, ``"iso8601"``,
  or a plain type such as ``"decimal"`` and ``"str"``, where the JSON type of the example's value is kept);
* ``inverse`` maps a value as the connector sees it (``"OPEN"``, ``"BUY"``, ``"True"``) to the raw text on the wire
  (``"NEW"``, ``"buy"``, ``"true"``), or is None.

A field read from cases (``op`` ``"cases"``, no paths) has, for ``inverse``, each value it can take mapped to
``(predicates, earlier)``: the predicates that give the value (none for the default) and those of every earlier
case, of which none may hold once the value is written.

**Predicates.** A :data:`Predicate` is ``(path, op, value)`` with ``op`` one of ``equals``, ``not_equals``, ``in``
(``value`` is a sequence), ``contains`` (the field, a list or string, contains ``value``), ``any_contains`` (some
item of the field contains ``value``), ``present`` (``value`` True: the key exists; False: it does not) and
``empty`` (``value`` True: the field is missing, null, ``""``, ``[]`` or ``{}``; False: it is not). A missing field
makes every predicate false except ``not_equals``, ``present`` False and ``empty`` True.

Writing creates what is missing on the way: an object before a key, a list before an index or a selector, and an
index one past the end of a list appends an item (``("error", 0)`` writes ``{"error": ["text"]}`` into ``{}``).
Errors: a path that cannot be written (a key step on a list, an index more than one past the end, a path ending in
a selector) raises :class:`PayloadError`; reading never raises, it gives :data:`MISSING`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, TypeAlias, TypeGuard

__all__ = [
    "MISSING",
    "Path",
    "PayloadError",
    "Predicate",
    "Selector",
    "Step",
    "Writer",
    "build",
    "delete_path",
    "encode",
    "fill_item",
    "get_path",
    "holds",
    "is_root_path",
    "satisfy",
    "set_path",
    "violate",
]

Selector: TypeAlias = tuple[str, str, Sequence[Any]]
Step: TypeAlias = str | int | Selector
Path: TypeAlias = tuple[Step, ...]
Writer: TypeAlias = tuple[str, Sequence[Path], str | None, Mapping[str, Any] | None]
Predicate: TypeAlias = tuple[Path, str, Any]

ROOT: Final = "$"
#: The path ``(ITEM_KEY,)`` is the key of the item in a keyed ``each`` object (the spec path ``$key``).
ITEM_KEY: Final = "$key"
#: The last step of a keyed mapping's ``each`` path: the items are the values of the object before it.
VALUES: Final = "$*"
#: What a predicate ``empty`` counts as empty (as the generated parsers do: 0 and false are values).
_EMPTY_VALUES: Final[tuple[Any, ...]] = (None, "", [], {})
DIRECT_OPS: Final = frozenset({"path", "first_nonempty"})
CASES_OP: Final = "cases"
COMPUTED_OPS: Final = frozenset({"sum", "difference", "product"})
_TIMESTAMP_SCALES: Final = {"timestamp_ms": 1_000, "timestamp_us": 1_000_000, "timestamp_ns": 1_000_000_000}


class PayloadError(ValueError):
    """A path, writer or predicate that cannot be applied to the payload at hand."""


class _Missing:
    """The type of :data:`MISSING`."""

    def __repr__(self) -> str:
        return "MISSING"


#: What :func:`get_path` gives for a step that is absent (distinct from a JSON ``null``, which is ``None``).
MISSING: Final = _Missing()


# ---------------------------------------------------------------------------------------------------- paths


def _is_selector(step: object) -> TypeGuard[Selector]:
    return isinstance(step, tuple)


def _check_selector(step: Selector) -> None:
    if len(step) != 3 or step[0] != "=" or not isinstance(step[1], str) or isinstance(step[2], str | bytes):
        raise PayloadError(f"a selector is ('=', key, values), not {step!r}")
    if not step[2]:
        raise PayloadError(f"selector {step!r} has no values")


def _steps(path: Path) -> list[Step]:
    """The steps of ``path`` without its root marker; a ``"$"`` anywhere but first is an error."""
    steps = list(path[1:] if path and path[0] == ROOT else path)
    for step in steps:
        if step == ROOT:
            raise PayloadError(f"'$' may only start a path: {path!r}")
        if _is_selector(step):
            _check_selector(step)
        elif isinstance(step, bool) or not isinstance(step, str | int):
            raise PayloadError(f"a path step is a key, an index or a selector, not {step!r}")
    return steps


def is_root_path(path: Path) -> bool:
    """Whether ``path`` is read from the message root (it starts with ``"$"``)."""
    return bool(path) and path[0] == ROOT


def _select(node: Any, selector: Selector) -> Any:
    _, key, values = selector
    if not isinstance(node, list):
        return MISSING
    return next((item for item in node if isinstance(item, Mapping) and item.get(key) in values), MISSING)


def _step_into(node: Any, step: Step) -> Any:
    if _is_selector(step):
        return _select(node, step)
    if isinstance(step, int):
        return node[step] if _index_in(node, step) else MISSING
    return node.get(step, MISSING) if isinstance(node, Mapping) else MISSING


def get_path(node: Any, path: Path) -> Any:
    """The value at ``path`` in ``node``, or :data:`MISSING` when a step is absent. Never raises for data."""
    for step in _steps(path):
        node = _step_into(node, step)
        if node is MISSING:
            return MISSING
    return node


def _index_in(node: Any, index: int) -> bool:
    return isinstance(node, list) and -len(node) <= index < len(node)


def _walkable(node: Any, step: Step) -> bool:
    """Whether ``step`` can be taken from ``node`` (a list for an index or a selector, an object for a key)."""
    return isinstance(node, list) if _is_selector(step) or isinstance(step, int) else isinstance(node, dict)


def _appends(node: Any, step: Step) -> bool:
    """Whether the index ``step`` is one past the end of the list ``node`` (writing there appends an item)."""
    return isinstance(step, int) and not isinstance(step, bool) and isinstance(node, list) and step == len(node)


def _child(node: Any, at: Step, following: Step, path: Path) -> Any:
    """``node[at]``, made walkable for the ``following`` step: a missing or scalar value becomes the container it
    needs (a list before an index or a selector, an object before a key); a container of the other kind is an
    error. An index one past the end appends the new container."""
    fresh: Any = [] if _is_selector(following) or isinstance(following, int) else {}
    if _appends(node, at):
        node.append(fresh)
        return fresh
    current = node.get(at) if isinstance(at, str) else node[at]
    if _walkable(current, following):
        return current
    if isinstance(current, dict | list):
        raise PayloadError(f"path {path!r}: {at!r} holds a {type(current).__name__}, the next step needs another")
    node[at] = fresh
    return fresh


def _check_parent(node: Any, step: Step, path: Path) -> None:
    if isinstance(step, int) and not (_index_in(node, step) or _appends(node, step)):
        raise PayloadError(f"path {path!r}: index {step} is not in the list")
    if isinstance(step, str) and not isinstance(node, dict):
        raise PayloadError(f"path {path!r}: key {step!r} needs an object, found {type(node).__name__}")
    if _is_selector(step) and not isinstance(node, list):
        raise PayloadError(f"path {path!r}: selector {step!r} needs a list, found {type(node).__name__}")


def set_path(node: Any, path: Path, value: Any) -> None:
    """Write ``value`` at ``path`` in ``node``.

    Missing objects on the way are created (a list where the next step is a selector, an object where it is a key),
    and so is a missing selected item: ``{key: values[0]}`` is appended to the list. A scalar in the way (``null``,
    a string) is replaced by the container the next step needs. An index must exist already or be one past the end
    of the list (the item is appended).
    """
    steps = _steps(path)
    if not steps:
        raise PayloadError("a path to write needs at least one step")
    if _is_selector(steps[-1]):
        raise PayloadError(f"path {path!r} ends with a selector: there is no single place to write")
    for position, step in enumerate(steps[:-1]):
        _check_parent(node, step, path)
        if _is_selector(step):
            _, key, values = step
            found = _select(node, step)
            if found is MISSING:
                found = {key: values[0]}
                node.append(found)
            node = found
        else:
            node = _child(node, step, steps[position + 1], path)
    _check_parent(node, steps[-1], path)
    if _appends(node, steps[-1]):
        node.append(value)
    else:
        node[steps[-1]] = value


def delete_path(node: Any, path: Path) -> None:
    """Remove the key or list item at ``path``; nothing happens when it is absent already."""
    steps = _steps(path)
    if not steps:
        raise PayloadError("a path to delete needs at least one step")
    parent = get_path(node, tuple(steps[:-1]))
    last = steps[-1]
    if _is_selector(last):
        found = _select(parent, last)
        if found is not MISSING:
            parent.remove(found)
    elif isinstance(last, int):
        if _index_in(parent, last):
            del parent[last]
    elif isinstance(parent, MutableMapping):
        parent.pop(last, None)


# ------------------------------------------------------------------------------------------------- predicates


def _same(current: Any, value: Any) -> bool:
    # As the generated parsers compare: identity for null and booleans (so 1 is not True), equality otherwise.
    return current is value if value is None or isinstance(value, bool) else bool(current == value)


def holds(node: Any, predicate: Predicate) -> bool:
    """Whether ``predicate`` holds for ``node``, read as the generated parsers read it (a missing field is null)."""
    path, op, value = predicate
    found = get_path(node, path)
    current = None if found is MISSING else found
    if op == "present":
        # A key is present when the object has it, even as null; anything else when it is there and not null.
        steps = _steps(path)
        keyed = bool(steps) and isinstance(steps[-1], str)
        exists = found is not MISSING and (keyed or found is not None)
        return exists == bool(value)
    if op == "equals":
        return _same(current, value)
    if op == "not_equals":
        return not _same(current, value)
    if op == "in":
        return current in tuple(value)
    if op == "contains":
        return isinstance(current, list | tuple | str) and value in current
    if op == "any_contains":
        return isinstance(current, list | tuple) and any(
            isinstance(part, list | tuple | str) and value in part for part in current
        )
    if op == "empty":
        return (current in _EMPTY_VALUES) == bool(value)
    raise PayloadError(f"unknown predicate operator {op!r}")


def satisfy(node: Any, predicates: Iterable[Predicate]) -> None:
    """Change ``node`` as little as needed for every predicate to hold (those that hold already are left alone)."""
    for predicate in predicates:
        if holds(node, predicate):
            continue
        path, op, value = predicate
        current = get_path(node, path)
        if op == "equals":
            set_path(node, path, value)
        elif op == "in":
            set_path(node, path, tuple(value)[0])
        elif op == "present":
            if value:
                set_path(node, path, "x")
            else:
                delete_path(node, path)
        elif op == "not_equals":
            delete_path(node, path)  # a missing field is never equal
        elif op == "contains":
            if isinstance(current, list):
                current.append(value)
            else:
                set_path(node, path, [value])
        elif op == "any_contains":
            if isinstance(current, list):
                current.append([value])
            else:
                set_path(node, path, [[value]])
        elif op == "empty":
            if value:
                delete_path(node, path)
            else:
                set_path(node, path, ["x"])
        else:
            raise PayloadError(f"unknown predicate operator {op!r}")


def violate(node: Any, predicates: Sequence[Predicate]) -> None:
    """Make the first of ``predicates`` fail for ``node`` (so a mapping filtering on all of them skips it).

    The field keeps existing where that is enough (``equals`` and ``in`` get ``null``, ``contains`` an empty list),
    so other mappings reading the same item still find it. No predicates: nothing to break, nothing changes.
    """
    if not predicates:
        return
    path, op, value = predicates[0]
    if op == "present":
        if value:
            delete_path(node, path)
        else:
            set_path(node, path, "x")
    elif op == "not_equals":
        set_path(node, path, value)
    elif op in ("contains", "any_contains"):
        set_path(node, path, [])
    elif op == "equals":
        set_path(node, path, "x" if value is None else None)
    elif op == "in":
        set_path(node, path, "x" if None in tuple(value) else None)
    elif op == "empty":
        set_path(node, path, ["x"] if value else [])
    else:
        raise PayloadError(f"unknown predicate operator {op!r}")


# ---------------------------------------------------------------------------------------------------- values


def encode(value: Any, value_type: str | None, original: Any = MISSING) -> Any:
    """``value`` as the exchange would write it, in the JSON type of ``original`` (the example's value there).

    Timestamps arrive in seconds and are scaled to the type's unit (kept a string when the example has a string);
    ``iso8601`` becomes ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``. Otherwise the value follows the example: a boolean stays
    a boolean (``"true"`` -> True), whole numbers stay integers, numbers stay numbers, decimals become strings.
    """
    if value_type in _TIMESTAMP_SCALES:
        scaled = int(Decimal(str(value)) * _TIMESTAMP_SCALES[value_type])
        return str(scaled) if isinstance(original, str) else scaled
    if value_type == "timestamp_s":
        return str(value) if isinstance(original, str) else value
    if value_type == "iso8601":
        return datetime.fromtimestamp(float(value), UTC).isoformat().replace("+00:00", "Z")
    if isinstance(original, bool):
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if isinstance(value, bool):
        return value
    if isinstance(original, int) and str(value).lstrip("-").isdigit():
        return int(str(value))
    if isinstance(original, int | float) and not isinstance(value, str):
        return float(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def decimals_of_step(step: Decimal) -> int:
    """The count of decimals n whose step 10^-n is ``step`` (``0.01`` -> 2); ValueError for another number."""
    normal = step.normalize()
    exponent = normal.as_tuple().exponent
    if normal.as_tuple().digits != (1,) or not isinstance(exponent, int) or exponent > 0:
        raise PayloadError(f"{step} is not a step of decimals (10^-n)")
    return -exponent


def _plain(number: Decimal) -> Decimal:
    """``number`` without trailing zeros and never in exponent form (``10000``, not ``1E+4``)."""
    normal = number.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def _number(value: Any) -> Decimal:
    return Decimal(0) if value is MISSING or value is None or value == "" else Decimal(str(value))


def fill_item(item: Any, root: Any, writers: Mapping[str, Writer], values: Mapping[str, Any]) -> None:
    """Write each of ``values`` (field name -> value as the connector sees it) where ``writers`` say it is read.

    ``item`` is the ``each`` item (or the whole message), ``root`` the message (for ``"$"`` paths). Fields without
    a writer and None values are skipped. Direct fields (``path``, ``first_nonempty``) are written first; then each
    computed field (``sum``, ``difference``, ``product``) puts the rest of its value into the last of its paths no
    direct field wrote (the other free paths get 0, or 1 in a product). A computed field whose paths are all written
    by direct fields is left as they make it (``quote_amount = amount * price``).
    """

    def target(path: Path) -> Any:
        return root if is_root_path(path) else item

    def write(path: Path, raw: Any, value_type: str | None) -> None:
        node = target(path)
        set_path(node, path, encode(raw, value_type, get_path(node, path)))

    written: set[Path] = set()
    computed: list[tuple[Writer, Any]] = []
    for name, value in values.items():
        writer = writers.get(name)
        if writer is None or value is None:
            continue
        op, paths, value_type, inverse = writer
        if op in COMPUTED_OPS:
            computed.append((writer, value))
            continue
        if op == "negate":
            write(paths[0], _plain(-Decimal(str(value))), value_type)
            written.add(paths[0])
            continue
        if op == "step_of_decimals":
            write(paths[0], decimals_of_step(Decimal(str(value))), "int")
            written.add(paths[0])
            continue
        if op == CASES_OP:
            _write_case(item, root, name, value, inverse)
            continue
        if op not in DIRECT_OPS:
            raise PayloadError(f"field {name!r}: unknown writer op {op!r}")
        raw = inverse.get(str(value), value) if inverse else value
        for path in paths:
            write(path, raw, value_type)
            written.add(path)
    for (op, paths, value_type, _), value in computed:
        free = [path for path in paths if path not in written]
        if not free:
            continue
        fixed = {path: _number(get_path(target(path), path)) for path in paths if path in written}
        wanted = Decimal(str(value))
        neutral = Decimal(1) if op == "product" else Decimal(0)
        if op == "sum":
            receiver, rest = free[-1], wanted - sum(fixed.values(), Decimal(0))
        elif op == "product":
            product = Decimal(1)
            for term in fixed.values():
                product *= term
            receiver, rest = free[-1], (wanted / product if product else wanted)
        elif paths[0] in free:  # difference: the minuend is free, the subtrahends are written or 0
            receiver, rest = paths[0], wanted + sum(fixed.values(), Decimal(0))
        else:
            subtrahends = sum((fixed[p] for p in paths[1:] if p in fixed), Decimal(0))
            receiver, rest = free[-1], fixed[paths[0]] - subtrahends - wanted
        for path in free:
            term = rest if path == receiver else neutral
            write(path, _plain(term), value_type)


def _write_case(item: Any, root: Any, name: str, value: Any, plans: Mapping[str, Any] | None) -> None:
    """Make the case that gives ``value`` the first to hold: satisfy its predicates, then break in every earlier
    case that still holds a predicate on a field the chosen case does not constrain."""
    plan = (plans or {}).get(str(value))
    if plan is None:
        raise PayloadError(f"field {name!r}: no case gives {value!r}")
    wanted, earlier = plan

    def node(predicate: Predicate) -> Any:
        return root if is_root_path(predicate[0]) else item

    def satisfy_all() -> None:
        for predicate in wanted:
            satisfy(node(predicate), [predicate])

    satisfy_all()
    constrained = {predicate[0] for predicate in wanted}
    for predicates in earlier:
        if not all(holds(node(p), p) for p in predicates):
            continue
        free = [p for p in predicates if p[0] not in constrained]
        if not free:
            raise PayloadError(f"field {name!r}: an earlier case holds whenever the one giving {value!r} does")
        violate(node(free[0]), [free[0]])
    satisfy_all()


def _whole_message_value(message: Any, writers: Mapping[str, Writer], records: Sequence[Mapping[str, Any]]) -> Any:
    """The value that replaces the whole message when a field is the message itself (a path of no steps, ``$``:
    KuCoin's server time is the bare number inside its envelope), or :data:`MISSING` when no field is."""
    for name, (op, paths, value_type, inverse) in writers.items():
        if op not in DIRECT_OPS or not any(not _steps(path) for path in paths):
            continue
        values = [record[name] for record in records if record.get(name) is not None]
        if not values:
            continue
        if len(records) != 1 or any(_steps(path) for path in paths) or len(writers) > 1:
            raise PayloadError(f"field {name!r} is the whole message, which then carries nothing else")
        raw = inverse.get(str(values[0]), values[0]) if inverse else values[0]
        return encode(raw, value_type, message)
    return MISSING


def build(
    example: Any,
    each: Path | None,
    writers: Mapping[str, Writer],
    records: Sequence[Mapping[str, Any]],
    *,
    satisfy_filter: Sequence[Predicate] = (),
    violate_filters: Sequence[Sequence[Predicate]] = (),
    invalid: Sequence[Mapping[str, Any]] = (),
    remove: Sequence[Path] = (),
) -> Any:
    """A copy of ``example`` carrying ``records``; ``example`` itself is never changed.

    ``each`` is where the mapping's items are: None for a message that is one record (then every record is written
    into the one message), ``()`` for a message that is the list itself, else the path of the list. The first item
    of the example's list is the template of every built item; the built items replace the list.

    Every item is made to ``satisfy_filter`` and to break the first predicate of each of ``violate_filters`` (so
    that other mappings of the same message skip it). ``invalid`` records are appended after the valid ones with
    ``satisfy_filter`` broken (the mapping must skip them). ``remove`` paths are deleted from every built item (to
    make it unparsable).
    """
    if example is None:
        message: Any = [] if each == () else {}
    else:
        message = copy.deepcopy(example)
    if each is None:
        if invalid:
            raise PayloadError("invalid records need a list of items (each), but the message is one record")
        whole = _whole_message_value(message, writers, records)
        if whole is not MISSING:
            return whole
        for record in records:
            satisfy(message, satisfy_filter)
            for predicates in violate_filters:
                violate(message, predicates)
            fill_item(message, message, writers, record)
        for path in remove:
            delete_path(message, path)
        return message
    if each and each[-1] == VALUES:
        return _build_keyed(message, each[:-1], writers, records, satisfy_filter, violate_filters, invalid, remove)
    items = get_path(message, each)
    template = items[0] if isinstance(items, list) and items else {}
    built = []
    for record, valid in [*((r, True) for r in records), *((r, False) for r in invalid)]:
        item = copy.deepcopy(template)
        satisfy(item, satisfy_filter)
        for predicates in violate_filters if valid else (*violate_filters, satisfy_filter):
            violate(item, predicates)
        fill_item(item, message, writers, record)
        for path in remove:
            delete_path(item, path)
        built.append(item)
    if each == ():
        return built
    set_path(message, each, built)
    return message


def _build_keyed(
    message: Any,
    at: Path,
    writers: Mapping[str, Writer],
    records: Sequence[Mapping[str, Any]],
    satisfy_filter: Sequence[Predicate],
    violate_filters: Sequence[Sequence[Predicate]],
    invalid: Sequence[Mapping[str, Any]],
    remove: Sequence[Path],
) -> Any:
    """:func:`build` for a keyed mapping: the items are the values of the object at ``at``, each under the key its
    record gives to the field read at ``$key`` (the example's first key, numbered, when no record field is)."""
    key_path: Path = (ITEM_KEY,)
    key_fields = [name for name, (op, paths, _, _) in writers.items() if op in DIRECT_OPS and key_path in paths]
    item_writers = {
        name: (op, tuple(p for p in paths if p != key_path), value_type, inverse)
        for name, (op, paths, value_type, inverse) in writers.items()
        if op not in DIRECT_OPS or any(p != key_path for p in paths)
    }
    items = get_path(message, at) if at else message
    first_key, template = next(iter(items.items())) if isinstance(items, dict) and items else ("item", {})
    built: dict[str, Any] = {}
    for index, (record, valid) in enumerate([*((r, True) for r in records), *((r, False) for r in invalid)]):
        item = copy.deepcopy(template)
        satisfy(item, satisfy_filter)
        for predicates in violate_filters if valid else (*violate_filters, satisfy_filter):
            violate(item, predicates)
        fill_item(item, message, item_writers, record)
        for path in remove:
            delete_path(item, path)
        key = next((record[name] for name in key_fields if record.get(name) is not None), None)
        if key is not None:
            inverse = writers[key_fields[0]][3]
            key = inverse.get(str(key), key) if inverse else key
        built[str(key) if key is not None else (first_key if index == 0 else f"{first_key}-{index}")] = item
    if not at:
        return built
    set_path(message, at, built)
    return message
