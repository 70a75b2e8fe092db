"""Recorded sessions: the JSONL format, recording a provider's calls, and replaying them.

- :mod:`~server.models.sessions.format`: the file format (one event per line, readable by a person);
- :mod:`~server.models.sessions.recording`: a provider wrapper that writes a session;
- :mod:`~server.models.sessions.replay`: an adapter that answers from a session and fails loudly
  when the project asks something different from what was recorded.
"""
