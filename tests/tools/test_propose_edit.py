from pathlib import Path

from tools import git_diff, propose_edit, read_file
from tools.tool import ToolEnv


async def test_search_replace_becomes_a_proposal_not_a_write(env: ToolEnv, project: Path) -> None:
    before = (project / "src" / "app.py").read_text()
    result = await propose_edit.TOOL.call(
        {"path": "src/app.py", "edits": [{"search": "def greet(name):", "replace": "def greet(name, punct='!'):"}]},
        env,
    )
    assert not result.is_error, result.text
    assert "+def greet(name, punct='!'):" in result.text
    assert (project / "src" / "app.py").read_text() == before
    [proposal] = env.proposals.items()
    assert proposal.base_text == before
    assert proposal.new_text == before.replace("def greet(name):", "def greet(name, punct='!'):")


async def test_later_reads_and_edits_see_the_proposal(env: ToolEnv) -> None:
    await propose_edit.TOOL.call({"path": "src/app.py", "edits": [{"search": "'hi '", "replace": "'hello '"}]}, env)
    second = await propose_edit.TOOL.call(
        {"path": "src/app.py", "edits": [{"search": "'hello ' + name", "replace": "f'hello {name}'"}]}, env
    )
    assert not second.is_error, second.text
    read = await read_file.TOOL.call({"path": "src/app.py"}, env)
    assert "return f'hello {name}'" in read.text
    assert "with your proposed edits" in read.text
    [proposal] = env.proposals.items()
    assert "'hi ' + name" in (proposal.base_text or "")


async def test_new_file_delete_and_diff(env: ToolEnv) -> None:
    await propose_edit.TOOL.call({"path": "src/new.py", "new_content": "X = 1\n"}, env)
    await propose_edit.TOOL.call({"path": "README.md", "delete": True}, env)
    diff = (await git_diff.TOOL.call({"what": "proposed"}, env)).text
    assert "--- a/README.md\n+++ /dev/null" in diff
    assert "--- /dev/null\n+++ b/src/new.py\n" in diff
    assert [(p.target.rel, p.is_create, p.is_delete) for p in env.proposals.items()] == [
        ("README.md", False, True),
        ("src/new.py", True, False),
    ]


async def test_failed_match_tells_the_model_what_to_do(env: ToolEnv) -> None:
    result = await propose_edit.TOOL.call(
        {"path": "src/app.py", "edits": [{"search": "def greet(nam):\n    return 'hi' + name", "replace": "x"}]}, env
    )
    assert result.is_error
    assert "closest lines" in result.text
    assert not env.proposals.items()


async def test_exactly_one_kind_of_change(env: ToolEnv) -> None:
    both = await propose_edit.TOOL.call({"path": "a.py", "new_content": "x", "delete": True}, env)
    neither = await propose_edit.TOOL.call({"path": "a.py"}, env)
    assert both.invalid_arguments and neither.invalid_arguments


async def test_refused_paths_are_not_proposed(env: ToolEnv) -> None:
    for path in [".env", "../x.py", ".git/hooks/pre-commit", "build/out.txt"]:
        result = await propose_edit.TOOL.call({"path": path, "new_content": "evil\n"}, env)
        assert result.is_error, path
    assert not env.proposals.items()


async def test_syntax_errors_are_warned_at_once(env: ToolEnv) -> None:
    result = await propose_edit.TOOL.call(
        {"path": "src/app.py", "edits": [{"search": "(name):", "replace": "(name:"}]}, env
    )
    assert "syntax errors at line 1" in result.text


async def test_reverting_drops_the_proposal(env: ToolEnv) -> None:
    await propose_edit.TOOL.call({"path": "README.md", "edits": [{"search": "# demo", "replace": "# Demo"}]}, env)
    result = await propose_edit.TOOL.call(
        {"path": "README.md", "edits": [{"search": "# Demo", "replace": "# demo"}]}, env
    )
    assert "nothing proposed" in result.text
    assert len(env.proposals) == 0


async def test_redacted_secrets_are_never_written_over(env: ToolEnv, project: Path) -> None:
    (project / "settings.py").write_text('TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\nDEBUG = True\n')
    shown = (await read_file.TOOL.call({"path": "settings.py"}, env)).text
    secret_line = shown.splitlines()[1].split("| ", 1)[1]
    assert "abcdefghijklmnop" not in secret_line
    rewrite = await propose_edit.TOOL.call(
        {"path": "settings.py", "new_content": secret_line + "\nDEBUG = False\n"}, env
    )
    search = await propose_edit.TOOL.call(
        {"path": "settings.py", "edits": [{"search": secret_line + "\nDEBUG = True", "replace": "DEBUG = False"}]}, env
    )
    assert rewrite.is_error and "redaction marker" in rewrite.text
    assert search.is_error and "redacted secret" in search.text
    ok = await propose_edit.TOOL.call(
        {"path": "settings.py", "edits": [{"search": "DEBUG = True", "replace": "DEBUG = False"}]}, env
    )
    assert not ok.is_error
    [proposal] = env.proposals.items()
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" in (proposal.new_text or "")
