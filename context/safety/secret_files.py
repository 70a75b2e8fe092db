"""Secret files: files whose whole purpose is to hold credentials (``.env``, private keys, ``.npmrc``,
cloud and kube credentials, ...) are never read into context and never listed.

    is_secret_file("deploy/.env")      # True
    is_secret_file(".env~")            # True: editor backups of a secret file are secret too
    is_secret_file(".env.example")     # False: a template, meant to be read

A credential file can also be recognised by what it holds, whatever its name
(:func:`is_secret_content`): a private key, ``.pgpass`` or ``.netrc`` lines, AWS credentials.

Inline secrets in ordinary files are masked by :func:`context.safety.secrets.redact`.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_SECRET_NAMES = frozenset(
    {
        ".env",
        ".envrc",
        ".npmrc",
        ".pypirc",
        ".netrc",
        "_netrc",
        ".git-credentials",
        ".pgpass",
        ".htpasswd",
        ".vault-token",
        ".boto",
        "credentials.json",
        "credentials.yml",
        "credentials.yaml",
        "client_secret.json",
        "service-account.json",
        "service_account.json",
        "kubeconfig",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
        "identity",
    }
)
_SECRET_SUFFIXES = (
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".jks",
    ".keystore",
    ".ppk",
    ".kdbx",
    ".tfstate",
    ".tfstate.backup",
    ".gpg",
    ".age",
    ".tfvars",
    ".tfvars.json",
)
# Editor and tool backups keep the original's secrecy: `.env~`, `#.env#`, `id_rsa.bak`, `.env.swp`.
_BACKUP_SUFFIXES = ("~", ".bak", ".backup", ".old", ".orig", ".save", ".swp", ".swo", ".tmp", ".sav", ".copy")
# `.env.example` and friends are documentation, meant to be committed and read.
_ENV_TEMPLATES = frozenset({"example", "sample", "template", "dist", "defaults", "schema"})
# `secrets.yaml` is data; `secrets.py` (a module such as this one) is code and stays readable.
_SECRETS_DATA_SUFFIXES = frozenset(
    {"", ".yaml", ".yml", ".json", ".toml", ".ini", ".cfg", ".conf", ".env", ".txt", ".properties", ".xml", ".enc"}
)
# (parent directory name, file name) pairs.
_SECRET_IN_DIR = frozenset(
    {
        (".aws", "credentials"),
        (".aws", "config"),
        (".kube", "config"),
        (".docker", "config.json"),
        (".ssh", "config"),
        (".ssh", "known_hosts"),
        (".gnupg", "secring.gpg"),
        ("gcloud", "credentials.db"),
        ("gcloud", "access_tokens.db"),
        ("gcloud", "application_default_credentials.json"),
    }
)


def _parts(path: str) -> tuple[str, ...]:
    """``PurePosixPath(path).parts``, split directly when nothing needs normalising (the common case:
    the file listing asks this of every file)."""
    if path and path[0] not in "/." and "//" not in path and "/." not in path and not path.endswith("/"):
        return tuple(path.split("/"))
    return PurePosixPath(path).parts


def _suffix(name: str) -> str:
    """``PurePosixPath(name).suffix`` of a single path component."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _without_backup_marks(name: str) -> str:
    """``#.env#`` -> ``.env``, ``id_rsa.bak`` -> ``id_rsa``, ``.env.swp`` (vim: ``.env.swp``) -> ``.env``."""
    if len(name) > 2 and name.startswith("#") and name.endswith("#"):
        name = name[1:-1]
    changed = True
    while changed:
        changed = False
        for suffix in _BACKUP_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                changed = True
    if name.startswith(".") and name.endswith((".swp", ".swo")):
        name = name[1:-4]
    return name


def is_secret_file(rel_path: str) -> bool:
    """True for files that exist to hold credentials; such files are never read or listed.

    Matching is case-insensitive and looks at the file name (and its parent directory for files
    such as ``.aws/credentials``; data files such as ``secrets/db.yaml`` under a ``secrets`` or
    ``.secrets`` directory). Public halves (``id_rsa.pub``) and templates (``.env.example``) are
    not secret.
    """
    parts = _parts(rel_path.replace("\\", "/"))
    if not parts:
        return False
    name = parts[-1].lower()
    parent = parts[-2].lower() if len(parts) > 1 else ""
    original = _without_backup_marks(name)
    if original != name and original and _is_secret_name(original, parent, parts):
        return True
    return _is_secret_name(name, parent, parts)


def _is_secret_name(name: str, parent: str, parts: tuple[str, ...]) -> bool:
    if name in _SECRET_NAMES or (parent, name) in _SECRET_IN_DIR:
        return True
    if name.startswith(".env."):
        return name.rsplit(".", 1)[-1] not in _ENV_TEMPLATES
    if name.endswith(".env") and not name.endswith((".example.env", ".sample.env", ".template.env")):
        return True
    if name.endswith(_SECRET_SUFFIXES):
        return True
    if name.startswith("secrets.") or name == "secrets":
        return _suffix(name) in _SECRETS_DATA_SUFFIXES
    in_secrets_dir = any(part.lower() in (".secrets", "secrets") for part in parts[:-1])
    if in_secrets_dir and _suffix(name) in _SECRETS_DATA_SUFFIXES:
        return True
    return parent == ".ssh" and not name.endswith(".pub")


# ---------------------------------------------------------------------------------------------
# By content
# ---------------------------------------------------------------------------------------------

_PRIVATE_KEY_START = re.compile(r"\A\s*-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
# host:port:database:user:password (``\:`` escapes a colon)
_PGPASS_LINE = re.compile(r"^[^:#\s][^:\s]*:(?:\d+|\*):[^:\s]+:[^:\s]+:\S+$")
_NETRC_WORDS = re.compile(r"(?m)^\s*(?:machine\s+\S+|default)\b")
_NETRC_PASSWORD = re.compile(r"\bpassword\s+\S+")
_AWS_CREDENTIALS = re.compile(r"(?im)^\s*aws_secret_access_key\s*=\s*\S+")
_SNIFF_CHARS = 64_000


def is_secret_content(text: str) -> bool:
    """Whether ``text`` is a credential file's content: a private key, ``.pgpass`` lines, a ``.netrc``
    with a password, or an AWS credentials file. Cheap: a few anchored patterns on the start."""
    head = text[:_SNIFF_CHARS]
    if _PRIVATE_KEY_START.match(head):
        return True
    lines = [line.strip() for line in head.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return False
    if len(lines) <= 200 and all(_PGPASS_LINE.match(line) for line in lines):
        return True
    if _NETRC_WORDS.search(head) and _NETRC_PASSWORD.search(head) and "def " not in head and "{" not in head:
        return True
    return bool(_AWS_CREDENTIALS.search(head)) and head.lstrip().startswith("[")


def is_credential_document(path: str, text: str) -> bool:
    """A file whose text must never reach a model, by name or by content (an open editor buffer
    of a ``.env`` gets no completion at all)."""
    return is_secret_file(path) or is_secret_content(text)
