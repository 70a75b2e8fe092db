"""The render's parsing helper (context/repomap/parse_helper.py, context/repomap/prefetch.py): the same definitions
as parsing here, the same maps, and a fallback when it fails."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import pytest

from context.repomap import indexing as repomap
from context.repomap import parse_helper as defsworker
from context.repomap import workers as mapworkers
from context.repomap.index import RepoMap
from context.repomap.lex_helper import content_digest, read_checked
from context.repomap.outline import render_definitions
from context.repomap.parse_helper import DefinitionsHelper, definition_rows
from context.repomap.prefetch import RenderPrefetch
from context.repomap.records import FileRecord
from context.repomap.tagcache import encode_rows
from context.source.languages import language_for_path
from context.source.symbols import Tag, extract_definitions
from tests.context.repomap.test_lex_helper import REPOMAP_WORKSPACE, SOURCES, WORKSPACES

FAILING_HELPERS = {
    "crash": "import sys; sys.stderr.write('boom'); sys.exit(3)",
    "garbage": "import sys; sys.stdin.buffer.read(8); sys.stdout.write('x' * 20); sys.stdout.flush()",
    "silent": "import sys, time; sys.stdin.buffer.read(8); time.sleep(30)",
}


def request_for(path: str, language: str) -> tuple[str, str, str]:
    data, _ = read_checked(str(WORKSPACES / path))
    assert data is not None
    return path, language, content_digest(data)


def expected_rows(path: str, language: str) -> bytes:
    return encode_rows(extract_definitions((WORKSPACES / path).read_bytes(), language, path))


def test_fixtures_cover_several_languages() -> None:
    assert len({language for _, language in SOURCES}) >= 5


def test_definition_rows_equal_parsing_here(tmp_path: Path) -> None:
    for path, language in SOURCES:
        assert definition_rows(str(WORKSPACES), request_for(path, language)) == expected_rows(path, language)
    (tmp_path / "binary.py").write_bytes(b"def f():\0 pass\n")
    (tmp_path / "plain.py").write_text("def f():\n    pass\n")
    assert definition_rows(str(tmp_path), ("binary.py", "python", content_digest(b"def f():\0 pass\n"))) is None
    assert definition_rows(str(tmp_path), ("missing.py", "python", "0" * 32)) is None
    assert definition_rows(str(tmp_path), ("plain.py", "python", "0" * 32)) is None  # changed since indexing
    assert (
        definition_rows(str(tmp_path), ("plain.py", "nosuchlanguage", content_digest(b"def f():\n    pass\n"))) is None
    )


def test_helper_process_answers_what_parsing_here_gives() -> None:
    helper = DefinitionsHelper.start(str(WORKSPACES), ["python", "go"])
    assert helper is not None
    try:
        for path, language in SOURCES:
            helper.enqueue([request_for(path, language)])  # the helper is idle: it takes it at once
            assert helper.pending() <= 1  # in flight, or answered already
            assert helper.take(path, lambda other: pytest.fail(f"nothing else is queued ({other})")) == expected_rows(
                path, language
            )
        assert helper.usable and helper.pending() == 0
    finally:
        helper.close()
    assert not helper.usable


def test_the_caller_works_on_queued_files_while_it_waits() -> None:
    helper = DefinitionsHelper.start(str(WORKSPACES), [])
    assert helper is not None
    parsed_here: list[str] = []
    try:
        helper.enqueue([request_for(path, language) for path, language in SOURCES])
        rows = {path: helper.take(path, parsed_here.append) for path, _ in SOURCES}
    finally:
        helper.close()
    answered = {path for path, blob in rows.items() if blob is not None}
    assert SOURCES[0][0] in answered  # the first file was in flight: waited for
    assert not answered & set(parsed_here)  # a file is parsed once, by one side
    for path, language in SOURCES:
        if path in answered:
            assert rows[path] == expected_rows(path, language)
    assert len(set(parsed_here)) == len(parsed_here)


@pytest.mark.parametrize("name", sorted(FAILING_HELPERS))
def test_a_failed_helper_is_logged_and_the_caller_parses(
    name: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(defsworker, "ANSWER_TIMEOUT_S", 0.3)
    helper = DefinitionsHelper.start(str(WORKSPACES), [], command=[sys.executable, "-c", FAILING_HELPERS[name]])
    assert helper is not None
    path, language = SOURCES[0]
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="context.repomap.parse_helper"):
        helper.enqueue([request_for(path, language)])
        assert helper.take(path, lambda other: None) is None
        helper.close()
    assert time.monotonic() - started < 10
    assert "parsing helper failed" in caplog.text and not helper.usable and helper.pending() == 0


def test_a_helper_that_cannot_start_gives_none(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="context.repomap.parse_helper"):
        assert DefinitionsHelper.start(str(WORKSPACES), [], command=[str(WORKSPACES / "no-such-interpreter")]) is None
    assert "cannot start" in caplog.text


def slow_records(paths: list[str], parsed_here: list[str]) -> dict[str, FileRecord]:
    """Records whose own definitions loader is slow (so that the helper surely answers some)."""

    def load_defs(record: FileRecord) -> list[Tag]:
        parsed_here.append(record.path)
        time.sleep(0.15)
        language = language_for_path(record.path)
        assert language is not None
        return extract_definitions((WORKSPACES / record.path).read_bytes(), language, record.path)

    def no_rows(record: FileRecord) -> bytes:
        raise AssertionError("rendering needs definitions only")

    records = {}
    for path in paths:
        data = (WORKSPACES / path).read_bytes()
        records[path] = FileRecord(path, content_digest(data), {}, {}, no_rows, load_defs)
    return records


def test_prefetched_render_equals_parsing_here() -> None:
    ranked: list[tuple[float, str, str]] = []
    for i, (path, language) in enumerate(SOURCES):
        if language == "python":
            for tag in extract_definitions((WORKSPACES / path).read_bytes(), language, path):
                ranked.append((float(1000 - i), path, tag.name))
    python = sorted({path for _, path, _ in ranked})[:8]
    ranked = [item for item in ranked if item[1] in python]
    here: list[str] = []
    plain = slow_records(python, here)
    expected = render_definitions(ranked, lambda p, n: plain[p].definitions_with_chain(n), 10_000)
    assert len(here) == len(python)
    helper = DefinitionsHelper.start(str(WORKSPACES), ["python"])
    assert helper is not None
    try:
        parsed_here: list[str] = []
        records = slow_records(python, parsed_here)
        prefetch = RenderPrefetch(helper, records, lambda path: False, language_for_path, None)
        text = render_definitions(prefetch.ranked(ranked), prefetch.definitions_of, 10_000)
        prefetch.finish()
    finally:
        helper.close()
    assert text == expected and sum(not line.startswith(" ") for line in text.splitlines()) == len(python)
    assert prefetch.from_helper >= 1 and prefetch.from_helper + len(parsed_here) == len(python)
    assert len(set(parsed_here)) == len(parsed_here)


def snapshot(repo_map: RepoMap) -> tuple[str, ...]:
    return (
        repo_map.render(400),
        repo_map.render(250, focus_files=["shop/checkout.py"]),
        repo_map.render(120, open_files=["engine/core.py"]),
    )


def cold_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str] | None = None) -> RepoMap:
    """A cold index of the fixture with both helpers (the lexing helper's threshold lowered)."""
    monkeypatch.setattr(repomap, "PARALLEL_MIN_FILES", 2)
    if command is not None:
        start = DefinitionsHelper.start
        monkeypatch.setattr(DefinitionsHelper, "start", lambda root, languages: start(root, languages, command))
    repo_map = RepoMap(REPOMAP_WORKSPACE, tmp_path / "two", workers=2)
    assert repo_map.index_sync().complete
    return repo_map


def helper_of(repo_map: RepoMap) -> DefinitionsHelper | None:
    return repo_map.helpers.parsing


def test_repo_map_with_the_parsing_helper_equals_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = RepoMap(REPOMAP_WORKSPACE, tmp_path / "one", workers=1)
    one.index_sync()
    assert helper_of(one) is None
    repo_map = cold_map(tmp_path, monkeypatch)
    helper = helper_of(repo_map)
    assert helper is not None and helper.usable
    assert snapshot(repo_map) == snapshot(one)
    assert repo_map.definitions("Cart") == one.definitions("Cart")
    repo_map.helpers.stop()
    assert helper_of(repo_map) is None and not helper.usable


@pytest.mark.parametrize("name", ["crash", "garbage"])
def test_repo_map_renders_the_same_when_the_parsing_helper_fails(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    one = RepoMap(REPOMAP_WORKSPACE, tmp_path / "one", workers=1)
    one.index_sync()
    with caplog.at_level(logging.WARNING, logger="context.repomap.parse_helper"):
        repo_map = cold_map(tmp_path, monkeypatch, [sys.executable, "-c", FAILING_HELPERS[name]])
        assert snapshot(repo_map) == snapshot(one)
    assert "parsing helper failed" in caplog.text


def test_the_parsing_helper_stops_on_its_own_and_at_the_background_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mapworkers, "PARSING_LIFETIME_S", 0.2)
    repo_map = cold_map(tmp_path, monkeypatch)
    helper = helper_of(repo_map)
    assert helper is not None
    deadline = time.monotonic() + 10
    while helper.usable and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not helper.usable and helper_of(repo_map) is None
    monkeypatch.setattr(mapworkers, "PARSING_LIFETIME_S", 60.0)
    again = cold_map(tmp_path / "again", monkeypatch)
    helper = helper_of(again)
    assert helper is not None
    again.parse_remaining_sync()
    assert not helper.usable and helper_of(again) is None
