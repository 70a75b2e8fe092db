"""The render step (context/repomap/render.py): requests, personalization, and the completion path's
cache that never waits for a slow render."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from context.repomap import render as maprendering
from context.repomap.index import RepoMap
from context.repomap.render import MapRequest, RenderCache, personalization

REPOMAP_WORKSPACE = Path(__file__).parents[2] / "workspaces" / "repomap"


def test_requests_are_normalised() -> None:
    one = MapRequest.of(100, focus_files=["b.py", "a.py", "a.py"], mentioned_idents=["X"])
    assert one == MapRequest.of(100, focus_files=("a.py", "b.py"), mentioned_idents={"X"})
    assert one.focus == ("a.py", "b.py") and hash(one) == hash(
        MapRequest.of(100, focus_files=["a.py", "b.py"], mentioned_idents=["X"])
    )


def test_personalization_takes_the_highest_role_and_mentioned_stems() -> None:
    paths = {"pkg/session.py", "pkg/engine.py", "pkg/other.py"}
    request = MapRequest.of(
        10,
        focus_files=["pkg/engine.py"],
        open_files=["pkg/engine.py", "pkg/other.py", "gone.py"],
        mentioned_idents=["Session"],
    )
    assert personalization(paths, request) == {"pkg/engine.py": 1.0, "pkg/other.py": 0.5, "pkg/session.py": 0.3}


def wait_for(condition: object, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_ready_waits_for_quick_renders_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maprendering, "QUICK_RENDER_S", 60.0)  # every render counts as quick
    repo_map = RepoMap(REPOMAP_WORKSPACE, tmp_path / "cache", workers=1)
    repo_map.index_sync()
    focus = ["shop/checkout.py"]
    fresh = repo_map.render(300, focus_files=focus)
    assert repo_map.render_ready(300, focus_files=focus) == fresh  # cached
    text = (REPOMAP_WORKSPACE / "shop" / "models.py").read_text(encoding="utf-8")
    repo_map.update_file("shop/models.py", text + "\n\ndef quick_new_function(order):\n    return order\n")
    assert repo_map.render_ready(300, focus_files=focus) == repo_map.render(300, focus_files=focus)  # quick: waited

    monkeypatch.setattr(maprendering, "QUICK_RENDER_S", -1.0)  # every render now counts as slow
    before = repo_map.render(300, focus_files=focus)
    repo_map.update_file("shop/cart.py", "def checkout_total(order):\n    return quick_new_function(order)\n")
    assert repo_map.render_ready(300, focus_files=focus) == before  # the last map, at once
    after = repo_map.render(300, focus_files=focus)
    assert "class ShoppingCart" in before and "class ShoppingCart" not in after  # the current map...
    wait_for(lambda: repo_map.render_ready(300, focus_files=focus) == after)  # ...which ready gives once made
    # a new request with nothing of its own: the latest map of the same budget and model, then its own
    other = repo_map.render_ready(300, focus_files=["web/src/api.ts"])
    assert other == after
    wait_for(
        lambda: (
            repo_map.render_ready(300, focus_files=["web/src/api.ts"])
            == repo_map.render(300, focus_files=["web/src/api.ts"])
        )
    )
    assert repo_map.render_ready(77, focus_files=focus) is None  # no map of that budget yet
    wait_for(lambda: repo_map.render_ready(77, focus_files=focus) is not None)


def test_background_renders_coalesce_and_failures_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    started = threading.Event()
    release = threading.Event()
    calls: list[int] = []

    def slow_render(request: MapRequest) -> str:
        calls.append(request.budget)
        started.set()
        release.wait(10)
        if request.budget == 3:
            raise RuntimeError("boom")
        cache.put(0, request, f"map {request.budget}", 1.0, 10)
        return f"map {request.budget}"

    cache = RenderCache(slow_render)
    cache.put(0, MapRequest.of(9), "old", 1.0, 10)  # slow: ready never waits from now on
    assert cache.ready(1, MapRequest.of(1), 10) is None
    assert started.wait(10)
    assert cache.ready(1, MapRequest.of(2), 10) is None  # queued behind the running render
    assert cache.ready(1, MapRequest.of(3), 10) is None  # replaces 2: the newest wins
    with caplog.at_level(logging.ERROR, logger="context.repomap.render"):
        release.set()
        wait_for(lambda: "rendering in the background failed" in caplog.text)
    assert calls == [1, 3]
    assert cache.ready(0, MapRequest.of(1), 10) == "map 1"


def test_nothing_is_rendered_in_the_background_while_indexing() -> None:
    calls: list[MapRequest] = []

    def render(request: MapRequest) -> str:
        calls.append(request)
        return "map"

    cache = RenderCache(render)
    cache.put(0, MapRequest.of(5), "old", 1.0, 10)  # slow renders
    assert cache.ready(1, MapRequest.of(5), 10, refresh=False) == "old"
    time.sleep(0.2)
    assert calls == []
    assert cache.ready(1, MapRequest.of(5), 10) == "old"
    wait_for(lambda: calls == [MapRequest.of(5)])


def test_while_indexing_a_map_made_earlier_is_used_even_when_renders_are_quick() -> None:
    """A render during a cold index would flush the graph early (every later install is then an
    incremental update): one is made only when there is no map at all yet."""
    calls: list[MapRequest] = []

    def render(request: MapRequest) -> str:
        calls.append(request)
        return f"map {len(calls)}"

    cache = RenderCache(render)
    assert cache.ready(0, MapRequest.of(5), 10, refresh=False) == "map 1"  # none yet: rendered (quick)
    cache.put(0, MapRequest.of(5), "map 1", 0.001, 10)
    assert cache.ready(1, MapRequest.of(5), 15, refresh=False) == "map 1"  # quick, but indexing: the last one
    assert cache.ready(2, MapRequest.of(5, focus_files=["a.py"]), 15, refresh=False) == "map 1"  # same budget
    assert len(calls) == 1
    assert cache.ready(3, MapRequest.of(5), 15) == "map 2"  # indexing over: rendered again (quick)


def test_a_quick_render_on_few_files_says_nothing_about_many() -> None:
    calls: list[MapRequest] = []

    def render(request: MapRequest) -> str:
        calls.append(request)
        return "new"

    cache = RenderCache(render)
    cache.put(0, MapRequest.of(5), "early", 0.001, 100)  # quick, early in a cold index
    assert cache.ready(1, MapRequest.of(5), 150) == "new" and len(calls) == 1  # about as many files: rendered now
    assert cache.ready(2, MapRequest.of(5), 50_000) == "early"  # far more: the last map, at once...
    wait_for(lambda: len(calls) == 2)  # ...and the current one in the background
