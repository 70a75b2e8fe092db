"""Cursor-aware retrieval on a fixture package (tests/workspaces/retrieval): imports relative and
absolute, aliases, a re-export in ``__init__``, a star import, a builtin-shadowing name, a base class
in another file; nothing from an ignored folder, secrets redacted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from context.packing.candidates import DEFINITIONS
from context.packing.cursor import cursor_context
from context.packing.cursor_retrieval import cursor_definitions
from context.packing.pack import pack_completion_context
from context.packing.workspace import RepoMapView
from context.repomap.index import RepoMap
from context.source.document import Document

FIXTURE = Path(__file__).parents[2] / "workspaces" / "retrieval"
SERVICE = "shop/orders/service.py"
CURSOR = (18, 8)  # the blank line in Order.total


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> RepoMapView:
    root = tmp_path_factory.mktemp("retrieval") / "ws"
    shutil.copytree(FIXTURE, root)
    repo_map = RepoMap(root, None, workers=1)
    repo_map.index_sync()
    return RepoMapView(repo_map, ready_maps=False)


def service(view: RepoMapView) -> Document:
    path = view.repo_map.root / SERVICE
    return Document(str(path), path.read_text(encoding="utf-8"))


def found(view: RepoMapView) -> dict[tuple[str, str], float]:
    doc = service(view)
    hits = cursor_definitions(doc, cursor_context(doc, CURSOR), view)
    return {(hit.tag.path, hit.tag.name): hit.score for hit in hits}


def test_imports_resolve_to_their_definitions(view: RepoMapView) -> None:
    hits = found(view)
    assert ("shop/models.py", "Record") in hits  # from ..models import Record (relative)
    assert ("shop/models.py", "Customer") in hits  # from shop import Customer as Buyer (re-export, alias)
    assert ("shop/pricing.py", "apply_discount") in hits  # star import, and prices.apply_discount (module alias)
    assert ("shop/orders/compat.py", "open") in hits  # shadows the builtin, imported: found
    assert ("shop/orders/registry.py", "registry") in hits  # from .registry import registry


def test_attributes_resolve_through_the_hierarchy_and_annotations(view: RepoMapView) -> None:
    hits = found(view)
    assert ("shop/models.py", "save") in hits  # self.save(): Order(Record) inherits it
    assert ("shop/orders/registry.py", "owner_of") in hits  # registry: Registry = ...; registry.owner_of


def test_nearer_names_rank_higher(view: RepoMapView) -> None:
    hits = found(view)
    assert hits[("shop/models.py", "save")] > hits[("shop/models.py", "delete")]


def test_nothing_from_ignored_files(view: RepoMapView) -> None:
    assert not any(path.startswith("vendor/") for path, _ in found(view))
    doc = service(view)
    packed = pack_completion_context(doc, CURSOR, 2048, "gpt-4o", workspace=view)
    assert "hidden_helper(value" not in packed.render()


def test_packed_signatures_carry_class_and_docstring_and_no_secret(view: RepoMapView) -> None:
    doc = service(view)
    packed = pack_completion_context(doc, CURSOR, 2048, "gpt-4o", workspace=view)
    definitions = next(s.text for s in packed.sections if s.title == DEFINITIONS)
    assert "shop/models.py:\n" in definitions
    assert "  class Record:  # Something stored in the database.\n" in definitions
    assert "    def save(self, validate: bool = True) -> None:  # Write the record." in definitions
    assert "def apply_discount(amount: float, percent: float) -> float:  # Take `percent` off `amount`." in definitions
    assert "sk-ant-api03-Q7x9" not in packed.render()


def test_same_state_same_bytes(view: RepoMapView) -> None:
    doc = service(view)
    first = pack_completion_context(doc, CURSOR, 700, "gpt-4o", workspace=view)
    again = pack_completion_context(
        doc.copy(), CURSOR, 700, "gpt-4o", workspace=RepoMapView(view.repo_map, ready_maps=False)
    )
    assert first.to_json_text() == again.to_json_text()
