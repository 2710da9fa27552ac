"""load -> validate -> model, with every problem collected as diagnostics.

:func:`check_file` returns the model (or None) and all diagnostics; :func:`load_spec` returns the model or raises
:class:`SpecError`. Test vectors are checked last, against the built model, with the reference signer.
"""

from __future__ import annotations

import binascii
import dataclasses
from pathlib import Path

from hbgen.spec.errors import Diagnostic, SpecError
from hbgen.spec.gateway import GatewayConnectorSpec, build_gateway_model, gateway_diagnostics
from hbgen.spec.includes import load_composed, load_composed_text
from hbgen.spec.loader import LoadedDocument
from hbgen.spec.model import ConnectorSpec, build_model
from hbgen.spec.schema import schema_diagnostics
from hbgen.spec.signer import SigningInput, sign, sign_passphrase
from hbgen.spec.validate import semantic_diagnostics

__all__ = ["AnySpec", "check_document", "check_file", "check_text", "load_spec", "vector_diagnostics"]


def vector_diagnostics(model: ConnectorSpec, doc: LoadedDocument) -> list[Diagnostic]:
    """Recompute every test vector with its recipe; a mismatch is reported at the vector's expected value."""
    out: list[Diagnostic] = []
    if model.auth is None:
        return out
    for i, vec in enumerate(model.auth.test_vectors):
        recipe = model.auth.recipes[vec.recipe]
        if recipe.hook is not None:
            continue  # a hooked recipe is checked by the hook's own generated test
        inp = SigningInput(
            secret=vec.secret,
            api_key=vec.api_key,
            passphrase=vec.passphrase,
            timestamp=vec.timestamp,
            nonce=vec.nonce,
            recv_window=vec.recv_window,
            method=vec.method,
            path=vec.path,
            query=vec.query,
            body=vec.body,
            params=vec.params,
        )
        base: list[str | int] = ["auth", "test_vectors", i]
        try:
            got = sign(recipe, inp)
        except (binascii.Error, ValueError):
            out.append(doc.diag(base + ["secret"], "the secret is not valid base64 (recipe secret_encoding is base64)"))
            continue
        if got != vec.expected:
            out.append(doc.diag(base + ["expected"], f"signature mismatch: recipe {vec.recipe} produces {got}"))
        if vec.expected_passphrase is not None:
            got_pass = sign_passphrase(recipe, vec.secret, vec.passphrase)
            if got_pass != vec.expected_passphrase:
                msg = f"passphrase mismatch: recipe {vec.recipe} produces {got_pass}"
                out.append(doc.diag(base + ["expected_passphrase"], msg))
    return out


#: The model of any connector type: spot (and perpetual) specs build a ConnectorSpec, gateway specs their own.
AnySpec = ConnectorSpec | GatewayConnectorSpec


def check_document(doc: LoadedDocument) -> tuple[AnySpec | None, list[Diagnostic]]:
    """Validate a loaded document and build its model; the model is None when any diagnostic was found."""
    diagnostics = list(doc.diagnostics)
    if doc.data is None:
        return None, sorted(set(diagnostics))
    if not isinstance(doc.data, dict):
        diagnostics.append(doc.diag([], "expected a mapping at the top of the spec"))
        return None, sorted(set(diagnostics))
    diagnostics += schema_diagnostics(doc)
    if doc.data.get("type") == "gateway":
        diagnostics += gateway_diagnostics(doc)
        if diagnostics:
            return None, sorted(set(diagnostics))
        return build_gateway_model(doc.data, doc.file), []
    diagnostics += semantic_diagnostics(doc)
    if diagnostics:
        return None, sorted(set(diagnostics))
    model = build_model(doc.data, doc.file)
    if doc.fragments:
        model = dataclasses.replace(model, fragments=tuple((s.relative, s.sha256) for s in doc.fragments))
    diagnostics = vector_diagnostics(model, doc) + checksum_vector_diagnostics(model, doc)
    if diagnostics:
        return None, sorted(set(diagnostics))
    return model, []


def checksum_vector_diagnostics(model: ConnectorSpec, doc: LoadedDocument) -> list[Diagnostic]:
    """Recompute every book checksum vector with the runtime's algorithm; a mismatch is reported at the vector."""
    from hbrt.data_type.book_checksum import ChecksumContext, Crc32Checksum

    book = model.order_book
    checksum = book.checksum if book is not None else None
    if checksum is None or checksum.algorithm is None:
        return []
    algorithm = Crc32Checksum(
        checksum.levels,
        sides=checksum.sides,  # type: ignore[arg-type]  # the schema allows exactly the runtime's values
        joiner=checksum.joiner,
        numbers=checksum.numbers,  # type: ignore[arg-type]  # the schema allows exactly the runtime's values
        digits_only=checksum.digits_only,
    )
    out: list[Diagnostic] = []
    for i, vec in enumerate(checksum.vectors):
        context = ChecksumContext("vector", vec.price_decimals, vec.size_decimals)
        got = algorithm.of_levels(vec.bids, vec.asks, context)
        if got != vec.expected & 0xFFFFFFFF:
            signed = got - (1 << 32) if got >= 1 << 31 else got
            path: list[str | int] = ["order_book", "integrity", "checksum", "test_vectors", i, "expected"]
            out.append(doc.diag(path, f"checksum mismatch: the levels give {got} (signed {signed})"))
    return out


def check_file(path: str | Path, display_name: str | None = None) -> tuple[AnySpec | None, list[Diagnostic]]:
    """Load a spec file with the fragments it includes, and validate it."""
    return check_document(load_composed(path, display_name))


def check_text(
    text: str, file: str = "<spec>", base_dir: str | Path | None = None
) -> tuple[AnySpec | None, list[Diagnostic]]:
    """Load and validate spec text (``file`` names it in diagnostics; its includes are looked up next to ``file``,
    or in ``base_dir``)."""
    return check_document(load_composed_text(text, file, base_dir))


def load_spec(path: str | Path, display_name: str | None = None) -> AnySpec:
    """The model of a spec file; raises :class:`SpecError` with every diagnostic when it is invalid."""
    model, diagnostics = check_file(path, display_name)
    if model is None:
        raise SpecError(diagnostics)
    return model
