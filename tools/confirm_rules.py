"""Which edits change what the assistant or other tools may do, so the user must confirm them.

Two kinds, decided on the file's path and, where a file mixes settings with ordinary content, on
its parsed content (never on text patterns: TOML spells one table many ways):

* Outrider's own configuration (:func:`changes_own_config`): ``outrider.toml``,
  ``.outriderignore``, the editor and CI folders (``.vscode/``, ``.github/``, ...), CI files, and
  ``pyproject.toml`` when its ``tool.outrider`` table differs after parsing both texts (an
  unparsable text that mentions ``outrider`` counts as a change), ``*.code-workspace`` (JSON with
  comments) when an ``outrider`` setting differs.
* Files other tools execute (:func:`runs_as_program`): ``Makefile``, ``justfile``,
  ``.pre-commit-config.yaml``, ``.nvim.lua`` / ``.exrc`` / ``.nvimrc``, ``.envrc``, git hook folders,
  ``tox.ini``, and ``package.json`` when its ``scripts`` differ.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import PurePosixPath
from typing import Any

OWN_CONFIG_NAMES = frozenset({"outrider.toml", ".outriderignore"})
OWN_CONFIG_DIRS = frozenset({".outrider", ".vscode", ".nvim", ".github", ".circleci", ".buildkite", ".devcontainer"})
CI_FILES = frozenset(
    {
        ".gitlab-ci.yml",
        ".travis.yml",
        "azure-pipelines.yml",
        "bitbucket-pipelines.yml",
        "jenkinsfile",
        ".drone.yml",
        "appveyor.yml",
        ".cirrus.yml",
    }
)
EXECUTED_NAMES = frozenset(
    {
        "makefile",
        "gnumakefile",
        "justfile",
        ".justfile",
        "taskfile.yml",
        "taskfile.yaml",
        ".pre-commit-config.yaml",
        ".pre-commit-hooks.yaml",
        "lefthook.yml",
        ".lefthook.yml",
        ".nvim.lua",
        ".nvimrc",
        ".exrc",
        ".vimrc",
        ".envrc",
        ".env.rc",
        "tox.ini",
    }
)
EXECUTED_DIRS = frozenset({".husky", ".githooks", ".git-hooks", "git-hooks", ".hooks"})

_UNPARSABLE = object()


def _path_parts(rel: str) -> tuple[str, ...]:
    return tuple(part.lower() for part in PurePosixPath(rel.replace("\\", "/")).parts)


def changes_own_config(rel: str, base_text: str | None, new_text: str | None) -> bool:
    """Whether this edit changes Outrider's settings or editor/CI configuration."""
    parts = _path_parts(rel)
    if not parts:
        return False
    name = parts[-1]
    if name in OWN_CONFIG_NAMES or name in CI_FILES or any(part in OWN_CONFIG_DIRS for part in parts[:-1]):
        return True
    if name == "pyproject.toml":
        return _differs(_outrider_table, base_text, new_text)
    if name.endswith(".code-workspace"):
        return _differs(_workspace_outrider_settings, base_text, new_text)
    return False


def runs_as_program(rel: str, base_text: str | None, new_text: str | None) -> bool:
    """Whether this edit changes a file that another tool executes (build, hooks, editor, shell)."""
    parts = _path_parts(rel)
    if not parts:
        return False
    name = parts[-1]
    if name in EXECUTED_NAMES or name.endswith(".mk") or any(part in EXECUTED_DIRS for part in parts[:-1]):
        return True
    if name == "package.json":
        return _differs(_package_scripts, base_text, new_text)
    return False


def _differs(extract: Any, base_text: str | None, new_text: str | None) -> bool:
    before = extract(base_text or "")
    after = extract(new_text or "")
    return before is _UNPARSABLE or after is _UNPARSABLE or bool(before != after)


def _outrider_table(text: str) -> object:
    """The parsed ``tool.outrider`` table (None when absent); unparsable TOML that mentions
    ``outrider`` (in any case) is reported as such."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return _UNPARSABLE if "outrider" in text.lower() else None
    tool = data.get("tool")
    return tool.get("outrider") if isinstance(tool, dict) else None


_JSONC_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/', re.DOTALL)
_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[}\]])')


def parse_jsonc(text: str) -> Any:
    """JSON with comments and trailing commas (VS Code's settings format); raises ValueError."""
    without_comments = _JSONC_COMMENT.sub(lambda m: m.group(1) or "", text)
    cleaned = _TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), without_comments)
    return json.loads(cleaned) if cleaned.strip() else {}


def _outrider_settings(settings: Any) -> object:
    if not isinstance(settings, dict):
        return None
    return sorted((key, json.dumps(value, sort_keys=True)) for key, value in settings.items() if "outrider" in key)


def _workspace_outrider_settings(text: str) -> object:
    try:
        data = parse_jsonc(text)
    except ValueError:
        return _UNPARSABLE if "outrider" in text.lower() else None
    return _outrider_settings(data.get("settings") if isinstance(data, dict) else None)


def _package_scripts(text: str) -> object:
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        return _UNPARSABLE
    return data.get("scripts") if isinstance(data, dict) else None
