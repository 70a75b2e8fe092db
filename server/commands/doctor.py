"""``outrider doctor``: check the configuration and every configured provider, say what works."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
from dataclasses import asdict, dataclass
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

from server.commands.arguments import settings_overrides
from server.config import Settings, load_settings
from server.models.prices import PriceTable
from server.models.registry import ProviderConfigError, build_adapter, chain_refs
from server.observe.store import default_db_path

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str


async def _probe(adapter: Any, limit_s: float) -> str | None:
    probe = getattr(adapter, "probe", None)
    if probe is None:
        return None
    try:
        error = await asyncio.wait_for(probe(), limit_s)
    except TimeoutError:
        return f"no answer within {limit_s:g}s"
    return None if error is None else f"{error.kind}: {error.message}"


def provider_checks(settings: Settings, env: dict[str, str]) -> list[Check]:
    checks: list[Check] = []
    prices = PriceTable(settings.prices)
    for position, ref in enumerate(chain_refs(settings)):
        label = f"provider {position + 1}: {ref.provider}" + (f" ({ref.model})" if ref.model else "")
        try:
            adapter = build_adapter(ref, settings, env)
        except ProviderConfigError as exc:
            checks.append(Check(label, "fail", str(exc)))
            continue
        timeout = min(10.0, settings.timeouts.connect_s + settings.timeouts.first_token_s)
        problem = asyncio.run(_probe(adapter, timeout))
        if problem is not None:
            checks.append(Check(label, "fail", problem))
            continue
        if ref.provider == "replay":
            checks.append(Check(label, "ok", f"session with {getattr(adapter, 'remaining', 0)} recorded calls"))
            continue
        where = getattr(adapter, "_base_url", None) or "default endpoint"
        checks.append(Check(label, "ok", f"reachable at {where}; model {adapter.model}"))
        if prices.price_for(adapter.model) is None and has_dollar_caps(settings):
            checks.append(
                Check(
                    f"caps: {adapter.model}",
                    "warn",
                    "no price for this model: dollar caps do not apply to it (requests-per-minute caps do); "
                    "add its price under [prices] to cap it",
                )
            )
        if ref.provider in ("anthropic", "openai") and prices.price_for(adapter.model) is None:
            checks.append(Check(f"price: {adapter.model}", "warn", "no known price: cost and budgets count $0"))
        elif prices.is_estimate(adapter.model):
            checks.append(
                Check(
                    f"price: {adapter.model}",
                    "warn",
                    "not in the price table: charged at its family's highest price; add it under [prices]",
                )
            )
    return checks


def has_dollar_caps(settings: Settings) -> bool:
    caps = settings.caps
    return (
        caps.daily_usd is not None
        or caps.monthly_usd is not None
        or any(f.daily_usd is not None or f.monthly_usd is not None for f in caps.features.values())
    )


def other_checks(settings: Settings, problems: list[str]) -> list[Check]:
    checks = [Check("settings", "warn", problem) for problem in problems] or [Check("settings", "ok", "valid")]
    db = default_db_path()
    if settings.traces.enabled:
        parent = next((p for p in (db.parent, *db.parents) if p.exists()), None)
        writable = parent is not None and os.access(parent, os.W_OK)
        checks.append(Check("trace store", "ok" if writable else "fail", str(db)))
    else:
        checks.append(Check("trace store", "warn", "traces are off (traces.enabled = false)"))
    if settings.traces.otlp_endpoint:
        installed = importlib.util.find_spec("opentelemetry.sdk") is not None
        detail = settings.traces.otlp_endpoint if installed else "needs: pip install 'outrider[otel]'"
        checks.append(Check("OpenTelemetry export", "ok" if installed else "fail", detail))
    checks.append(sandbox_check(settings))
    return checks


def mcp_checks(settings: Settings) -> list[Check]:
    """Each configured MCP server starts and lists its tools (nothing is started when none is set)."""
    if not settings.mcp.servers:
        return []
    from server.mcp.toolbox import probe_servers

    checks: list[Check] = []
    for name, listed in asyncio.run(probe_servers(settings.mcp)):
        if isinstance(listed, str):
            checks.append(Check(f"MCP server {name}", "fail", listed))
        else:
            shown = ", ".join(listed) if listed else "no tools"
            checks.append(Check(f"MCP server {name}", "ok" if listed else "warn", f"{len(listed)} tools: {shown}"))
    return checks


def sandbox_check(settings: Settings) -> Check:
    """Whether tests on the model's proposed code run in the OS sandbox."""
    from tools.os_sandbox import sandbox_status

    if not settings.agent.sandbox:
        return Check("test sandbox", "warn", "off (agent.sandbox = false): tests on proposed code ask first")
    status = sandbox_status()
    if status.active:
        return Check("test sandbox", "ok", f"active: {status.detail}")
    return Check("test sandbox", "warn", f"not active ({status.detail}): tests on proposed code ask first")


def run(args: argparse.Namespace) -> int:
    loaded = load_settings(getattr(args, "workspace", None), cli=settings_overrides(args))
    settings = loaded.settings
    checks = other_checks(settings, loaded.problems) + provider_checks(settings, dict(os.environ))
    checks += mcp_checks(settings)
    providers_ok = any(c.status == "ok" for c in checks if c.name.startswith("provider "))
    if args.json:
        print(json.dumps({"ok": providers_ok, "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        table = Table(title="outrider doctor")
        for column in ("check", "status", "detail"):
            table.add_column(column)
        colours = {"ok": "green", "warn": "yellow", "fail": "red"}
        for check in checks:
            table.add_row(check.name, f"[{colours[check.status]}]{check.status}[/]", check.detail)
        Console().print(table)
    return 0 if providers_ok else 1
