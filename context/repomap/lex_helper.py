"""Lexing on the second core: a small helper process that reads, hashes and lexes part of a cold index.

The repo map's cold build lexes every file (:func:`context.repomap.lexical.lexical_names`), which is most of
its time on one core. ``multiprocessing`` costs about 0.24 s to spawn (it re-imports the parent's
modules); this helper is a plain ``python -I -S`` process that imports only ``re``, ``collections``,
``hashlib``, ``marshal`` and :mod:`context.repomap.lexical` (about 25 ms to start)::

    job = LexJob.start(root)                     # as early as possible: it starts while we list files
    job.submit([("pkg/a.py", "python"), ...])    # its share, sent on its stdin
    for chunk in job.chunks(wait=False): ...     # between our own batches: results already here
    stolen = job.steal(1)                        # done with ours: take its last unanswered file back
    for chunk in job.chunks(): ...               # the rest, as it comes ({path: (digest, defs, refs) or None})
    job.unanswered                               # what we lex ourselves (after a failure: logged)

Work stealing: the helper answers from the front of its list, the caller takes files back from the
end once its own share is lexed, and the job is over (the helper killed) when the two meet. So
neither side waits for the other when the two cores run at different speeds (another process, a
busy host), and a helper that falls silent costs nothing but its share's time on this core.

The request on the helper's stdin is ``marshal.dumps((root, [(path, language), ...]))``; the answer
on its stdout is a frame per CHUNK_FILES files, in request order: an 8-byte little-endian length,
then ``marshal.dumps([(path, digest, defs, refs), ...])``, with ``digest`` None for a file
:func:`read_checked` rejects (the caller reads that one itself, so that its reason is logged
there). The helper's stdout is a pipe to this process (never the server's stdout); its stderr is
collected and logged. When the helper fails (cannot start, crash, bad or truncated output, timeout)
the chunks that came stay good, the failure is logged, and ``unanswered`` lists the files the
caller lexes itself (``collect`` gives everything at once, or None on a failure).

The reading rules (:func:`read_checked`) and :func:`content_digest` live here, not beside the
repo map, so that the helper needs nothing heavier than :mod:`context.repomap.lexical`.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from typing import IO, TYPE_CHECKING, Any

from context.repomap.lexical import NameCounts, safe_lexical_names

if TYPE_CHECKING:  # the helper imports this module: the parent's machinery is imported on use only
    import logging
    import subprocess
    import threading
    from collections.abc import Callable, Iterator

MAX_FILE_BYTES = 1_000_000
MAX_AVERAGE_LINE_BYTES = 400
MINIFIED_CHECK_BYTES = 20_000
TIMEOUT_BASE_S = 30.0
TIMEOUT_PER_FILE_S = 0.02
POLL_S = 0.05
CHUNK_FILES = 16  # the helper's front advances a chunk at a time: small, so that the two sides meet closely
_FRAME_HEADER = 8  # bytes: the length of the marshalled chunk that follows
_MAX_FRAME_BYTES = 1 << 28  # far above a chunk's counts (a file is at most MAX_FILE_BYTES)

LexedFile = tuple[str, NameCounts, NameCounts]
"""(content digest, definition-name counts, reference-name counts) of one file."""

# os.path, not pathlib, in this module: pathlib takes 12 ms to import, half the helper's start
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # noqa: PTH100, PTH120
_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); from context.repomap.lex_helper import main; sys.exit(main())"
)


def content_digest(data: bytes) -> str:
    """The hash a cache row is keyed by (blake2b, 16 bytes, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_checked(path: str) -> tuple[bytes | None, str]:
    """(the file's bytes, "") or (None, why it is left out): too large, unreadable, binary, minified.

    Minified or generated one-liners (``jquery.js``, search indexes: files of 20 KB or more whose
    lines average over MAX_AVERAGE_LINE_BYTES) cost as much to parse as a large module and name
    nothing a person would look up; they are left out of the map.
    """
    try:
        if os.stat(path).st_size > MAX_FILE_BYTES:  # noqa: PTH116 - no pathlib here (see above)
            return None, f"larger than {MAX_FILE_BYTES} bytes"
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return None, str(exc)
    if b"\0" in data[:8192]:
        return None, "binary"
    if len(data) >= MINIFIED_CHECK_BYTES and len(data) > MAX_AVERAGE_LINE_BYTES * (data.count(b"\n") + 1):
        return None, f"lines average over {MAX_AVERAGE_LINE_BYTES} bytes (minified or generated)"
    return data, ""


def lex_files(root: str, items: list[tuple[str, str]]) -> list[tuple[str, str | None, NameCounts, NameCounts]]:
    """What the helper computes: (path, digest or None, defs, refs) per (path, language), in order."""
    results: list[tuple[str, str | None, NameCounts, NameCounts]] = []
    for path, language in items:
        data, _ = read_checked(os.path.join(root, path))  # noqa: PTH118 - no pathlib here
        if data is None:
            results.append((path, None, {}, {}))
            continue
        defs, refs = safe_lexical_names(data, language)
        results.append((path, content_digest(data), defs, refs))
    return results


def helper_share(root: str, paths: list[str], share: float) -> list[str]:
    """The paths (sorted) that the lexing helper gets: about `share` of their bytes, chosen
    deterministically (largest first, each to the side further below its share)."""
    sizes: list[tuple[int, str]] = []
    for path in paths:
        try:
            sizes.append((os.stat(os.path.join(root, path)).st_size, path))  # noqa: PTH116, PTH118 - no pathlib here
        except OSError:
            sizes.append((0, path))
    sizes.sort(key=lambda item: (-item[0], item[1]))
    helper: list[str] = []
    helper_bytes = own_bytes = 0
    for size, path in sizes:
        if helper_bytes * (1 - share) <= own_bytes * share:
            helper.append(path)
            helper_bytes += size
        else:
            own_bytes += size
    return sorted(helper)


def main() -> int:
    """The helper's entry point (stdin: the request, stdout: framed chunks; see the module docstring)."""
    request: Any = marshal.loads(sys.stdin.buffer.read())
    root, items = request
    out = sys.stdout.buffer
    for start in range(0, len(items), CHUNK_FILES):
        write_frame(out, marshal.dumps(lex_files(root, items[start : start + CHUNK_FILES])))
    return 0


def write_frame(out: IO[bytes], blob: bytes) -> None:
    """Write one frame (an 8-byte little-endian length, then `blob`) and flush it."""
    out.write(len(blob).to_bytes(_FRAME_HEADER, "little") + blob)
    out.flush()


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame's bytes; None at a clean end of the stream; ValueError for a malformed or
    truncated frame."""
    header = stream.read(_FRAME_HEADER)
    if not header:
        return None
    size = int.from_bytes(header, "little")
    if len(header) != _FRAME_HEADER or not 0 < size <= _MAX_FRAME_BYTES:
        raise ValueError("a malformed answer")
    blob = stream.read(size)
    if len(blob) != size:
        raise ValueError("a truncated answer")
    return blob


def _log() -> logging.Logger:
    import logging

    return logging.getLogger(__name__)


def _valid(answer: object, items: list[tuple[str, str]]) -> bool:
    if not isinstance(answer, list) or not answer or len(answer) > len(items):
        return False
    for row, (path, _) in zip(answer, items, strict=False):
        if not (isinstance(row, tuple) and len(row) == 4 and row[0] == path):
            return False
        if not (row[1] is None or isinstance(row[1], str)) or not isinstance(row[2], dict):
            return False
        if not isinstance(row[3], dict):
            return False
    return True


Chunk = dict[str, LexedFile | None]
"""Results for some submitted paths (None: the file was rejected; read it yourself)."""


class LexJob:
    """One helper process (see the module docstring). Not thread-safe: one owner."""

    def __init__(self, root: str, process: subprocess.Popen[bytes]) -> None:
        import queue

        self._root = root
        self._process = process
        self._items: list[tuple[str, str]] = []
        self._answered = 0
        self._end = 0  # the items from here on were taken back by the caller (steal)
        self._thread: threading.Thread | None = None
        self._frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._error = ""
        self._stderr = b""
        self._deadline = 0.0
        self._over = False  # finished, failed or cancelled: nothing more will come

    @classmethod
    def start(cls, root: str, command: list[str] | None = None) -> LexJob | None:
        """Start the helper (it waits for its request); None, logged, if it cannot be started.
        `command` replaces the interpreter command line (tests)."""
        import subprocess

        if command is None and (getattr(sys, "frozen", False) or not sys.executable):
            _log().info("repo map: no Python interpreter to run the lexing helper with; lexing in this process")
            return None
        argv = command if command is not None else [sys.executable, "-I", "-S", "-c", _BOOTSTRAP, _PACKAGE_PARENT]
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True
            )
        except OSError as exc:
            _log().warning("repo map: cannot start the lexing helper (%s); lexing in this process", exc)
            return None
        return cls(root, process)

    def submit(self, items: list[tuple[str, str]]) -> None:
        """Send the helper its files; it answers in the background (a thread reads its frames)."""
        import threading
        import time

        self._items = list(items)
        self._end = len(self._items)
        self._deadline = time.monotonic() + TIMEOUT_BASE_S + TIMEOUT_PER_FILE_S * len(self._items)
        payload = marshal.dumps((self._root, self._items))
        self._thread = threading.Thread(target=self._pump, args=(payload,), daemon=True)
        self._thread.start()

    def _pump(self, payload: bytes) -> None:
        """Write the request, then queue each frame read from the helper's stdout (None: the end)."""
        process = self._process
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        try:
            process.stdin.write(payload)
            process.stdin.close()
        except OSError as exc:  # it exited early: read what it said
            self._error = f"cannot send the request: {exc}"
        try:
            while (blob := read_frame(process.stdout)) is not None:
                self._frames.put(blob)
            self._stderr = process.stderr.read()
        except (OSError, ValueError) as exc:
            self._error = self._error or str(exc)
        finally:
            self._frames.put(None)

    def chunks(self, stopped: Callable[[], bool] = lambda: False, *, wait: bool = True) -> Iterator[Chunk]:
        """The helper's results as they arrive, in request order (with `wait` False: only those
        already here). When a waiting call ends, :attr:`unanswered` holds what the caller must lex
        itself (everything after a failure, logged; everything when `stopped` turned true while
        waiting, not logged: the helper is stopped)."""
        import queue
        import time

        if self._over:
            return
        if self._thread is None:
            if wait:
                self.cancel()
            return
        while self._answered < len(self._items) or wait:
            if self._answered >= self._end < len(self._items):  # met the files taken back: done
                self._met()
                return
            try:
                blob = self._frames.get(timeout=POLL_S) if wait else self._frames.get_nowait()
            except queue.Empty:
                if not wait:
                    return
                if stopped():
                    self.cancel()
                    return
                if time.monotonic() > self._deadline:
                    self._error = f"no answer within {TIMEOUT_BASE_S + TIMEOUT_PER_FILE_S * len(self._items):.0f} s"
                    self._fail()
                    return
                continue
            if blob is None:
                self._finish()
                return
            chunk = self._decode(blob)
            if chunk is None:
                self._fail()
                return
            yield chunk

    def steal(self, count: int) -> list[str]:
        """Take back up to `count` submitted files that the helper has not answered, from the end of
        its list (its answers for them are dropped): the caller lexes them itself. Empty when none is
        left (then ``chunks`` ends as soon as the helper's answers meet them) or the job is over."""
        if self._over or self._thread is None:
            return []
        start = max(self._answered, self._end - count)
        taken = [path for path, _ in self._items[start : self._end]]
        self._end = start
        return taken

    @property
    def unanswered(self) -> list[str]:
        """The submitted paths the helper has not (validly) answered and the caller did not take
        back, in request order."""
        return [path for path, _ in self._items[self._answered : max(self._answered, self._end)]]

    def _decode(self, blob: bytes) -> Chunk | None:
        try:
            answer: object = marshal.loads(blob)
        except (ValueError, EOFError, TypeError) as exc:
            self._error = f"bad output: {exc}"
            return None
        if not _valid(answer, self._items[self._answered :]):
            self._error = "an answer that does not match its request"
            return None
        rows: list[tuple[str, str | None, NameCounts, NameCounts]] = answer  # type: ignore[assignment]
        wanted = rows[: max(0, self._end - self._answered)]  # the rest were taken back
        self._answered += len(rows)
        return {path: (digest, defs, refs) if digest is not None else None for path, digest, defs, refs in wanted}

    def _finish(self) -> None:
        import subprocess

        try:
            returncode = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            returncode = None
        if self._stderr:
            _log().warning("repo map lexing helper said: %s", self._stderr.decode("utf-8", "replace").strip()[-2000:])
        if self._answered < self._end or returncode != 0:
            self._error = self._error or f"exit status {returncode}"
            self._fail()
        else:
            self.cancel()

    def _met(self) -> None:
        """Every file is answered or taken back: stop the helper (still lexing what was taken back);
        a failure that it had already shown is logged, though nothing is lost."""
        returncode = self._process.poll()
        if self._error or returncode not in (None, 0):
            _log().warning(
                "repo map lexing helper failed (%s); this process lexed its files",
                self._error or f"exit status {returncode}",
            )
        self.cancel()

    def _fail(self) -> None:
        self.cancel()
        left = self._end - self._answered
        if left > 0:
            _log().warning("repo map lexing helper failed (%s); lexing its %d files in this process", self._error, left)
        else:
            _log().warning("repo map lexing helper: %s (after answering every file)", self._error)

    def collect(self, stopped: Callable[[], bool] = lambda: False) -> Chunk | None:
        """Every result at once, or None if the helper failed or `stopped` turned true."""
        results: Chunk = {}
        for chunk in self.chunks(stopped):
            results.update(chunk)
        return None if self.unanswered else results

    def cancel(self) -> None:
        """Stop the helper (nothing to give it, indexing stopped, or done) and release its pipes."""
        import subprocess

        self._over = True
        if self._process.poll() is None:
            self._process.kill()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _log().warning("repo map lexing helper %d did not exit after kill", self._process.pid)
        if self._thread is not None:
            self._thread.join(timeout=5)
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            if stream is not None and not stream.closed:
                try:
                    stream.close()
                except OSError:
                    pass
