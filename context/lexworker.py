"""Lexing on the second core: a small helper process that reads, hashes and lexes part of a cold index.

The repo map's cold build lexes every file (:func:`context.lexical.lexical_names`), which is most of
its time on one core. ``multiprocessing`` costs about 0.24 s to spawn (it re-imports the parent's
modules); this helper is a plain ``python -I -S`` process that imports only ``re``, ``collections``,
``hashlib``, ``marshal`` and :mod:`context.lexical` (about 25 ms to start)::

    job = LexJob.start(root)                     # as early as possible: it starts while we list files
    job.submit([("pkg/a.py", "python"), ...])    # its share; None: nothing to give, job ended
    ...                                          # lex the rest here meanwhile
    results = job.collect()                      # {path: (digest, defs, refs) or None}, None on failure

The request on the helper's stdin is ``marshal.dumps((root, [(path, language), ...]))``; the answer
on its stdout is ``marshal.dumps([(path, digest, defs, refs), ...])`` in request order, with
``digest`` None for a file :func:`read_checked` rejects (the caller reads that one itself, so that
its reason is logged there). The helper's stdout is a pipe to this process (never the server's
stdout); its stderr is collected and logged. A failed helper (cannot start, crash, bad output,
timeout) makes ``collect`` return None, logged; the caller then lexes those files itself.

The reading rules (:func:`read_checked`) and :func:`content_digest` live here, not beside the
repo map, so that the helper needs nothing heavier than :mod:`context.lexical`.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from typing import TYPE_CHECKING, Any

from context.lexical import NameCounts, lexical_names

if TYPE_CHECKING:  # the helper imports this module: the parent's machinery is imported on use only
    import logging
    import subprocess
    import threading
    from collections.abc import Callable

MAX_FILE_BYTES = 1_000_000
MAX_AVERAGE_LINE_BYTES = 400
MINIFIED_CHECK_BYTES = 20_000
TIMEOUT_BASE_S = 30.0
TIMEOUT_PER_FILE_S = 0.02
POLL_S = 0.05

LexedFile = tuple[str, NameCounts, NameCounts]
"""(content digest, definition-name counts, reference-name counts) of one file."""

# os.path, not pathlib, in this module: pathlib takes 12 ms to import, half the helper's start
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # noqa: PTH100, PTH120
_BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from context.lexworker import main; sys.exit(main())"


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
        defs, refs = lexical_names(data, language)
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
    """The helper's entry point (stdin: the request, stdout: the answer; see the module docstring)."""
    request: Any = marshal.loads(sys.stdin.buffer.read())
    root, items = request
    sys.stdout.buffer.write(marshal.dumps(lex_files(root, items)))
    sys.stdout.buffer.flush()
    return 0


def _log() -> logging.Logger:
    import logging

    return logging.getLogger(__name__)


def _valid(answer: object, items: list[tuple[str, str]]) -> bool:
    if not isinstance(answer, list) or len(answer) != len(items):
        return False
    for row, (path, _) in zip(answer, items, strict=True):
        if not (isinstance(row, tuple) and len(row) == 4 and row[0] == path):
            return False
        if not (row[1] is None or isinstance(row[1], str)) or not isinstance(row[2], dict):
            return False
        if not isinstance(row[3], dict):
            return False
    return True


class LexJob:
    """One helper process (see the module docstring). Not thread-safe: one owner."""

    def __init__(self, root: str, process: subprocess.Popen[bytes]) -> None:
        self._root = root
        self._process = process
        self._items: list[tuple[str, str]] = []
        self._thread: threading.Thread | None = None
        self._output: tuple[bytes, bytes] | None = None
        self._error = ""

    @classmethod
    def start(cls, root: str, command: list[str] | None = None) -> LexJob | None:
        """Start the helper (it waits for its request); None, logged, if it cannot be started.
        `command` replaces the interpreter command line (tests)."""
        import subprocess

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
        """Send the helper its files; it answers in the background (a thread drains its pipes)."""
        import threading

        self._items = list(items)
        payload = marshal.dumps((self._root, self._items))
        timeout = TIMEOUT_BASE_S + TIMEOUT_PER_FILE_S * len(self._items)
        self._thread = threading.Thread(target=self._communicate, args=(payload, timeout), daemon=True)
        self._thread.start()

    def _communicate(self, payload: bytes, timeout: float) -> None:
        import subprocess

        try:
            self._output = self._process.communicate(payload, timeout=timeout)
        except subprocess.TimeoutExpired:
            self._error = f"no answer within {timeout:.0f} s"
            self._kill()
        except (OSError, ValueError) as exc:
            self._error = str(exc)
            self._kill()

    def collect(self, stopped: Callable[[], bool] = lambda: False) -> dict[str, LexedFile | None] | None:
        """The helper's results per submitted path (None: the file was rejected; read it yourself),
        or None, logged, if the helper failed (the caller lexes those files itself). While waiting,
        `stopped` is polled: when it turns true the helper is stopped and None returned (not logged)."""
        if self._thread is None:
            self.cancel()
            return {}
        while self._thread.is_alive():
            if stopped():
                self.cancel()
                return None
            self._thread.join(POLL_S)
        stdout, stderr = self._output if self._output is not None else (b"", b"")
        if stderr:
            _log().warning("repo map lexing helper said: %s", stderr.decode("utf-8", "replace").strip()[-2000:])
        returncode = self._process.returncode
        if self._output is None or returncode != 0:
            _log().warning(
                "repo map lexing helper failed (%s); lexing its %d files in this process",
                self._error or f"exit status {returncode}",
                len(self._items),
            )
            return None
        try:
            answer: object = marshal.loads(stdout)
        except (ValueError, EOFError, TypeError) as exc:
            _log().warning(
                "repo map lexing helper sent bad output (%s); lexing its %d files in this process",
                exc,
                len(self._items),
            )
            return None
        if not _valid(answer, self._items):
            _log().warning(
                "repo map lexing helper's answer does not match its request; lexing its %d files in this process",
                len(self._items),
            )
            return None
        rows: list[tuple[str, str | None, NameCounts, NameCounts]] = answer  # type: ignore[assignment]
        return {path: (digest, defs, refs) if digest is not None else None for path, digest, defs, refs in rows}

    def cancel(self) -> None:
        """Stop the helper (nothing to give it, or indexing stopped)."""
        self._kill()
        if self._thread is not None:
            self._thread.join()

    def _kill(self) -> None:
        import subprocess

        if self._process.poll() is None:
            self._process.kill()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _log().warning("repo map lexing helper %d did not exit after kill", self._process.pid)
            return
        if self._thread is not None and self._thread.is_alive():
            return  # communicate() owns the pipes until it returns
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            if stream is not None and not stream.closed:
                try:
                    stream.close()
                except OSError:
                    pass
