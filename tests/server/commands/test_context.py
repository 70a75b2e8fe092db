"""`outrider context FILE:LINE:COL` through server.cli.main (server/commands/context.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.cli import main

WORKSPACE = Path(__file__).parent.parent.parent / "workspaces" / "multilang"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for var in ("OUTRIDER_PROVIDER", "OUTRIDER_MODEL"):
        monkeypatch.delenv(var, raising=False)


def test_prints_packed_context_with_cursor(capsys: pytest.CaptureFixture[str]) -> None:
    path = WORKSPACE / "py" / "shapes.py"
    assert main(["context", f"{path}:30:16", "--budget", "500"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# {path}:30:16 (python)")
    assert "module shapes.py > class Circle (lines 24-30) > method area (lines 29-30)" in out
    assert "        return <CURSOR>math.pi * self.radius**2" in out


def test_json_output_and_character_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "e.py"
    path.write_text("s = '😀中'\nt = 2\n", encoding="utf-8")
    assert main(["context", f"{path}:1:7", "--json", "--budget", "200"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["prefix"] == "s = '😀" and data["suffix"].startswith("中'")
    assert (data["line"], data["character"], data["budget"]) == (0, 7, 200)


def test_default_budget_comes_from_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "outrider.toml").write_text("[completion]\ncontext_tokens = 321\n", encoding="utf-8")
    path = tmp_path / "a.py"
    path.write_text("x = 1\n", encoding="utf-8")
    assert main(["context", f"{path}:1:1", "--json", "--workspace", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["budget"] == 321


@pytest.mark.parametrize(
    ("content", "where", "message"),
    [
        (None, "1:1", "no such file"),
        (b"x = 1\n", "5:1", "line 5 is past the end"),
        (b"x = 1\n", "1:9", "column 9 is past the end of the line"),
        (b"\x00\x01binary", "1:1", "skipped (binary"),
        (b"x = '\xff'\n", "1:1", "not valid UTF-8"),
    ],
)
def test_errors_are_one_line_and_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, where: str, message: str
) -> None:
    path = tmp_path / "f.py"
    if content is not None:
        path.write_bytes(content)
    assert main(["context", f"{path}:{where}"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("outrider context: ") and message in err and "\n" not in err
