"""The session's one model provider: :data:`PROVIDER`, shared by every feature that calls a model.

Built once from the settings by :func:`server.models.registry.build_provider` (the same builder the
terminal commands use), with the session's trace store and spend caps, so inline completion and the agent share
one fallback chain, one circuit breaker and one connection pool per endpoint. Rebuilt when the
settings change. :func:`provider_for` imports the providers' SDKs in a thread the first time, so
building it never stalls the event loop.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from server.lsp.services.caps import CAPS
from server.lsp.services.container import ServiceKey
from server.lsp.services.tracing import TRACER
from server.models.registry import build_provider, import_provider_modules
from server.models.types import Provider

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer


def _build_provider(server: OutriderServer) -> Provider:
    return build_provider(
        server.settings, tracer=server.services.get(TRACER), env=server.env, caps=server.services.get(CAPS)
    )


PROVIDER: ServiceKey[Provider] = ServiceKey("model provider", _build_provider)
"""The provider stack (fallback chain, retries, breaker, tracing) of the session's settings."""


async def provider_for(server: OutriderServer) -> Provider:
    """The shared provider; the first time, the SDKs are imported in a thread, not on the loop.
    Raises :class:`server.models.registry.ProviderConfigError` when the settings name none that works."""
    if (provider := server.services.peek(PROVIDER)) is not None:
        return provider
    await asyncio.to_thread(import_provider_modules, server.settings)
    return server.services.get(PROVIDER)
