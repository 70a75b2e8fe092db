"""The server's garbage-collection policy (server/lsp/gcpolicy.py): held while indexing, then one
collection and a freeze; holds nest; releasing twice is harmless."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from server.lsp import gcpolicy


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def a_cycle() -> weakref.ref[Node]:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_a_hold_turns_collection_off_and_its_end_collects_and_freezes() -> None:
    gc.enable()
    release = gcpolicy.hold()
    assert not gc.isenabled() and gcpolicy.holding()
    cycle = a_cycle()
    release()
    assert gc.isenabled() and not gcpolicy.holding()
    assert cycle() is None  # the end of the hold collected the cycle made during it
    assert gc.get_freeze_count() > 1000  # and froze what was left
    release()  # harmless
    assert gc.isenabled() and not gcpolicy.holding()


def test_holds_nest() -> None:
    gc.enable()
    outer, inner = gcpolicy.hold(), gcpolicy.hold()
    outer()
    assert not gc.isenabled() and gcpolicy.holding()  # the inner hold is still on
    inner()
    assert gc.isenabled() and not gcpolicy.holding()


def test_a_hold_keeps_collection_off_if_it_was_off() -> None:
    gc.disable()
    with gcpolicy.collections_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_hold_unfreezes_so_that_frozen_cycles_can_be_collected() -> None:
    cycle = a_cycle()
    gc.freeze()  # as the end of an earlier hold does
    with gcpolicy.collections_paused():
        assert gc.get_freeze_count() == 0
    assert cycle() is None


def test_freezing_waits_for_the_end_of_a_hold() -> None:
    gc.unfreeze()
    with gcpolicy.collections_paused():
        gcpolicy.freeze_long_lived()
        assert gc.get_freeze_count() == 0
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    gcpolicy.freeze_long_lived()
    assert gc.get_freeze_count() > 0
