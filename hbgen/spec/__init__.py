"""The spec front end: load (with positions) -> validate (schema, then semantics) -> model.

Typical use::

    from hbgen.spec import load_spec, SpecError
    spec = load_spec("specs/binance.yaml")   # ConnectorSpec, or SpecError with every diagnostic
"""

from hbgen.spec.errors import Diagnostic, SpecError
from hbgen.spec.model import ConnectorSpec, build_model
from hbgen.spec.pipeline import check_document, check_file, check_text, load_spec

__all__ = [
    "ConnectorSpec",
    "Diagnostic",
    "SpecError",
    "build_model",
    "check_document",
    "check_file",
    "check_text",
    "load_spec",
]
