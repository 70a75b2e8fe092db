"""The generated VS Code settings contribution and docs/configuration.md match the settings model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from server.config import TRUSTED_ONLY, Settings, load_settings
from server.settings_schema import (
    CLIENT_PROPERTIES,
    CLIENT_TAG,
    CONFIGURATION_MD,
    PACKAGE_JSON,
    REGENERATE_COMMAND,
    configuration_markdown,
    main,
    missing_descriptions,
    render_package_json,
    settings_leaves,
    stale_files,
    vscode_configuration,
)

ROOT = Path(__file__).resolve().parents[2]
PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def _committed_properties() -> dict[str, Any]:
    package = json.loads((ROOT / PACKAGE_JSON).read_text(encoding="utf-8"))
    properties: dict[str, Any] = package["contributes"]["configuration"]["properties"]
    return properties


def _as_vscode_sends(properties: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """What VS Code returns for section `outrider`: dotted keys become nested objects."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if CLIENT_TAG in properties[name].get("tags", []):
            continue
        node = out
        *parents, last = name.removeprefix("outrider.").split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def test_committed_files_match_the_model() -> None:
    stale = stale_files(ROOT)
    assert stale == [], f"{', '.join(map(str, stale))} out of date with server/config.py; run: {REGENERATE_COMMAND}"


def test_every_setting_has_a_description() -> None:
    hint = f"add Field(description=...) in server/config.py, then run {REGENERATE_COMMAND}"
    assert missing_descriptions() == [], hint


def test_one_property_per_setting_plus_the_extension_settings() -> None:
    properties = vscode_configuration()["properties"]
    expected = [f"outrider.{leaf.key}" for leaf in settings_leaves()] + list(CLIENT_PROPERTIES)
    assert list(properties) == expected
    assert "outrider.completion.debounce_ms" in properties
    assert "outrider.server.path" in properties


def test_trusted_only_keys_are_user_only_in_vscode() -> None:
    properties = vscode_configuration()["properties"]
    trusted = {f"outrider.{'.'.join(path)}" for path in TRUSTED_ONLY}
    assert trusted <= set(properties)
    for name, prop in properties.items():
        if name in trusted:
            assert prop["scope"] == "machine", name
            assert "workspaces cannot set it" in prop["markdownDescription"]
        elif CLIENT_TAG not in prop.get("tags", []):
            assert prop["scope"] == "window", name


def test_schema_carries_types_bounds_and_enums() -> None:
    properties = vscode_configuration()["properties"]
    debounce = properties["outrider.completion.debounce_ms"]
    assert (debounce["type"], debounce["minimum"], debounce["maximum"], debounce["default"]) == ("integer", 0, 2000, 75)
    assert properties["outrider.provider"]["enum"] == ["anthropic", "openai", "openai-compatible", "replay"]
    assert properties["outrider.model"]["type"] == ["string", "null"]
    assert properties["outrider.timeouts.connect_s"]["exclusiveMinimum"] == 0
    fallback_item = properties["outrider.fallback"]["items"]
    assert fallback_item["required"] == ["provider"] and "$ref" not in json.dumps(properties)
    assert properties["outrider.prices"]["additionalProperties"]["required"] == ["input", "output"]


def test_defaults_have_the_declared_types() -> None:
    for name, prop in vscode_configuration()["properties"].items():
        kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        default = prop["default"]
        ok = any(default is None if kind == "null" else isinstance(default, PYTHON_TYPES[kind]) for kind in kinds)
        assert ok and not (isinstance(default, bool) and "boolean" not in kinds), name


def test_server_accepts_exactly_what_the_extension_sends() -> None:
    properties = _committed_properties()
    every_default = _as_vscode_sends(properties, {name: prop["default"] for name, prop in properties.items()})
    assert Settings.model_validate(every_default) == Settings()
    changed = _as_vscode_sends(
        properties,
        {"outrider.completion.debounce_ms": 150, "outrider.agent.test_commands": [["pytest", "-q"]]},
    )
    loaded = load_settings(None, env={"XDG_CONFIG_HOME": "/nonexistent"}, editor=changed)
    assert loaded.problems == []
    assert loaded.settings.completion.debounce_ms == 150
    assert loaded.settings.agent.test_commands == [["pytest", "-q"]]


def test_markdown_lists_every_key_and_marks_trusted_ones() -> None:
    text = configuration_markdown()
    for leaf in settings_leaves():
        lock = " 🔒" if leaf.trusted_only else ""
        assert f"| `{leaf.key}`{lock} |" in text, leaf.key
    assert "## `[completion]`" in text and "`OUTRIDER_PROVIDER`" in text
    assert "| `outrider.server.path` |" in text


def test_check_fails_with_the_regenerate_command_and_write_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / PACKAGE_JSON).parent.mkdir(parents=True)
    shutil.copy(ROOT / PACKAGE_JSON, tmp_path / PACKAGE_JSON)
    package = json.loads((tmp_path / PACKAGE_JSON).read_text(encoding="utf-8"))
    package["contributes"]["configuration"]["properties"].pop("outrider.completion.debounce_ms")
    (tmp_path / PACKAGE_JSON).write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")

    assert main(["--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert str(CONFIGURATION_MD) in err and str(PACKAGE_JSON) in err and REGENERATE_COMMAND in err

    assert main(["--write", "--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0
    rewritten = json.loads((tmp_path / PACKAGE_JSON).read_text(encoding="utf-8"))
    assert rewritten["name"] == package["name"]
    assert "outrider.completion.debounce_ms" in rewritten["contributes"]["configuration"]["properties"]


def test_package_json_is_written_as_npm_writes_it() -> None:
    text = (ROOT / PACKAGE_JSON).read_text(encoding="utf-8")
    rendered = render_package_json(text)
    assert render_package_json(rendered) == rendered
    assert '"default": 5,' in rendered and '"default": 5.0' not in rendered
    assert json.loads(rendered)["contributes"]["configuration"]["properties"]["outrider.retry.backoff_base_s"][
        "default"
    ] == pytest.approx(0.5)
