"""``outrider next-edit FILE:LINE:COL --edits DIFF_FILE`` against the wire emulator (through the real
SDK), and its feature name in ``outrider traces`` / ``outrider cost``."""

import json
from pathlib import Path

import pytest

from server.cli import main
from tests.emulator.server import Emulator
from tests.nextedit.case_scripts import CHANGE_SIGNATURE, RENAME_PARAMETER


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("OUTRIDER_PROVIDER", "OUTRIDER_MODEL", "OUTRIDER_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-emulator")
    root = tmp_path / "ws"
    root.mkdir()
    (root / RENAME_PARAMETER.path).write_text(RENAME_PARAMETER.current, encoding="utf-8")
    (root / "recent.diff").write_text(RENAME_PARAMETER.diff, encoding="utf-8")
    return root


def flags(emulator: Emulator, root: Path) -> list[str]:
    return [
        "--provider",
        "openai",
        "--base-url",
        emulator.openai_base_url,
        "--model",
        "gpt-4.1-mini",
        "--workspace",
        str(root),
    ]


def test_prints_the_predicted_edit_as_a_diff_and_traces_it_as_next_edit(
    workspace: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.script({"text": RENAME_PARAMETER.reply, "usage": {"input_tokens": 900, "output_tokens": 60}})
    file = workspace / RENAME_PARAMETER.path
    edits = str(workspace / "recent.diff")
    assert main(["next-edit", f"{file}:1:31", "--edits", edits, *flags(emulator, workspace)]) == 0
    out, err = capsys.readouterr()
    assert out == (
        "--- a/pricing.py\n+++ b/pricing.py\n@@ -1,3 +1,3 @@\n def total_price(items, tax_rate):\n"
        "     subtotal = sum(item.price for item in items)\n-    return subtotal * (1 + rate)\n"
        "+    return subtotal * (1 + tax_rate)\n"
    )
    assert err.startswith("1 edit(s): region lines 1-3, chat prompt, gpt-4.1-mini, model")
    prompt = emulator.requests[0].body["messages"][-1]["content"]
    assert "-def total_price(items, rate):\n+def total_price(items, tax_rate):" in prompt
    assert main(["traces", "--json", "--feature", "next_edit"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["feature"] == "next_edit" and row["output_tokens"] == 60
    assert main(["cost", "--json"]) == 0
    assert [r["feature"] for r in json.loads(capsys.readouterr().out)["rows"]] == ["next_edit"]


def test_a_diff_that_does_not_lead_to_the_file_is_an_error(
    workspace: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (workspace / "other.diff").write_text(CHANGE_SIGNATURE.diff, encoding="utf-8")
    file = workspace / RENAME_PARAMETER.path
    edits = str(workspace / "other.diff")
    assert main(["next-edit", f"{file}:1:1", "--edits", edits, *flags(emulator, workspace)]) == 1
    assert "--edits: hunk 1 does not match the file" in capsys.readouterr().err
    assert emulator.requests == []


def test_a_next_edit_model_gets_its_own_prompt_as_a_raw_completion(
    workspace: Path,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.script({"text": "```pricing.py\n" + RENAME_PARAMETER.reply + "```\n"})
    file = workspace / RENAME_PARAMETER.path
    zeta = ["--provider", "openai-compatible", "--base-url", emulator.openai_base_url, "--model", "zed-industries/zeta"]
    edits = str(workspace / "recent.diff")
    assert main(["next-edit", f"{file}:1:32", "--edits", edits, *zeta, "--workspace", str(workspace)]) == 0
    assert "+    return subtotal * (1 + tax_rate)\n" in capsys.readouterr().out
    (request,) = emulator.requests
    assert request.path == "/v1/completions" and "suffix" not in request.body
    prompt = request.body["prompt"]
    assert prompt.startswith("### Instruction:\n") and prompt.endswith("### Response:\n")
    assert 'User edited "pricing.py":\n```diff\n' in prompt
    region = "<|editable_region_start|>\ndef total_price(items, tax_rate<|user_cursor_is_here|>):\n"
    assert f"```pricing.py\n<|start_of_file|>\n{region}" in prompt
