"""Wire-protocol emulator for the Anthropic and OpenAI APIs (see ``server.py`` and ``script.py``)."""

from tests.emulator.request_log import RecordedRequest
from tests.emulator.script import Reply, ScriptedToolCall, ScriptedUsage, load_script
from tests.emulator.server import Emulator

__all__ = ["Emulator", "RecordedRequest", "Reply", "ScriptedToolCall", "ScriptedUsage", "load_script"]
