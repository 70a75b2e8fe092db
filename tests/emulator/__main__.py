"""Run the emulator as its own process, for tests that start ``outrider lsp`` or Neovim.

    python -m tests.emulator --script replies.json [--log requests.jsonl]

The first stdout line is the port number (then stdout stays quiet). The base URLs are
``http://127.0.0.1:PORT`` (Anthropic) and ``http://127.0.0.1:PORT/v1`` (OpenAI). More replies can
be queued while it runs with ``POST /_emulator/script`` (same JSON as the file); the request log is
``GET /_emulator/requests`` (``?since=N`` skips the first N) and, with ``--log``, one JSON line per
finished request. ``--keep-alive`` keeps connections open between requests, as real APIs do. The
process exits on SIGTERM/SIGINT or when its stdin closes (with ``--exit-on-stdin-eof``).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from tests.emulator.script import load_script
from tests.emulator.server import Emulator


def _log_requests(emulator: Emulator, path: Path, stop: threading.Event) -> None:
    """Append each finished request, in arrival order, until the emulator stops."""
    written = 0
    with path.open("a", encoding="utf-8") as fh:
        while True:
            stopping = stop.wait(0.02)
            while written < len(emulator.requests) and emulator.requests[written].done.is_set():
                fh.write(json.dumps(emulator.requests[written].to_json(), sort_keys=True) + "\n")
                fh.flush()
                written += 1
            if stopping:
                return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--script", type=Path, help="JSON list of replies (see tests/emulator/script.py)")
    parser.add_argument("--log", type=Path, help="append one JSON line per finished request")
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="exit when stdin closes")
    parser.add_argument("--keep-alive", action="store_true", help="persistent HTTP/1.1 connections (chunked streams)")
    args = parser.parse_args(argv)

    emulator = Emulator(keep_alive=args.keep_alive)
    if args.script:
        emulator.script(*load_script(json.loads(args.script.read_text(encoding="utf-8"))))
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with emulator:
        print(emulator.port, flush=True)
        if args.log:
            threading.Thread(target=_log_requests, args=(emulator, args.log, stop), daemon=True).start()
        if args.exit_on_stdin_eof:
            threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        while not stop.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
