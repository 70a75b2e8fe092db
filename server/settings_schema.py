"""Generate the editor-facing settings descriptions from the one settings model.

``server.config.Settings`` is the single source of truth. From it this module generates:

* the VS Code extension's ``contributes.configuration`` (in ``editors/vscode/package.json``): one
  property per leaf setting, keyed ``outrider.<field>`` with nested sections as dotted keys that
  keep the model's field names (``outrider.completion.debounce_ms``). VS Code hands the section
  ``outrider`` back as nested objects, which is exactly the shape ``Settings`` validates.
  Trusted-only keys get ``"scope": "machine"`` so a workspace's ``.vscode/settings.json`` cannot set them.
* ``docs/configuration.md``, the configuration reference.

Run ``python -m server.settings_schema --write`` after changing the model; ``--check`` (used by the
tests) exits 1 when a committed file differs from what the model generates.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from server.config import ENV_KEYS, TRUSTED_ONLY, Settings

REGENERATE_COMMAND = "python -m server.settings_schema --write"
PACKAGE_JSON = Path("editors/vscode/package.json")
CONFIGURATION_MD = Path("docs/configuration.md")
CLIENT_TAG = "outrider-client"
"""Tag on settings that only the VS Code extension reads; it never sends them to the server."""

JsonObject = dict[str, Any]

# Settings of the extension itself (how to start the server), not of the server. Their top-level
# names are reserved: the model may not grow a field called `server` or `trace`.
CLIENT_PROPERTIES: dict[str, JsonObject] = {
    "outrider.server.path": {
        "type": "string",
        "default": "outrider",
        "scope": "machine",
        "markdownDescription": "The `outrider` executable (a name on `PATH` or an absolute path).",
    },
    "outrider.server.args": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "scope": "machine",
        "markdownDescription": 'Extra arguments after `outrider lsp`, such as `["--provider", "replay"]`.',
    },
    "outrider.trace.server": {
        "type": "string",
        "enum": ["off", "messages", "verbose"],
        "default": "off",
        "scope": "window",
        "markdownDescription": "Log the LSP messages between VS Code and the server (Output: Outrider).",
    },
}
_SCHEMA_KEYS = (
    "type",
    "enum",
    "items",
    "properties",
    "additionalProperties",
    "required",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "pattern",
)


@dataclass(frozen=True)
class Leaf:
    """One setting: its path in the model, JSON schema, default, description and trust."""

    path: tuple[str, ...]
    schema: JsonObject
    default: Any
    description: str
    trusted_only: bool

    @property
    def key(self) -> str:
        return ".".join(self.path)


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _inline(schema: Any, defs: Mapping[str, Any]) -> Any:
    """Resolve ``$ref``s, flatten ``X | None`` to a type list, keep only the keys VS Code understands."""
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inline(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in schema:
        options = [_inline(option, defs) for option in schema["anyOf"]]
        non_null = [option for option in options if option.get("type") != "null"]
        if len(non_null) == 1 and len(options) == 2 and isinstance(non_null[0].get("type"), str):
            merged = dict(non_null[0])
            merged["type"] = [merged["type"], "null"]
            return merged
        return {"anyOf": options}
    out: JsonObject = {}
    for key in _SCHEMA_KEYS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "properties":
            out[key] = {name: _inline(sub, defs) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = _inline(value, defs)
        else:
            out[key] = value
    return out


def _leaves(model: type[BaseModel], defaults: Mapping[str, Any], prefix: tuple[str, ...]) -> Iterator[Leaf]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        if _is_section(info.annotation):
            yield from _leaves(info.annotation, defaults[name], path)  # type: ignore[arg-type]
            continue
        trusted_only = any(path[: len(t)] == t for t in TRUSTED_ONLY)
        leaf_schema = _inline(schema["properties"][name], defs)
        yield Leaf(path, leaf_schema, defaults[name], info.description or "", trusted_only)


def settings_leaves() -> list[Leaf]:
    """Every leaf setting of the model, in declaration order."""
    return list(_leaves(Settings, Settings().model_dump(mode="json"), ()))


def missing_descriptions() -> list[str]:
    """Dotted keys of settings that have no ``Field(description=...)``."""
    return [leaf.key for leaf in settings_leaves() if not leaf.description.strip()]


def vscode_configuration() -> JsonObject:
    """The ``contributes.configuration`` object for the VS Code extension."""
    reserved = {key.split(".")[1] for key in CLIENT_PROPERTIES}
    properties: JsonObject = {}
    for order, leaf in enumerate(settings_leaves()):
        if leaf.path[0] in reserved:
            raise ValueError(f"setting '{leaf.key}' collides with the extension's own 'outrider.{leaf.path[0]}.*'")
        prop: JsonObject = dict(leaf.schema)
        prop["default"] = leaf.default
        prop["scope"] = "machine" if leaf.trusted_only else "window"
        prop["order"] = order
        description = leaf.description or "(undocumented)"
        if leaf.trusted_only:
            description += " Only from user settings: workspaces cannot set it."
        prop["markdownDescription"] = description
        properties[f"outrider.{leaf.key}"] = prop
    base = len(properties)
    for offset, (key, client_prop) in enumerate(CLIENT_PROPERTIES.items()):
        properties[key] = {**client_prop, "order": base + offset, "tags": [CLIENT_TAG]}
    return {"title": "Outrider", "properties": properties}


def _type_text(schema: Mapping[str, Any]) -> str:
    """A short human description of a schema, e.g. ``integer (≥ 0, ≤ 2000)`` or ``list of string``."""
    if "enum" in schema:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_type_text(option) for option in schema["anyOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        text = " or ".join(_type_text({**schema, "type": k}) for k in kinds)
        return f"{text}, optional" if "null" in kind else text
    if kind == "array":
        return f"list of {_type_text(schema.get('items', {}))}"
    if kind == "object" and "properties" in schema:
        required = set(schema.get("required", []))
        fields = ", ".join(f"{name}{'' if name in required else '?'}" for name in schema["properties"])
        return f"table {{{fields}}}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"table of name → {_type_text(schema['additionalProperties'])}"
    bounds = []
    for key, symbol in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
        if key in schema:
            bounds.append(f"{symbol} {schema[key]}")
    return str(kind) + (f" ({', '.join(bounds)})" if bounds else "")


def _default_text(value: Any) -> str:
    return "unset" if value is None else f"`{json.dumps(value, ensure_ascii=False)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _toml_example() -> str:
    return "\n".join(
        [
            "```toml",
            "# ~/.config/outrider/config.toml (or [tool.outrider] in pyproject.toml, or outrider.toml)",
            'provider = "anthropic"',
            'model = "claude-sonnet-4-6"',
            "",
            "[completion]",
            "debounce_ms = 120",
            "",
            "[agent]",
            "max_cost_usd = 0.5",
            'test_commands = [["pytest", "-q"]]',
            "```",
        ]
    )


def _markdown_intro() -> list[str]:
    env_rows = [f"| `{var}` | `{'.'.join(path)}` |" for var, path in sorted(ENV_KEYS.items())]
    return [
        "# Configuration reference",
        "",
        f"<!-- Generated from server/config.py by `{REGENERATE_COMMAND}`; do not edit by hand. -->",
        "",
        "Every setting below lives in one model (`server/config.py`). Sources, lowest to highest:",
        "defaults, `~/.config/outrider/config.toml` (`$XDG_CONFIG_HOME`), the workspace (`[tool.outrider]` in",
        "`pyproject.toml` or an `outrider.toml` at its root), the environment, the editor (LSP",
        "`initializationOptions` and `workspace/configuration` section `outrider`), command-line flags.",
        "An invalid value is reported once and falls back to the value from the sources below it.",
        "",
        "Keys are the same everywhere: a TOML table per section, dotted keys in VS Code",
        "(`outrider.completion.debounce_ms`), a nested object in other editors' LSP settings.",
        "",
        _toml_example(),
        "",
        "**Trusted only** (🔒): anyone can commit an `outrider.toml`, so keys that could send your API key",
        "elsewhere or run programs are ignored when they come from the workspace. Set them in your user",
        "config, the environment, your editor's user settings or on the command line.",
        "",
        "Environment variables:",
        "",
        "| Variable | Setting |",
        "| --- | --- |",
        *env_rows,
        "",
        "API keys are read by the SDKs themselves: `ANTHROPIC_API_KEY`, `OPENAI_API_KEY` (and",
        "`ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL`). They are never settings.",
    ]


def _leaves_by_section() -> dict[tuple[str, ...], list[Leaf]]:
    """Leaves grouped by section: top-level keys first, then sections in declaration order."""
    groups: dict[tuple[str, ...], list[Leaf]] = {(): []}
    for leaf in settings_leaves():
        groups.setdefault(leaf.path[:-1], []).append(leaf)
    return groups


def configuration_markdown() -> str:
    """The text of ``docs/configuration.md``."""
    lines = _markdown_intro()
    header = ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for section, leaves in _leaves_by_section().items():
        title = f"`[{'.'.join(section)}]`" if section else "Top level"
        lines += ["", f"## {title}", "", *header]
        for leaf in leaves:
            lock = " 🔒" if leaf.trusted_only else ""
            description = leaf.description or "(undocumented)"
            row = [f"`{leaf.key}`{lock}", _type_text(leaf.schema), _default_text(leaf.default), description]
            lines.append("| " + " | ".join(_cell(cell) for cell in row) + " |")
    lines += ["", "## VS Code only", "", "Read by the extension, never sent to the server.", "", *header]
    for key, prop in CLIENT_PROPERTIES.items():
        row = [f"`{key}`", _type_text(prop), _default_text(prop["default"]), prop["markdownDescription"]]
        lines.append("| " + " | ".join(_cell(cell) for cell in row) + " |")
    return "\n".join(lines) + "\n"


def _as_javascript_writes(value: Any) -> Any:
    """Whole floats as integers (``5.0`` -> ``5``), as npm writes package.json back, so it stays in sync."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _as_javascript_writes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_javascript_writes(item) for item in value]
    return value


def render_package_json(current: str) -> str:
    """``current`` package.json text with ``contributes.configuration`` regenerated; the rest kept.

    Written the way npm writes it back (2-space indent, raw UTF-8, whole numbers without ``.0``).
    """
    package = json.loads(current)
    package.setdefault("contributes", {})["configuration"] = vscode_configuration()
    return json.dumps(_as_javascript_writes(package), indent=2, ensure_ascii=False) + "\n"


def generated_files(root: Path) -> dict[Path, str]:
    """Each generated file (relative to ``root``) and the text it should have."""
    package_path = root / PACKAGE_JSON
    current = package_path.read_text(encoding="utf-8") if package_path.is_file() else "{}"
    return {PACKAGE_JSON: render_package_json(current), CONFIGURATION_MD: configuration_markdown()}


def stale_files(root: Path) -> list[Path]:
    """Generated files whose committed text differs from what the model generates, sorted."""
    stale = []
    for relative, text in sorted(generated_files(root).items()):
        path = root / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


def write_files(root: Path) -> list[Path]:
    """Rewrite the generated files that changed; returns them."""
    changed = stale_files(root)
    for relative, text in generated_files(root).items():
        if relative in changed:
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m server.settings_schema", description="Generate VS Code settings and docs from the model."
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate the files")
    mode.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent, help="repository root")
    args = parser.parse_args(argv)
    if missing := missing_descriptions():
        sys.stderr.write(f"warning: settings without a description: {', '.join(missing)}\n")
    if args.write:
        for relative in write_files(args.root):
            sys.stderr.write(f"wrote {relative}\n")
        return 0
    if stale := stale_files(args.root):
        names = ", ".join(str(path) for path in stale)
        sys.stderr.write(f"out of date with server/config.py: {names}; run: {REGENERATE_COMMAND}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
