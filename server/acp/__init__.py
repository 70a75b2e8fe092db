"""The Agent Client Protocol frontend (``outrider acp``): the only package besides ``server/lsp``
and ``server/cli.py`` that imports the ACP SDK.

- :mod:`server.acp.agent` - the protocol handlers
- :mod:`server.acp.session` - one session and its prompt turns (the agent loop, feature ``acp``)
- :mod:`server.acp.updates` - agent events as ``session/update`` notifications
- :mod:`server.acp.edits` - permission, then ``fs/write_text_file`` or an atomic write
- :mod:`server.acp.prompt` - prompt content blocks as the task's instruction
- :mod:`server.acp.gate` - MCP tool approval through ``session/request_permission``
- :mod:`server.acp.convert` - conversions to ACP schema objects
"""
