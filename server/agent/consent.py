"""Test commands the user confirmed once for a workspace (when none are configured in settings).

Detection (:func:`tools.runner_detection.detect_test_commands`) only suggests; a frontend asks the
user, and the answer is remembered here, in a JSON file under the state directory, keyed by the
workspace folder. The workspace itself can never add a command: only this file (written after the
user said yes) or trusted settings can.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

Commands = list[list[str]]


class TestCommandConsent:
    __test__ = False  # not a pytest test class

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, Commands]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("cannot read confirmed test commands from %s: %s; asking again", self.path, exc)
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            str(k): [list(map(str, c)) for c in v if isinstance(c, list)]
            for k, v in data.items()
            if isinstance(v, list)
        }

    def confirmed(self, root: Path) -> Commands:
        return self._load().get(str(root.resolve()), [])

    def confirm(self, root: Path, commands: Commands) -> None:
        """Remember `commands` for `root` (written atomically)."""
        data = self._load()
        data[str(root.resolve())] = [list(c) for c in commands]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".test-commands-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(dict(sorted(data.items())), fh, indent=2)
        Path(tmp).replace(self.path)
