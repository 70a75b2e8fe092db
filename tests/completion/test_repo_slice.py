from pathlib import Path

from context.repomap.index import RepoMap
from server.completion.repo_slice import TITLE, RepoSlices


def test_slice_of_the_indexed_workspace_focused_on_the_file(tmp_path: Path) -> None:
    (tmp_path / "util.py").write_text("def helper(values):\n    return sorted(values)\n", encoding="utf-8")
    (tmp_path / "app.py").write_text("from util import helper\n\n\ndef main():\n    helper([])\n", encoding="utf-8")
    repo_map = RepoMap(tmp_path, None)
    slices = RepoSlices(repo_map)
    assert slices(str(tmp_path / "app.py"), 2048, None) == ()  # not indexed yet: nothing, no waiting
    repo_map.index_sync()
    (section,) = slices(str(tmp_path / "app.py"), 2048, None)
    assert section.title == TITLE
    assert "helper" in section.text
    assert "def main" not in section.text  # the focus file's own definitions are already in the prompt
