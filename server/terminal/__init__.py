"""The terminal frontend of the agent: progress, diffs, applying and committing edits on disk."""
