"""One adapter per provider wire format, translating our neutral types to and from its SDK.

- :mod:`~server.models.adapters.anthropic`: Anthropic Messages (the ``anthropic`` SDK);
- :mod:`~server.models.adapters.openai`: OpenAI Chat Completions, and OpenAI-compatible servers;
- :mod:`~server.models.adapters.fim_http`: ``/v1/completions`` with a suffix for FIM models, over
  :mod:`~server.models.adapters.http11` (a small keep-alive HTTP/1.1 client);
- :mod:`~server.models.adapters.fim_prompt`: which models take a suffix natively, and a chat
  prompt for those that don't.

Adapters import their SDK at module import: :mod:`server.models.registry` imports them lazily.
"""
