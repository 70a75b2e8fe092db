"""The session's one repo map: indexed in the background with work-done progress, kept current by edits.

- On ``initialized`` the primary workspace root is indexed off the event loop
  (:meth:`context.repomap.index.RepoMap.index`: ``git ls-files`` when possible, a worker thread, results
  published in batches) with a server-initiated progress: ``window/workDoneProgress/create`` (when
  the client supports it), ``$/progress`` begin "Outrider: indexing", reports with a percentage at
  most every :data:`REPORT_INTERVAL_S`, and end "N files indexed". Cancelling that progress in the
  editor stops the indexing; completions and the agent go on with what is indexed.
- Open buffers feed the map: an opened or changed document is re-indexed from its text after
  :data:`DEBOUNCE_S` of quiet (per document, in a thread); a saved or closed one is re-read from
  disk. Only files inside the root count; the map itself leaves out ignored and secret files.
- Files changed outside the editor (git checkout, a formatter, another tool): when the client
  supports dynamic registration of ``workspace/didChangeWatchedFiles``, a watcher for ``**/*`` is
  registered at ``initialized`` and every reported file inside the root is re-read from disk (one
  thread per notification, after earlier updates; open buffers win, so their files are skipped; a
  deleted directory drops its files, a created one is walked). Once registered, the session map is
  marked ``watched`` and the agent no longer re-indexes before each run.
- The map is rebuilt (indexed again, the tag cache on disk makes that cheap) only when its inputs
  change: the primary root (workspace folders) or ``context.extra_ignore``.

Readers (completion's repo-map slice, the agent's ``find_symbol``) use the service
:data:`server.lsp.services.repo_map.REPO_MAP`.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types
from lsprotocol.types import MessageType

from context.repomap.index import IndexReport, RepoMap
from context.safety.files import is_ignored
from server.config import Settings
from server.lsp import gcpolicy
from server.lsp.convert import uri_to_path
from server.lsp.events import DocumentEvent
from server.lsp.progress import WorkDoneProgress
from server.lsp.server import OutriderServer
from server.lsp.services.repo_map import REPO_MAP, SessionRepoMap

logger = logging.getLogger(__name__)

TITLE = "Outrider: indexing"
DEBOUNCE_S = 0.3
REPORT_INTERVAL_S = 0.1
WATCH_REGISTRATION_ID = "outrider/repo-map-watch"
WATCH_CAPABILITY = "workspace.did_change_watched_files.dynamic_registration"


def setup(server: OutriderServer) -> None:
    indexer = RepoMapIndexer(server)

    async def on_roots_changed(_roots: list[Path]) -> None:
        await server.settings_settled()  # the new root may bring its own settings (extra_ignore)
        indexer.refresh()

    def on_settings(_settings: Settings) -> None:
        indexer.refresh()

    server.events.initialized.subscribe(indexer.start)
    server.events.workspace_roots_changed.subscribe(on_roots_changed)
    server.events.settings_changed.subscribe(on_settings)
    server.events.document_opened.subscribe(indexer.buffer_changed)
    server.events.document_changed.subscribe(indexer.buffer_changed)
    server.events.document_saved.subscribe(indexer.reread)
    server.events.document_closed.subscribe(indexer.reread)
    server.events.shutting_down.subscribe(indexer.stop)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: OutriderServer, params: types.DidChangeWatchedFilesParams) -> None:
        indexer.files_changed(params.changes)


class RepoMapIndexer:
    """Starts indexing, reports its progress, and feeds open buffers into the session's map."""

    def __init__(self, server: OutriderServer) -> None:
        self.server = server
        self.started = False
        self.pending: dict[str, asyncio.TimerHandle] = {}  # uri -> debounced buffer update
        self.updates: set[asyncio.Task[None]] = set()
        self.update_order = asyncio.Lock()  # updates reach the map in the order they were asked for
        self.runs = itertools.count(1)

    @property
    def session(self) -> SessionRepoMap:
        return self.server.services.get(REPO_MAP)

    def start(self, _: None = None) -> None:
        self.started = True
        self.refresh()
        if self.server.client_supports(WATCH_CAPABILITY):
            task = asyncio.ensure_future(self.watch_files())
            self.updates.add(task)
            task.add_done_callback(self.update_done)

    def stop(self, _: None = None) -> None:
        self.started = False
        for handle in self.pending.values():
            handle.cancel()
        self.pending.clear()
        if (session := self.server.services.peek(REPO_MAP)) is not None:
            session.stop()

    def refresh(self) -> None:
        """(Re)build and index the map if its inputs changed (a no-op before ``initialized``)."""
        if not self.started:
            return
        session = self.session
        root, extra_ignore = self.server.primary_root, self.server.settings.context.extra_ignore
        if not session.wants_rebuild(root, extra_ignore):
            return
        repo_map = session.replace(root, extra_ignore)
        if repo_map is None:
            return
        logger.info("repo map: indexing %s", repo_map.root)
        task = asyncio.ensure_future(self.index(session, repo_map))
        task.add_done_callback(_log_index_failure)
        session.indexing = task
        for key in sorted(self.server.documents.paths()):  # open buffers win over disk in the new map
            document = self.server.documents.get(key)
            if document is not None and Path(key).is_absolute():
                self.update_path(Path(key), document.text)

    async def index(self, session: SessionRepoMap, repo_map: RepoMap) -> IndexReport:
        """Index `repo_map` with a work-done progress the editor can cancel."""
        progress = await self.create_progress(f"outrider/index-{next(self.runs)}")
        this_run = asyncio.current_task()

        def on_cancel() -> None:  # the indexing thread stops after its current batch
            if this_run is None or this_run.done() or session.indexing is not this_run:
                return  # a late cancel: this run is over (or was replaced)
            logger.info("repo map: indexing cancelled by the editor")
            session.cancelled = True
            repo_map.stop_indexing()

        progress.on_cancel(on_cancel)
        progress.begin(TITLE)
        loop = asyncio.get_running_loop()

        def on_progress(done: int, total: int) -> None:  # in the indexing thread
            try:
                loop.call_soon_threadsafe(report_progress, progress, done, total)
            except RuntimeError:  # the loop is closed: the server is exiting
                repo_map.stop_indexing()

        release = gcpolicy.hold()  # no full collection while indexing (server/lsp/gcpolicy.py)
        try:
            try:
                report = await repo_map.index(progress=on_progress)
            except asyncio.CancelledError:
                progress.end(f"Cancelled: {repo_map.file_count} files indexed")
                raise
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
                progress.end(f"Indexing failed: {reason}")
                self.server.show_message(
                    f"Outrider: indexing the workspace failed ({reason}); completions go on without the repo map.",
                    MessageType.Warning,
                )
                raise
            summary = f"{repo_map.file_count} files indexed"
            if report.complete:
                progress.end(summary)
                if session.current is repo_map and not session.is_parsing:  # phase 2: silent, stopped like phase 1
                    session.parsing = asyncio.ensure_future(parse_in_background(repo_map, gcpolicy.hold()))
            else:
                progress.end(f"Cancelled: {summary}" if session.cancelled else f"Stopped: {summary}")
        finally:
            release()
        logger.info("repo map: %s (%s)", summary, report)
        return report

    async def create_progress(self, token: str) -> WorkDoneProgress:
        try:
            return await WorkDoneProgress.create(self.server, token, min_interval_s=REPORT_INTERVAL_S)
        except Exception as exc:  # the editor refused the token: index anyway, without progress
            logger.warning("repo map: no progress token (%s); indexing without progress", exc)
            return WorkDoneProgress(self.server, None)

    # -- files changed outside the editor -------------------------------------------------------

    async def watch_files(self) -> None:
        """Ask the editor to report file changes; the map counts as watched once it agreed."""
        watcher = types.FileSystemWatcher(glob_pattern="**/*")
        registration = types.Registration(
            id=WATCH_REGISTRATION_ID,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[watcher]),
        )
        try:
            await self.server.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception as exc:  # the editor refused: the agent re-indexes before each run as before
            logger.warning("repo map: the editor refused to watch files (%s); re-indexing before agent runs", exc)
            return
        self.session.watched = True
        logger.info("repo map: the editor reports file changes (didChangeWatchedFiles)")

    def files_changed(self, changes: Sequence[types.FileEvent]) -> None:
        """Re-read the reported files from disk in one thread (open buffers win: skipped)."""
        repo_map = self.session.current
        if repo_map is None:
            return
        paths = {
            path
            for change in changes
            if self.server.document_for(change.uri) is None and (path := uri_to_path(change.uri)) is not None
        }
        if not paths:
            return
        open_paths = frozenset(Path(key).resolve() for key in self.server.documents.paths() if Path(key).is_absolute())
        task = asyncio.ensure_future(self.update_watched(repo_map, sorted(paths), open_paths))
        self.updates.add(task)
        task.add_done_callback(self.update_done)

    async def update_watched(self, repo_map: RepoMap, paths: list[Path], open_paths: frozenset[Path]) -> None:
        async with self.update_order:
            changed = await asyncio.to_thread(update_watched_files, repo_map, paths, open_paths)
        logger.debug("repo map: %d watched paths reported, %d files changed the map", len(paths), changed)

    # -- open buffers ---------------------------------------------------------------------------

    def buffer_changed(self, event: DocumentEvent) -> None:
        """Opened or changed: re-index from the buffer once it has been quiet for DEBOUNCE_S."""
        if (handle := self.pending.pop(event.uri, None)) is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self.pending[event.uri] = loop.call_later(DEBOUNCE_S, self.flush, event.uri)

    def flush(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if (document := self.server.document_for(uri)) is not None:
            self.update_from_editor(uri, document.text)

    def reread(self, event: DocumentEvent) -> None:
        """Saved or closed: the disk is the truth again."""
        if (handle := self.pending.pop(event.uri, None)) is not None:
            handle.cancel()
        self.update_from_editor(event.uri, None)

    def update_from_editor(self, uri: str, text: str | None) -> None:
        if (path := uri_to_path(uri)) is not None:
            self.update_path(path, text)

    def update_path(self, path: Path, text: str | None) -> None:
        """Re-index `path` from `text` (None: from disk) in a thread, after earlier updates."""
        repo_map = self.session.current
        if repo_map is None:
            return
        task = asyncio.ensure_future(self.update(repo_map, path, text))
        self.updates.add(task)
        task.add_done_callback(self.update_done)

    async def update(self, repo_map: RepoMap, path: Path, text: str | None) -> None:
        async with self.update_order:
            await asyncio.to_thread(update_file, repo_map, path, text)

    def update_done(self, task: asyncio.Task[None]) -> None:
        self.updates.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.error("repo map: updating from the editor failed: %s", exc, exc_info=exc)


async def parse_in_background(repo_map: RepoMap, release: Callable[[], None] = lambda: None) -> int:
    """Phase 2 after indexing: every file's tags into the cache (``find_symbol``, retrieval); no
    progress. `release` ends its hold on garbage collection (:func:`server.lsp.gcpolicy.hold`)."""
    try:
        parsed = await repo_map.parse_remaining()
    except asyncio.CancelledError:
        logger.info("repo map: background parse cancelled (%d parses so far)", repo_map.parse_count)
        raise
    except Exception:
        logger.exception("repo map: background parse failed; tags are parsed on demand instead")
        return 0
    finally:
        release()
    logger.info("repo map: background parse done (%d files, %d parses)", parsed, repo_map.parse_count)
    return parsed


def update_file(repo_map: RepoMap, path: Path, text: str | None) -> bool:
    """`path` (absolute) into the map, if it is inside the map's root. Blocking: run it in a thread."""
    try:
        rel_path = path.resolve().relative_to(repo_map.root).as_posix()
    except ValueError:
        return False  # outside the workspace
    return repo_map.update_file(rel_path, text)


def update_watched_files(repo_map: RepoMap, paths: Sequence[Path], open_paths: frozenset[Path]) -> int:
    """Re-read reported paths (files or directories) from disk; how many files changed the map.
    Blocking: run it in a thread. Files open in the editor (`open_paths`, resolved) are left alone."""
    indexed = [record.path for record in repo_map.records()]  # sorted: prefix lookups bisect it
    wanted: set[str] = set()
    for path in paths:
        wanted.update(files_under(repo_map, path, indexed))
    changed = 0
    for rel_path in sorted(wanted):
        if (repo_map.root / rel_path) not in open_paths and repo_map.update_file(rel_path, None):
            changed += 1
    return changed


def files_under(repo_map: RepoMap, path: Path, indexed: list[str]) -> list[str]:
    """The map-relative files a reported path stands for: itself, the `indexed` (sorted) files
    under it when it is no longer a file (a deleted or replaced directory) and, for a directory on
    disk, the files in it (ignored directories pruned). Empty outside the root."""
    root = repo_map.root
    try:
        rel = path.resolve().relative_to(root).as_posix()
    except ValueError:
        return []
    if rel == ".":
        return []  # the root itself: not a file change we can act on
    target = root / rel
    if target.is_file():
        return [rel]
    prefix = rel + "/"
    first = bisect.bisect_left(indexed, prefix)
    found = [rel, *itertools.takewhile(lambda known: known.startswith(prefix), itertools.islice(indexed, first, None))]
    if target.is_dir():
        for directory, dirs, files in os.walk(target):
            here = Path(directory).relative_to(root).as_posix()
            dirs[:] = sorted(d for d in dirs if not is_ignored(root, f"{here}/{d}"))
            found.extend(f"{here}/{name}" for name in sorted(files))
    return found


def report_progress(progress: WorkDoneProgress, done: int, total: int) -> None:
    percentage = done * 100 // total if total else 100
    progress.report(f"{done}/{total} files", min(percentage, 100))


def _log_index_failure(task: asyncio.Future[IndexReport]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        logger.error("repo map indexing failed; completions go on without it: %s", exc, exc_info=exc)
