"""Parsing on the second core for the first render after a cold index: a helper process that extracts
the definitions of the files the render is about to show.

A cold build renders right after lexing, and the render parses the files it shows (tree-sitter holds
the GIL: a thread does not help). The lexing helper (:mod:`context.repomap.lex_helper`) is done by then, so
the cold index starts this one as lexing ends (earlier, it would slow the lexing down); it imports
tree-sitter and compiles the workspace's definition queries (about 90 ms) while this process builds
the graph::

    helper = DefinitionsHelper.start(root, ["python", "c"])    # None (logged) if it cannot start
    helper.enqueue([(path, language, digest), ...])            # in the order the render will want them
    rows = helper.take(path, parse_here)    # its rows, or None: the caller parses `path` itself
    helper.clear()                          # the render is over: nothing more is sent
    helper.answered()                       # {path: rows} that came but were not taken
    helper.close()

It is fed one file at a time from the queue (so a file still queued can be taken back). ``take``
returns the rows of an answered file at once; for the file the helper is parsing it runs
``parse_here`` on the next queued file meanwhile (claimed, so it is parsed once), then waits; for any
other file it returns None at once. Either way the caller gets the same definitions as its own
:func:`context.source.symbols.extract_definitions` (rows: :func:`context.repomap.tagcache.encode_rows`).

Protocol (frames of :func:`context.repomap.lex_helper.write_frame`, marshalled): the first request is
``(root, [language, ...])`` (languages to warm up, most files first; warming stops early when a
request is waiting); then one ``(path, language, digest)`` per file, answered with ``(path, rows)``
or ``(path, None)`` when the bytes on disk no longer match `digest`, cannot be read (the
:func:`context.repomap.lex_helper.read_checked` rules) or fail to parse: the caller then parses from its own
bytes, and logs why. The helper exits at the end of its stdin. Its stdout is a pipe to this process
(never the server's stdout); it runs ``python -I -S`` with this process's ``sys.path`` directories.
When it fails (cannot start, exits, bad output, no answer within ANSWER_TIMEOUT_S) the failure is
logged once and every file is parsed here.
"""

from __future__ import annotations

import logging
import marshal
import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from context.repomap.lex_helper import read_frame, write_frame

log = logging.getLogger(__name__)

ANSWER_TIMEOUT_S = 10.0  # for one file (a 1 MB module parses in well under a second)
_BOOTSTRAP = "import sys; sys.path[:0] = sys.argv[1:]; from context.repomap.parse_helper import main; sys.exit(main())"
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # noqa: PTH100, PTH120

Request = tuple[str, str, str]
"""(path relative to the root, language, content digest the caller indexed)."""


def helper_command() -> list[str] | None:
    """The command line that starts the helper; None without a usable interpreter."""
    if getattr(sys, "frozen", False) or not sys.executable:
        return None
    paths = [path for path in sys.path if path and os.path.isabs(path) and os.path.isdir(path)]  # noqa: PTH117, PTH112
    return [sys.executable, "-I", "-S", "-c", _BOOTSTRAP, _PACKAGE_PARENT, *paths]


def definition_rows(root: str, request: Request) -> bytes | None:
    """What the helper answers for one request (see the module docstring)."""
    from context.repomap.lex_helper import content_digest, read_checked
    from context.repomap.tagcache import encode_rows
    from context.source.symbols import extract_definitions

    path, language, digest = request
    data, _ = read_checked(os.path.join(root, path))  # noqa: PTH118
    if data is None or content_digest(data) != digest:
        return None
    try:
        return encode_rows(extract_definitions(data, language, path))
    except Exception:  # the caller parses it again and logs the error
        return None


def _warm(languages: Iterable[str], stdin: Any) -> None:
    """Compile the definition queries (the first parse of a language pays it) until a request waits."""
    import select

    from context.source.symbols import definitions_query

    for language in languages:
        if select.select([stdin], [], [], 0)[0]:
            return
        try:
            definitions_query(language)
        except Exception:  # a request for it fails and is parsed by the caller
            continue


def main() -> int:
    """The helper's entry point (stdin: requests, stdout: answers; see the module docstring)."""
    stdin, out = sys.stdin.buffer, sys.stdout.buffer
    first = read_frame(stdin)
    if first is None:
        return 0
    root, languages = marshal.loads(first)
    _warm(languages, stdin)
    while (frame := read_frame(stdin)) is not None:
        request: Request = marshal.loads(frame)
        write_frame(out, marshal.dumps((request[0], definition_rows(root, request))))
    return 0


class DefinitionsHelper:
    """One helper process (see the module docstring); thread-safe."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._cond = threading.Condition()
        self._queue: deque[Request] = deque()
        self._known: set[str] = set()  # queued, sent or answered
        self._inflight: str | None = None
        self._answers: dict[str, bytes | None] = {}
        self._failure = ""
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="outrider-defs-helper", daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, root: str, languages: list[str], command: list[str] | None = None) -> DefinitionsHelper | None:
        """Start the helper and send it `root` and the languages to warm up; None (logged) if it
        cannot be started. `command` replaces the command line (tests)."""
        argv = command if command is not None else helper_command()
        if argv is None:
            log.info("repo map: no Python interpreter for the parsing helper; parsing in this process")
            return None
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True
            )
        except OSError as exc:
            log.warning("repo map: cannot start the parsing helper (%s); parsing in this process", exc)
            return None
        helper = cls(process)
        with helper._cond:
            helper._send(marshal.dumps((root, languages)))
        return helper

    @property
    def usable(self) -> bool:
        """Whether requests can still be answered (not failed, not closed)."""
        with self._cond:
            return not self._failure and not self._closed

    def wants_more(self, limit: int) -> bool:
        """Whether fewer than `limit` files are queued or being parsed, and it can still answer."""
        with self._cond:
            return not self._failure and not self._closed and len(self._queue) + (self._inflight is not None) < limit

    def pending(self) -> int:
        """How many files are queued or being parsed (0 once it failed or was closed)."""
        with self._cond:
            if self._failure or self._closed:
                return 0
            return len(self._queue) + (self._inflight is not None)

    def enqueue(self, requests: Iterable[Request]) -> None:
        """Queue files (in the order they will be wanted); files already known are left as they are."""
        with self._cond:
            for request in requests:
                if request[0] not in self._known:
                    self._known.add(request[0])
                    self._queue.append(request)
            self._feed()

    def take(self, path: str, parse_here: Callable[[str], object]) -> bytes | None:
        """`path`'s rows from the helper, or None: parse it here (see the module docstring)."""
        with self._cond:
            while True:
                if path in self._answers:
                    return self._answers.pop(path)
                if self._failure or self._closed or path != self._inflight:
                    self._drop(path)
                    return None
                if self._queue:  # work on the next queued file while the helper does this one
                    other = self._queue.popleft()[0]
                    self._cond.release()
                    try:
                        parse_here(other)
                    finally:
                        self._cond.acquire()
                    continue
                if not self._cond.wait(ANSWER_TIMEOUT_S) and path == self._inflight and path not in self._answers:
                    self._fail(f"no answer for {path} within {ANSWER_TIMEOUT_S:.0f} s")

    def clear(self) -> None:
        """Send nothing more (the file being parsed is still answered)."""
        with self._cond:
            for path, _, _ in self._queue:
                self._known.discard(path)
            self._queue.clear()

    def answered(self) -> dict[str, bytes]:
        """The answers that came and were not taken (then forgotten), by path."""
        with self._cond:
            rows = {path: blob for path, blob in self._answers.items() if blob is not None}
            self._answers.clear()
            return rows

    def close(self) -> None:
        """Stop the helper and release its pipes (idempotent)."""
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        process = self._process
        if process.poll() is None:
            process.kill()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.warning("repo map parsing helper %d did not exit after kill", process.pid)
        self._reader.join(timeout=5)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None and not stream.closed:
                try:
                    stream.close()
                except OSError:
                    pass

    # -- internals (called with the condition held) -------------------------------------------

    def _drop(self, path: str) -> None:
        for index, request in enumerate(self._queue):
            if request[0] == path:
                del self._queue[index]
                break

    def _feed(self) -> None:
        if self._inflight is None and self._queue and not self._failure and not self._closed:
            request = self._queue.popleft()
            self._inflight = request[0]
            self._send(marshal.dumps(request))

    def _send(self, blob: bytes) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            write_frame(stdin, blob)
        except (OSError, ValueError) as exc:
            self._fail(f"cannot send a request: {exc}")

    def _fail(self, reason: str) -> None:
        if not self._failure and not self._closed:
            self._failure = reason
            log.warning("repo map parsing helper failed (%s); parsing in this process", reason)
            if self._process.poll() is None:
                self._process.kill()
        self._cond.notify_all()

    def _read(self) -> None:
        """The reader thread: each answer in, the next request out."""
        stdout = self._process.stdout
        assert stdout is not None
        reason = ""
        try:
            while (blob := read_frame(stdout)) is not None:
                answer: Any = marshal.loads(blob)
                with self._cond:
                    valid = (
                        isinstance(answer, tuple)
                        and len(answer) == 2
                        and answer[0] == self._inflight
                        and (answer[1] is None or isinstance(answer[1], bytes))
                    )
                    if not valid:
                        reason = "an answer that does not match its request"
                        break
                    self._answers[answer[0]] = answer[1]
                    self._inflight = None
                    self._feed()
                    self._cond.notify_all()
            else:
                reason = "it exited"
        except (OSError, ValueError, EOFError, TypeError) as exc:
            reason = f"bad output: {exc}"
        with self._cond:
            if not self._closed:
                stderr = self._stderr_tail()
                self._fail(f"{reason}{': ' + stderr if stderr else ''}")

    def _stderr_tail(self) -> str:
        process = self._process
        if process.poll() is None:
            process.kill()
        try:
            process.wait(timeout=5)
            return process.stderr.read().decode("utf-8", "replace").strip()[-2000:] if process.stderr else ""
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return ""
