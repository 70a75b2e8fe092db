"""`outrider cost` shows each spend cap (use, reset time) and the alerts raised; the ledger starts
from the spend traced before it existed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from server.cli import main
from server.config import load_settings
from server.models.caps import Alert, SpendCaps, window_bounds
from server.observe.store import TraceStore, default_db_path
from tests.observe.test_cost import _call


def test_cost_shows_caps_use_reset_and_alerts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "outrider").mkdir()
    (tmp_path / "outrider" / "config.toml").write_text(
        "[caps]\ndaily_usd = 1.0\n[caps.features.completion]\nrequests_per_minute = 30\n"
    )
    now = time.time()
    with TraceStore(default_db_path()).open() as store:  # traced before the ledger existed
        store.record(_call("agent", now - 1, 0.25))
        store.flush()
    settings = load_settings().settings
    alerts: list[Alert] = []
    caps = SpendCaps.open(settings, on_alert=alerts.append)
    caps.settle(None, "agent", now, 0.30)  # 0.25 + 0.30: past 50%
    caps.flush()
    caps.close()
    assert [alert.kind for alert in alerts] == ["threshold"]

    assert main(["cost", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    caps_by_name = {cap["cap"]: cap for cap in report["caps"]}
    daily = caps_by_name["caps.daily_usd"]
    assert daily["used"] == pytest.approx(0.55) and daily["limit"] == 1.0
    assert daily["resets_at"] == window_bounds("day", time.time())[1]
    assert caps_by_name["caps.features.completion.requests_per_minute"]["used"] == 0
    assert [alert["message"] for alert in report["alerts"]] == [alerts[0].message]
    assert "50% used" in alerts[0].message

    assert main(["cost"]) == 0
    out = capsys.readouterr().out
    assert "caps.daily_usd" in out and "$1.00" in out and "50% used" in out
