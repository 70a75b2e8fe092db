"""Workspace listing (git and walk agree on gitignore semantics), is_ignored, read_text_file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from context.safety.files import (
    Skipped,
    TextFile,
    is_ignored,
    list_workspace_files,
    list_workspace_files_async,
    read_text_file,
)

# A tree exercising gitignore semantics: negation, anchored and directory-only patterns, nested
# .gitignore files overriding their parents, re-inclusion inside an excluded directory (which git
# refuses), character classes and `**`.
TREE: dict[str, str] = {
    ".gitignore": "\n".join(
        [
            "# comment",
            "*.log",
            "!keep.log",
            "build/",
            "!build/rescued.txt",
            "/top_only.txt",
            "cache/",
            "docs/**/*.tmp",
            "*.py[co]",
            "\\#hash.txt",
            "trailing.txt   ",
            "",
        ]
    ),
    "README.md": "# readme\n",
    "app.log": "log\n",
    "keep.log": "kept\n",
    "top_only.txt": "ignored at the root only\n",
    "sub/top_only.txt": "kept below the root\n",
    "build/out.bin": "x\n",
    "build/rescued.txt": "git cannot re-include a file inside an excluded directory\n",
    "cache": "a FILE named cache is not matched by the directory pattern cache/\n",
    "pkg/cache/data.txt": "inside a cache directory\n",
    "docs/a/b/note.tmp": "tmp\n",
    "docs/a/b/note.md": "md\n",
    "src/mod.py": "x = 1\n",
    "src/mod.pyc": "compiled\n",
    "#hash.txt": "escaped hash\n",
    "trailing.txt": "trailing spaces are ignored in patterns\n",
    "sub/.gitignore": "*.dat\n!important.dat\nlocal/\n!*.log\n",
    "sub/a.dat": "dat\n",
    "sub/important.dat": "important\n",
    "sub/local/x.txt": "local\n",
    "sub/sub.log": "re-included by the nested file\n",
    "sub/deeper/.gitignore": "!a.dat\n",
    "sub/deeper/a.dat": "re-included deeper\n",
    "sub/deeper/b.dat": "still ignored\n",
    ".env": "SECRET=1\n",
    "config/.env.example": "SECRET=\n",
    "keys/server.pem": "pem\n",
}


def _write_tree(root: Path, tree: dict[str, str]) -> None:
    for rel, text in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user or system git configuration (global excludes files would change the listing)."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def _init_repo(root: Path) -> None:
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "Test")
    _git(root, "config", "user.email", "test@example.com")


@pytest.fixture
def plain_tree(tmp_path: Path) -> Path:
    root = tmp_path / "plain"
    root.mkdir()
    _write_tree(root, TREE)
    return root


@pytest.fixture
def git_tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _write_tree(root, TREE)
    _init_repo(root)
    return root


EXPECTED = [
    ".gitignore",
    "README.md",
    "cache",
    "config/.env.example",
    "docs/a/b/note.md",
    "keep.log",
    "src/mod.py",
    "sub/.gitignore",
    "sub/deeper/.gitignore",
    "sub/deeper/a.dat",
    "sub/important.dat",
    "sub/sub.log",
    "sub/top_only.txt",
]


def test_walk_follows_gitignore_semantics(plain_tree: Path) -> None:
    assert list_workspace_files(plain_tree) == EXPECTED


def test_walk_agrees_with_git_ls_files(plain_tree: Path, git_tree: Path) -> None:
    raw_git = sorted(p for p in _git(git_tree, "ls-files", "--others", "--exclude-standard", "-z").split("\0") if p)
    # what git itself says, minus the secret files our listing always drops
    assert [p for p in raw_git if p not in {".env", "keys/server.pem"}] == EXPECTED
    assert list_workspace_files(git_tree) == EXPECTED
    assert list_workspace_files(plain_tree) == list_workspace_files(git_tree)


def test_git_listing_includes_tracked_files_that_match_ignore_rules(git_tree: Path) -> None:
    _git(git_tree, "add", "-f", "app.log")
    _git(git_tree, "commit", "-q", "-m", "track a log")
    listing = list_workspace_files(git_tree)
    assert "app.log" in listing
    assert not is_ignored(git_tree, "app.log")
    assert is_ignored(git_tree, "build/out.bin")


def test_outriderignore_and_extra_ignore_apply_in_both_modes(plain_tree: Path, git_tree: Path) -> None:
    for root in (plain_tree, git_tree):
        (root / ".outriderignore").write_text("docs/\n*.md\n!README.md\n", encoding="utf-8")
        listing = list_workspace_files(root, extra_ignore=["sub/deeper/"])
        assert "docs/a/b/note.md" not in listing
        assert "README.md" in listing
        assert not [p for p in listing if p.startswith("sub/deeper/")]
        assert ".outriderignore" in listing
        assert is_ignored(root, "docs/a/b/note.md")
        assert is_ignored(root, "sub/deeper/a.dat", extra_ignore=["sub/deeper/"])
        assert not is_ignored(root, "sub/deeper/a.dat")


def test_is_ignored_agrees_with_listing_for_every_path(plain_tree: Path, git_tree: Path) -> None:
    for root in (plain_tree, git_tree):
        listing = set(list_workspace_files(root))
        every_file = sorted(
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.is_file() and ".git" not in path.relative_to(root).parts
        )
        disagreements = [rel for rel in every_file if is_ignored(root, rel) == (rel in listing)]
        assert disagreements == []


def test_is_ignored_sees_changes_to_ignore_files(plain_tree: Path) -> None:
    assert not is_ignored(plain_tree, "src/mod.py")
    (plain_tree / ".outriderignore").write_text("src/\n", encoding="utf-8")
    assert is_ignored(plain_tree, "src/mod.py")
    (plain_tree / ".outriderignore").write_text("# nothing now\n", encoding="utf-8")
    assert not is_ignored(plain_tree, "src/mod.py")
    (plain_tree / "sub" / ".gitignore").write_text("*.txt\n", encoding="utf-8")
    assert is_ignored(plain_tree, "sub/top_only.txt")


def test_directories_match_directory_patterns(plain_tree: Path, git_tree: Path) -> None:
    for root in (plain_tree, git_tree):
        assert is_ignored(root, "build")
        assert is_ignored(root, "build/")
        assert is_ignored(root, "pkg/cache")
        assert not is_ignored(root, "cache")  # a file: `cache/` matches directories only
        assert not is_ignored(root, "src")
        assert is_ignored(root, "sub/local")


def test_paths_outside_the_root_and_vcs_metadata_are_ignored(git_tree: Path) -> None:
    assert is_ignored(git_tree, "../elsewhere.txt")
    assert is_ignored(git_tree, "/etc/passwd")
    assert is_ignored(git_tree, ".git/config")
    assert is_ignored(git_tree, ".env")
    assert not is_ignored(git_tree, "./src/mod.py")
    assert not [p for p in list_workspace_files(git_tree) if p.startswith(".git/")]


def test_secret_files_are_never_listed(git_tree: Path) -> None:
    _git(git_tree, "add", "-A")
    _git(git_tree, "commit", "-q", "-m", "everything, secrets included")
    listing = list_workspace_files(git_tree)
    assert ".env" not in listing
    assert "keys/server.pem" not in listing
    assert "config/.env.example" in listing


def test_deleted_tracked_files_and_outside_symlinks_are_dropped(git_tree: Path, tmp_path: Path) -> None:
    _git(git_tree, "add", "src/mod.py")
    _git(git_tree, "commit", "-q", "-m", "one file")
    (git_tree / "src" / "mod.py").unlink()
    outside = tmp_path / "outside.txt"
    outside.write_text("not part of the workspace\n", encoding="utf-8")
    (git_tree / "link_out.txt").symlink_to(outside)
    (git_tree / "link_in.md").symlink_to(git_tree / "README.md")
    listing = list_workspace_files(git_tree)
    assert "src/mod.py" not in listing
    assert "link_out.txt" not in listing
    assert "link_in.md" in listing


def test_subdirectory_root_of_a_repo(git_tree: Path) -> None:
    listing = list_workspace_files(git_tree / "sub")
    assert listing == [".gitignore", "deeper/.gitignore", "deeper/a.dat", "important.dat", "sub.log", "top_only.txt"]
    assert is_ignored(git_tree / "sub", "a.dat")
    assert not is_ignored(git_tree / "sub", "important.dat")


def test_max_files_keeps_the_first_sorted_paths(plain_tree: Path) -> None:
    assert list_workspace_files(plain_tree, max_files=3) == EXPECTED[:3]


def test_falls_back_to_a_walk_without_git(plain_tree: Path, git_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(plain_tree / "no-such-bin"))
    assert shutil.which("git") is None
    assert list_workspace_files(git_tree) == EXPECTED


async def test_async_listing(plain_tree: Path) -> None:
    assert await list_workspace_files_async(plain_tree, max_files=2) == EXPECTED[:2]


# ---------------------------------------------------------------------------------------------
# read_text_file
# ---------------------------------------------------------------------------------------------


def _read(tmp_path: Path, name: str, data: bytes, max_bytes: int = 10_000) -> TextFile | Skipped:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return read_text_file(path, max_bytes=max_bytes)


def test_reads_utf8(tmp_path: Path) -> None:
    result = _read(tmp_path, "a.py", "naïve = '☃'\n".encode())
    assert isinstance(result, TextFile)
    assert (result.text, result.encoding) == ("naïve = '☃'\n", "utf-8")


def test_strips_utf8_bom_and_reads_utf16(tmp_path: Path) -> None:
    bom = _read(tmp_path, "bom.txt", b"\xef\xbb\xbfhello\n")
    assert isinstance(bom, TextFile)
    assert (bom.text, bom.encoding) == ("hello\n", "utf-8-sig")
    utf16 = _read(tmp_path, "u16.txt", "hé\n".encode("utf-16"))
    assert isinstance(utf16, TextFile)
    assert (utf16.text, utf16.encoding) == ("hé\n", "utf-16")


def test_latin1_fallback_for_mostly_ascii_text(tmp_path: Path) -> None:
    result = _read(tmp_path, "old.c", b"/* caf\xe9 */\nint x;\n")
    assert isinstance(result, TextFile)
    assert (result.text, result.encoding) == ("/* café */\nint x;\n", "latin-1")


@pytest.mark.parametrize(
    ("name", "data", "max_bytes", "reason"),
    [
        ("img.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 10_000, "binary"),
        ("big.txt", b"x" * 2000, 1000, "too_large"),
        ("noise.bin", bytes(range(0x80, 0x100)) * 4, 10_000, "undecodable"),
        ("ctrl.txt", b"ok \xff\x01\x02 bytes", 10_000, "undecodable"),
        (".env", b"TOKEN=abc\n", 10_000, "secret"),
        ("certs/site.key", b"key\n", 10_000, "secret"),
    ],
)
def test_skips_with_a_reason(tmp_path: Path, name: str, data: bytes, max_bytes: int, reason: str) -> None:
    result = _read(tmp_path, name, data, max_bytes)
    assert isinstance(result, Skipped)
    assert result.reason == reason


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    result = read_text_file(tmp_path / "nope.txt", max_bytes=100)
    assert isinstance(result, Skipped)
    assert result.reason == "unreadable"


def test_is_ignored_notices_a_new_repository(plain_tree: Path) -> None:
    assert is_ignored(plain_tree, "app.log")
    _init_repo(plain_tree)
    _git(plain_tree, "add", "-f", "app.log")
    _git(plain_tree, "commit", "-q", "-m", "tracked although ignored")
    assert not is_ignored(plain_tree, "app.log")
