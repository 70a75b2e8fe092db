"""The provider factory: settings in, a ready ``Provider`` out (fallback chain, retries, breaker,
timeouts and tracing applied). Misconfiguration raises :class:`ProviderConfigError` with one
actionable line.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from server.config import DEFAULT_MODELS, ProviderRef, Settings
from server.models.calls import CallObserver
from server.models.caps import SpendCaps, rules_from
from server.models.fallback import FallbackProvider
from server.models.prices import PriceTable
from server.models.resilience import ResilientProvider
from server.models.streaming import Adapter
from server.models.types import Provider

log = logging.getLogger(__name__)

KNOWN_PROVIDERS = ("anthropic", "openai", "openai-compatible", "replay")

ADAPTER_MODULES = {
    "anthropic": "server.models.adapters.anthropic",
    "openai": "server.models.adapters.openai",
    "openai-compatible": "server.models.adapters.openai",
    "replay": "server.models.sessions.replay",
}
"""The module of each provider's adapter (it imports that provider's SDK)."""


class ProviderConfigError(Exception):
    """A provider cannot be built from the settings; the message says what to change."""


def chain_refs(settings: Settings) -> list[ProviderRef]:
    """The configured provider, then the fallbacks, in order."""
    primary = ProviderRef(provider=settings.provider, model=settings.resolved_model(), base_url=settings.base_url)
    return [primary, *settings.fallback]


def import_provider_modules(settings: Settings) -> None:
    """Import the configured providers' adapters and SDKs (a second or more each; blocking: run it
    in a thread), so that building the provider on an event loop later does not stall it."""
    for name in sorted({ref.provider for ref in chain_refs(settings)}):
        if (module := ADAPTER_MODULES.get(name)) is not None:
            importlib.import_module(module)


def _check_url(name: str, url: str | None) -> str | None:
    if url is None:
        return None
    if not url.startswith(("http://", "https://")):
        raise ProviderConfigError(f"{name}: base_url {url!r} must start with http:// or https://")
    return url.rstrip("/")


def build_adapter(ref: ProviderRef, settings: Settings, env: Mapping[str, str]) -> Adapter:
    """One adapter for one link of the chain; raises ProviderConfigError if it cannot work."""
    name = ref.provider
    model = ref.model or DEFAULT_MODELS.get(name, "")
    if name == "anthropic":
        key = env.get("ANTHROPIC_API_KEY") or env.get("ANTHROPIC_AUTH_TOKEN")
        if not key:
            raise ProviderConfigError("anthropic: no API key; set ANTHROPIC_API_KEY, or pick another provider")
        from server.models.adapters.anthropic import AnthropicAdapter

        base_url = _check_url(name, ref.base_url or env.get("ANTHROPIC_BASE_URL"))
        return AnthropicAdapter(model, key, base_url, settings.timeouts)
    if name in ("openai", "openai-compatible"):
        base_url = _check_url(name, ref.base_url or env.get("OPENAI_BASE_URL"))
        key = env.get("OPENAI_API_KEY")
        if name == "openai" and not key:
            raise ProviderConfigError("openai: no API key; set OPENAI_API_KEY, or pick another provider")
        if name == "openai-compatible" and not base_url:
            raise ProviderConfigError(
                "openai-compatible: no base_url; set base_url (e.g. http://localhost:11434/v1 for Ollama) "
                "or OPENAI_BASE_URL"
            )
        from server.models.adapters.openai import OpenAIAdapter

        return OpenAIAdapter(name, model, key or "not-needed", base_url, settings.timeouts, settings.completion.fim)
    if name == "replay":
        if not settings.replay_session:
            raise ProviderConfigError("replay: no session file; set replay_session (or OUTRIDER_REPLAY_SESSION)")
        from server.models.sessions.replay import ReplayAdapter

        path = Path(settings.replay_session).expanduser()
        if not path.is_file():
            raise ProviderConfigError(f"replay: session file {path} not found")
        try:
            return ReplayAdapter.from_file(path)
        except ValueError as exc:
            raise ProviderConfigError(f"replay: {exc}") from exc
    raise ProviderConfigError(f"unknown provider {name!r}; choose one of {', '.join(KNOWN_PROVIDERS)}")


def build_provider(
    settings: Settings,
    *,
    tracer: CallObserver | None = None,
    env: Mapping[str, str] | None = None,
    record_to: Path | None = None,
    caps: SpendCaps | None = None,
) -> Provider:
    """The provider stack for `settings`. `tracer` gets one CallRecord per call; `record_to`
    writes a JSONL session of every request and its events; `caps` admits every call (one gate
    per process, shared by every stack it builds; the frontend owns it and its alerts). Without
    one, caps set in `settings` still hold: a gate is opened here, alerting on stderr."""
    env = os.environ if env is None else env
    prices = PriceTable(settings.prices)
    if caps is None and rules_from(settings.caps):
        caps = SpendCaps.open(settings, env)
    links: list[ResilientProvider] = []
    problems: list[str] = []
    for ref in chain_refs(settings):
        try:
            adapter = build_adapter(ref, settings, env)
        except ProviderConfigError as exc:
            problems.append(str(exc))
            continue
        links.append(
            ResilientProvider(
                adapter,
                timeouts=settings.timeouts,
                retry=settings.retry,
                observer=tracer if settings.traces.enabled else None,
                prices=prices,
                store_content=settings.traces.store_content,
                caps=caps,
            )
        )
    if not links:
        raise ProviderConfigError(problems[0])
    for problem in problems:
        log.warning("provider skipped: %s", problem)
    provider: Provider = links[0] if len(links) == 1 else FallbackProvider(links)
    if record_to is not None:
        from server.models.sessions.recording import RecordingProvider

        provider = RecordingProvider(provider, record_to)
    return provider
