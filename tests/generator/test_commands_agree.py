"""``validate``, ``doctor`` and ``generate`` agree on what a spec lacks.

Every shipped spec is cut down piece by piece (a top-level key, an endpoint, a mapping, a websocket section, a private
event, a key of a section, a credential) and the three verdicts are compared on each copy: a spec that validates must
generate and pass doctor; a spec that does not validate must fail doctor. A fixed-seed sample of the cuts runs here
(the whole set, about 800, runs in about a minute with ``HBGEN_AGREE_ALL=1``), plus every private-event cut.

Found by this test: a spec declaring ``real_time_balance_updates: true`` with no private event that maps balances
validated and generated (a connector trusting a stream that never carries balances) while doctor reported the row
missing; the validator now rejects it, as doctor does.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from hbgen.doctor import diagnose
from hbgen.generator import GenerationError
from tests.generator.test_spec_keys_reach_code import base_doc, check, render

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(p.stem for p in (ROOT / "specs").glob("*.yaml"))
Cut = tuple[str, str, Callable[[dict[str, Any]], Any]]


def _cuts(name: str, doc: dict[str, Any]) -> Iterator[Cut]:
    for key in list(doc):
        if key not in ("name", "type", "spec_version"):
            yield name, f"-{key}", lambda d, k=key: d.pop(k)
    for section in ("endpoints", "mappings", "rate_limits", "hooks", "waivers"):
        for key in list(doc.get(section) or {}):
            yield name, f"-{section}.{key}", lambda d, s=section, k=key: d[s].pop(k)
    for side in ("public", "private"):
        ws = (doc.get("ws") or {}).get(side) or {}
        for key in list(ws):
            yield name, f"-ws.{side}.{key}", lambda d, s=side, k=key: d["ws"][s].pop(k)
        for group in ("events", "channels"):
            for key in list(ws.get(group) or {}):
                yield name, f"-ws.{side}.{group}.{key}", lambda d, s=side, g=group, k=key: d["ws"][s][g].pop(k)
    for section in ("orders", "symbols", "fees", "errors", "auth", "perpetual", "gateway", "order_book"):
        if isinstance(doc.get(section), dict):
            for key in list(doc[section]):
                yield name, f"-{section}.{key}", lambda d, s=section, k=key: d[s].pop(k)
    for i in range(len(doc.get("credentials") or [])):
        yield name, f"-credentials[{i}]", lambda d, i=i: d["credentials"].pop(i)


def _all_cuts() -> list[Cut]:
    cuts: list[Cut] = []
    for name in NAMES:
        doc = base_doc(name)
        doc.pop("include", None)  # already composed in
        cuts.extend(_cuts(name, doc))
    return cuts


def _selected() -> list[Cut]:
    cuts = _all_cuts()
    if os.environ.get("HBGEN_AGREE_ALL"):
        return cuts
    private_events = [c for c in cuts if c[1].startswith("-ws.private.events.")]
    rest = [c for c in cuts if c not in private_events]
    return private_events + random.Random(20261205).sample(rest, 80)


@pytest.fixture(scope="module")
def specs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    specs = tmp_path_factory.mktemp("agree") / "specs"
    shutil.copytree(ROOT / "specs" / "shared", specs / "shared")
    return specs


@pytest.mark.parametrize(("name", "label", "cut"), _selected(), ids=lambda v: v if isinstance(v, str) else "")
def test_validate_doctor_and_generate_agree(
    specs_dir: Path, name: str, label: str, cut: Callable[[dict[str, Any]], Any]
) -> None:
    doc = base_doc(name)
    doc.pop("include", None)
    cut(doc)
    path = specs_dir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(copy.deepcopy(doc), sort_keys=False), encoding="utf-8")
    doctor = diagnose(path, None).exit_code
    model, diagnostics = check(doc)
    if model is None:
        assert doctor != 0, f"{name} {label}: validate says {diagnostics[:2]} but doctor passes"
        return
    try:
        render(doc)
    except GenerationError as exc:
        pytest.fail(f"{name} {label}: validates but generate refuses it: {exc}")
    assert doctor == 0, f"{name} {label}: validates and generates but doctor exits {doctor}"
