"""The lexing helper process (context/repomap/lex_helper.py): same results as lexing here, fallback on failure."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from context.repomap import indexing as repomap
from context.repomap import lex_helper as lexworker
from context.repomap.index import RepoMap
from context.repomap.lex_helper import LexJob, content_digest, helper_share, lex_files, read_checked
from context.repomap.lexical import safe_lexical_names
from context.repomap.workers import MapWorkers
from context.source.languages import language_for_path

WORKSPACES = Path(__file__).parents[2] / "workspaces"
REPOMAP_WORKSPACE = WORKSPACES / "repomap"
SOURCES = sorted(
    (path.relative_to(WORKSPACES).as_posix(), language)
    for path in WORKSPACES.rglob("*")
    if path.is_file() and (language := language_for_path(path.as_posix())) is not None
)


@pytest.fixture
def helper_processes(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """The helper processes started during the test, as the OS sees them."""
    started: list[subprocess.Popen[bytes]] = []
    popen = subprocess.Popen

    def recording_popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    return started


def in_process(
    root: Path, items: list[tuple[str, str]]
) -> dict[str, tuple[str, dict[str, int], dict[str, int]] | None]:
    expected: dict[str, tuple[str, dict[str, int], dict[str, int]] | None] = {}
    for path, language in items:
        data, _ = read_checked(str(root / path))
        expected[path] = None if data is None else (content_digest(data), *safe_lexical_names(data, language))
    return expected


def test_fixtures_cover_several_languages() -> None:
    assert len({language for _, language in SOURCES}) >= 5


def test_lex_files_equals_lexing_here() -> None:
    rows = lex_files(str(WORKSPACES), SOURCES)
    assert [row[0] for row in rows] == [path for path, _ in SOURCES]
    assert {path: (digest, defs, refs) for path, digest, defs, refs in rows} == in_process(WORKSPACES, SOURCES)


def test_helper_process_gives_identical_results(tmp_path: Path) -> None:
    (tmp_path / "binary.py").write_bytes(b"def f():\0 pass\n")
    (tmp_path / "plain.py").write_text("class Cart:\n    def add(self, item):\n        return total(item)\n")
    items = [("binary.py", "python"), ("missing.py", "python"), ("plain.py", "python")]
    job = LexJob.start(str(tmp_path))
    assert job is not None
    job.submit(items)
    results = job.collect()
    assert results == in_process(tmp_path, items)
    assert results is not None and results["binary.py"] is None and results["plain.py"] is not None
    assert results["plain.py"][1] == {"Cart": 1, "add": 1}


def test_helper_process_on_every_fixture_file() -> None:
    job = LexJob.start(str(WORKSPACES))
    assert job is not None
    job.submit(SOURCES)
    assert job.collect() == in_process(WORKSPACES, SOURCES)


REPO_ROOT = Path(__file__).parents[3]
# answers its first two files in a valid frame, then crashes
PARTIAL_HELPER = (
    "import marshal, sys; sys.path.insert(0, sys.argv[1]); from context.repomap.lex_helper import lex_files;"
    " root, items = marshal.loads(sys.stdin.buffer.read()); blob = marshal.dumps(lex_files(root, items[:2]));"
    " sys.stdout.buffer.write(len(blob).to_bytes(8, 'little') + blob); sys.stdout.flush(); sys.exit(1)"
)
FAILING_HELPERS = {
    "crash": "import sys; sys.stderr.write('boom'); sys.exit(3)",
    "garbage": "import sys; sys.stdin.buffer.read(); sys.stdout.write('not marshal')",
    "wrong answer": "import marshal, sys; sys.stdin.buffer.read(); sys.stdout.buffer.write(marshal.dumps([]))",
    "timeout": "import time; time.sleep(30)",
}


@pytest.mark.parametrize("name", sorted(FAILING_HELPERS))
def test_failed_helper_gives_none_and_a_log_line(
    name: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(lexworker, "TIMEOUT_BASE_S", 0.5)
    monkeypatch.setattr(lexworker, "TIMEOUT_PER_FILE_S", 0.0)
    job = LexJob.start(str(WORKSPACES), command=[sys.executable, "-c", FAILING_HELPERS[name]])
    assert job is not None
    job.submit(SOURCES[:3])
    with caplog.at_level(logging.WARNING, logger="context.repomap.lex_helper"):
        assert job.collect() is None
    assert "files in this process" in caplog.text


def test_helper_that_cannot_start_gives_none(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="context.repomap.lex_helper"):
        assert LexJob.start(str(WORKSPACES), command=[str(WORKSPACES / "no-such-interpreter")]) is None
    assert "cannot start" in caplog.text


def test_helper_share_is_about_half_the_bytes_and_deterministic() -> None:
    paths = [path for path, _ in SOURCES]
    share = helper_share(str(WORKSPACES), paths, 0.5)
    assert share == sorted(share) and share == helper_share(str(WORKSPACES), list(reversed(paths)), 0.5)
    sizes = {path: (WORKSPACES / path).stat().st_size for path in paths}
    helper_bytes = sum(sizes[path] for path in share)
    assert abs(2 * helper_bytes - sum(sizes.values())) <= max(sizes.values())


def snapshot(repo_map: RepoMap) -> tuple[object, ...]:
    records = [(r.path, r.digest, r.def_counts, r.ref_counts) for r in repo_map.records()]
    return records, repo_map.render(400), repo_map.render(250, focus_files=["shop/checkout.py"])


@pytest.fixture
def in_process_map(tmp_path: Path) -> tuple[object, ...]:
    repo_map = RepoMap(REPOMAP_WORKSPACE, tmp_path / "one", workers=1)
    repo_map.index_sync()
    return snapshot(repo_map)


def count_starts(monkeypatch: pytest.MonkeyPatch, command: list[str] | None = None) -> list[int]:
    started: list[int] = []

    def start(self: MapWorkers) -> LexJob | None:
        started.append(1)
        return LexJob.start(str(REPOMAP_WORKSPACE), command)

    monkeypatch.setattr(MapWorkers, "start_lexing", start)
    monkeypatch.setattr(repomap, "PARALLEL_MIN_FILES", 2)
    return started


def test_repo_map_with_the_helper_equals_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process_map: tuple[object, ...]
) -> None:
    started = count_starts(monkeypatch)
    repo_map = RepoMap(REPOMAP_WORKSPACE, tmp_path / "two", workers=2)
    report = repo_map.index_sync()
    assert started == [1]
    assert report.complete and report.parsed == len(repo_map.records()) and report.from_cache == 0
    assert snapshot(repo_map) == in_process_map
    warm = RepoMap(REPOMAP_WORKSPACE, tmp_path / "two", workers=2)  # the cache answers: no helper
    assert warm.index_sync().from_cache == report.parsed
    assert started == [1]
    assert snapshot(warm) == in_process_map


def test_partial_answer_keeps_what_came(caplog: pytest.LogCaptureFixture) -> None:
    job = LexJob.start(str(WORKSPACES), command=[sys.executable, "-c", PARTIAL_HELPER, str(REPO_ROOT)])
    assert job is not None
    job.submit(SOURCES[:5])
    with caplog.at_level(logging.WARNING, logger="context.repomap.lex_helper"):
        chunks = list(job.chunks())
    assert chunks == [dict(list(in_process(WORKSPACES, SOURCES[:5]).items())[:2])]
    assert job.unanswered == [path for path, _ in SOURCES[2:5]]
    assert "lexing its 3 files in this process" in caplog.text


def test_steal_takes_files_back_from_the_end(helper_processes: list[subprocess.Popen[bytes]]) -> None:
    job = LexJob.start(str(WORKSPACES))
    assert job is not None
    job.submit(SOURCES)
    stolen = job.steal(2) + job.steal(3)
    assert stolen == [path for path, _ in SOURCES[-2:]] + [path for path, _ in SOURCES[-5:-2]]
    results = job.collect()  # ends when the helper's answers meet the files taken back
    assert results == {path: row for path, row in in_process(WORKSPACES, SOURCES).items() if path not in stolen}
    assert job.unanswered == [] and job.steal(1) == []
    assert len(helper_processes) == 1
    assert helper_processes[0].poll() is not None  # stopped, though it had the taken-back files to lex


def test_steal_everything_from_a_silent_helper(helper_processes: list[subprocess.Popen[bytes]]) -> None:
    job = LexJob.start(str(WORKSPACES), command=[sys.executable, "-c", FAILING_HELPERS["timeout"]])
    assert job is not None
    job.submit(SOURCES[:3])
    assert job.steal(2) == [path for path, _ in SOURCES[1:3]]
    assert job.steal(2) == [SOURCES[0][0]]
    assert job.steal(2) == []
    started = time.monotonic()
    assert job.collect() == {}
    assert time.monotonic() - started < 5  # not its 30 s timeout
    assert len(helper_processes) == 1 and helper_processes[0].poll() is not None


@pytest.mark.parametrize("steal", [0, repomap.STEAL_FILES])
@pytest.mark.parametrize("name", ["crash", "garbage", "partial"])
def test_repo_map_falls_back_when_the_helper_fails(
    name: str,
    steal: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    in_process_map: tuple[object, ...],
) -> None:
    monkeypatch.setattr(repomap, "STEAL_FILES", steal)  # 0: wait for the helper, as a slower side would
    script = PARTIAL_HELPER if name == "partial" else FAILING_HELPERS[name]
    started = count_starts(monkeypatch, [sys.executable, "-c", script, str(REPO_ROOT)])
    repo_map = RepoMap(REPOMAP_WORKSPACE, tmp_path / "two", workers=2)
    with caplog.at_level(logging.WARNING, logger="context.repomap.lex_helper"):
        report = repo_map.index_sync()
    assert started == [1]
    if not steal:  # with stealing this process may lex everything before the failure shows
        assert "files in this process" in caplog.text
    assert report.complete and report.parsed == len(repo_map.records())
    assert snapshot(repo_map) == in_process_map


def test_repo_map_lexes_a_silent_helpers_share_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process_map: tuple[object, ...]
) -> None:
    count_starts(monkeypatch, [sys.executable, "-c", FAILING_HELPERS["timeout"]])
    repo_map = RepoMap(REPOMAP_WORKSPACE, tmp_path / "two", workers=2)
    started = time.monotonic()
    report = repo_map.index_sync()
    assert time.monotonic() - started < 10  # not the helper's 30 s
    assert report.complete and report.parsed == len(repo_map.records())
    assert snapshot(repo_map) == in_process_map


def test_stopping_the_index_stops_a_silent_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repomap, "STEAL_FILES", 0)  # it waits for the helper's share
    count_starts(monkeypatch, [sys.executable, "-c", FAILING_HELPERS["timeout"]])
    repo_map = RepoMap(REPOMAP_WORKSPACE, tmp_path / "two", workers=2)
    timer = threading.Timer(0.3, repo_map.stop_indexing)
    timer.start()
    started = time.monotonic()
    report = repo_map.index_sync()
    timer.join()
    assert not report.complete
    assert time.monotonic() - started < 10  # not the helper's 30 s
    assert len(repo_map.records()) < 10  # the helper's share is not in
