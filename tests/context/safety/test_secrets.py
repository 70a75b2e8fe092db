"""Secrets: seeded secrets in many formats never survive ``redact``; ordinary code is left alone.

Token-shaped values are assembled at run time (``_fake``) so this file holds no string that a secret
scanner would flag, and every seed is unique so a survivor is easy to spot.
"""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context.safety.secrets import MARKER, is_secret_file, redact, redact_with_count, spans_lines

_RNG = random.Random(20261122)


def _fake(prefix: str, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return prefix + "".join(_RNG.choice(alphabet) for _ in range(length))


UPPER_DIGITS = string.ascii_uppercase + string.digits
ANTHROPIC = _fake("sk-" + "ant-api03-", 80, string.ascii_letters + string.digits + "_-")
OPENAI = _fake("sk-" + "proj-", 56)
OPENAI_LEGACY = _fake("sk-", 48)
AWS_ID = _fake("AKIA", 16, UPPER_DIGITS)
AWS_SECRET = _fake("", 40, string.ascii_letters + string.digits + "/+")
GITHUB = _fake("ghp" + "_", 36)
GITHUB_OAUTH = _fake("gho" + "_", 36)
GITHUB_PAT = _fake("github" + "_pat_", 70, string.ascii_letters + string.digits + "_")
GITLAB = _fake("glpat" + "-", 20)
SLACK = _fake("xoxb" + "-", 40, string.digits + "-" + string.ascii_letters)
GOOGLE = _fake("AIza", 35)
STRIPE = _fake("sk" + "_live_", 24)
NPM = _fake("npm" + "_", 36)
HF = _fake("hf" + "_", 34)
JWT = ".".join([_fake("eyJ", 30), _fake("eyJ", 40), _fake("", 43, string.ascii_letters + "_-")])
BEARER = _fake("", 20) + "9"
PASSWORDS = [_fake("Pw", 12) + "!" for _ in range(20)]
PEM_LINES = [_fake("", 64, string.ascii_letters + string.digits + "+/") for _ in range(5)]

SEEDED = f"""\
# Python
ANTHROPIC_API_KEY = "{ANTHROPIC}"
client = OpenAI(api_key="{OPENAI}")
legacy = "{OPENAI_LEGACY}"
db_password = '{PASSWORDS[0]}'
password: str = "{PASSWORDS[1]}"
settings = {{"client_secret": "{PASSWORDS[2]}", "name": "app"}}
// JavaScript
const apiKey = "{PASSWORDS[3]}";
export const config = {{ authToken: '{PASSWORDS[4]}', region: "eu" }};
# YAML
database:
  password: {PASSWORDS[5]}
  token: "{PASSWORDS[6]}"
# JSON
{{"aws_secret_access_key": "{AWS_SECRET}", "aws_access_key_id": "{AWS_ID}"}}
# .env and shell
SECRET_KEY={PASSWORDS[7]}
export GITHUB_TOKEN={GITHUB}
export SLACK_BOT_TOKEN="{SLACK}"
API_KEY = {PASSWORDS[8]}
# TOML / INI / properties
api_key = "{PASSWORDS[9]}"
spring.datasource.password={PASSWORDS[10]}
# Go and PHP
dbPassword := "{PASSWORDS[11]}"
$config['db_password'] => '{PASSWORDS[12]}';
# XML
<password>{PASSWORDS[13]}</password>
# command line
mysql --password={PASSWORDS[14]} --user=root
curl -H "Authorization: Bearer {BEARER}" https://api.example.com
# URLs with credentials
DATABASE_URL=postgres://admin:{PASSWORDS[15]}@db.internal:5432/app
remote = "https://user:{PASSWORDS[16]}@git.example.com/repo.git"
# bare token shapes anywhere
oauth {GITHUB_OAUTH} and {GITHUB_PAT} and {GITLAB}
maps {GOOGLE} stripe {STRIPE} npm {NPM} hf {HF}
session cookie {JWT}
# Java-ish
private static final String SECRET = "{PASSWORDS[17]}";
# Ruby symbol hash
{{ passphrase: "{PASSWORDS[18]}" }}
# Docker compose list form
  - POSTGRES_PASSWORD={PASSWORDS[19]}
# a private key
-----BEGIN RSA PRIVATE KEY-----
{chr(10).join(PEM_LINES)}
-----END RSA PRIVATE KEY-----
"""

SEEDS = [
    ANTHROPIC,
    OPENAI,
    OPENAI_LEGACY,
    AWS_ID,
    AWS_SECRET,
    GITHUB,
    GITHUB_OAUTH,
    GITHUB_PAT,
    GITLAB,
    SLACK,
    GOOGLE,
    STRIPE,
    NPM,
    HF,
    JWT,
    BEARER,
    *PASSWORDS,
    *PEM_LINES,
]


def test_no_seeded_secret_survives() -> None:
    redacted, count = redact_with_count(SEEDED)
    survivors = [seed for seed in SEEDS if seed in redacted]
    assert survivors == []
    # no long fragment of a seed survives either (a partial mask would leak most of a key)
    fragments = [seed[i : i + 12] for seed in SEEDS for i in range(0, len(seed) - 12, 6)]
    assert [fragment for fragment in fragments if fragment in redacted] == []
    assert count >= len(SEEDS) - len(PEM_LINES)


def test_line_structure_is_kept() -> None:
    redacted = redact(SEEDED)
    assert redacted.count("\n") == SEEDED.count("\n")
    assert redacted.splitlines()[0] == "# Python"
    pem_start = redacted.splitlines().index("-----BEGIN RSA PRIVATE KEY-----")
    assert redacted.splitlines()[pem_start + 1 : pem_start + 6] == [MARKER] * 5


def test_keys_and_quotes_stay_only_values_change() -> None:
    assert redact(f'db_password = "{PASSWORDS[0]}"') == f'db_password = "{MARKER}"'
    assert redact(f"SECRET_KEY={PASSWORDS[1]}") == f"SECRET_KEY={MARKER}"
    assert redact(f"postgres://admin:{PASSWORDS[2]}@db:5432/x") == f"postgres://admin:{MARKER}@db:5432/x"
    assert redact(f"key {ANTHROPIC} end") == f"key {MARKER} end"


def test_doubtful_cases_follow_the_documented_rules() -> None:
    # an UPPER_CASE key (.env, shell, constants): any plain word is a secret
    assert redact("PASSWORD=hunter") == f"PASSWORD={MARKER}"
    # a lower-case key (code, YAML): a bare word is a name unless it has a digit or symbol or is long
    assert redact("password: hunter") == "password: hunter"
    assert redact("password: hunter2") == f"password: {MARKER}"
    assert redact("password: correcthorsebatterystaple") == f"password: {MARKER}"
    # a comparison with a literal that looks like a secret
    assert redact('if password == "s3cr3t-value":') == f'if password == "{MARKER}":'


def test_redact_is_idempotent() -> None:
    once, first = redact_with_count(SEEDED)
    twice, second = redact_with_count(once)
    assert first > 0
    assert twice == once
    assert second == 0


ORDINARY_CODE = """\
token = next_token()
password_field = "password"
max_tokens = 128
num_tokens: int = 5
author = "Ada Lovelace"
def login(user: str, password: str) -> bool:
    return check(password=password, token=token)
if not token:
    raise ValueError("missing token")
self.token = tokenizer.encode(text)
api_key = os.environ["OPENAI_API_KEY"]
secret = settings.secret
password = getpass.getpass("Password: ")
token_type = "bearer"
TOKEN_URL = "https://example.com/oauth/token"
auth = requests.auth.HTTPBasicAuth(user, pw)
PASSWORD_PROMPT = "Enter your password"
password = ""
api_key = None
token: Optional[str] = None
interface Props { token: string; password?: string }
password: ${DB_PASSWORD}
api_key = "{{ vault_api_key }}"
Authorization: Bearer <token>
git clone https://github.com/owner/repo.git
if token == ".":
elif token == 0x08:
userid = passwd = acct = ''
self.user, self.password = user, password
self.token = nextchar
Token = Ignore + PlainToken
token = f"outrider/{task_id}"
form AUTH=<mechanism>.
raise PatternSyntaxError("Invalid token: %r" % value)
auth = "Basic " + standard_b64encode(user_pass).decode("ascii")
# every prompt token: full-price, cache reads and cache writes
- password:     The password for the authentication.
"""


def test_ordinary_code_is_left_alone() -> None:
    redacted, count = redact_with_count(ORDINARY_CODE)
    changed = [
        (before, after)
        for before, after in zip(ORDINARY_CODE.splitlines(), redacted.splitlines(), strict=True)
        if before != after
    ]
    assert changed == []
    assert count == 0


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "app/.env.local",
        ".env.production",
        "prod.env",
        "certs/server.pem",
        "tls/private.key",
        "home/.ssh/id_rsa",
        "id_ed25519",
        ".npmrc",
        ".pypirc",
        ".netrc",
        "credentials.json",
        "store.p12",
        "store.pfx",
        ".aws/credentials",
        "config/secrets.yaml",
        "secrets.json",
        ".kube/config",
        "kubeconfig",
        ".git-credentials",
        "infra/terraform.tfstate",
        ".docker/config.json",
        "SECRETS.YML",
        "deploy/secrets/db.yaml",
        ".secrets/token.txt",
    ],
)
def test_secret_files(path: str) -> None:
    assert is_secret_file(path)


@pytest.mark.parametrize(
    "path",
    [
        ".env.example",
        ".env.sample",
        ".env.template",
        "id_rsa.pub",
        "context/safety/secrets.py",
        "docs/secrets.md",
        "src/keyboard.py",
        "environment.py",
        "config.json",
        "README.md",
        "keys/index.ts",
        ".kube/README",
        "deploy/secrets/README.md",
        "src/secrets/manager.py",
    ],
)
def test_ordinary_files(path: str) -> None:
    assert not is_secret_file(path)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_any_text_keeps_its_line_count(text: str) -> None:
    assert redact(text).count("\n") == text.count("\n")


def test_private_key_inside_json_string() -> None:
    body = "\\n".join(PEM_LINES)
    key = f"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n"
    line = f'{{"type": "service_account", "private_key": "{key}"}}'
    redacted = redact(line)
    assert [seed for seed in PEM_LINES if seed in redacted] == []
    assert '"type": "service_account"' in redacted


PATH_PIECES = st.lists(
    st.sampled_from(
        ["", ".", "..", "a", ".env", ".ssh", "id_rsa", "secrets", "db.yaml", "x.pem", "b.c.", ".aws", "c\\d"]
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(PATH_PIECES, st.sampled_from(["", "/"]), st.sampled_from(["", "/"]))
def test_path_parts_and_suffixes_are_purepath_s(pieces: list[str], lead: str, trail: str) -> None:
    from pathlib import PurePosixPath

    from context.safety.secret_files import _parts, _suffix

    path = lead + "/".join(pieces) + trail
    assert _parts(path) == PurePosixPath(path).parts
    for name in pieces:
        assert _suffix(name) == PurePosixPath(name).suffix


TRIPLE_QUOTED_SECRETS = [
    (f'password = """{PASSWORDS[0]}\nsecond-line-9"""\n', f'password = """{MARKER}\n{MARKER}"""\n'),
    (
        f"DB_PASSWORD: str = '''\n    {PASSWORDS[1]}\n'''\nx = 1\n",
        f"DB_PASSWORD: str = '''\n    {MARKER}\n'''\nx = 1\n",
    ),
    (f'settings = {{"client_secret": r"""\n{PASSWORDS[2]}"""}}', f'settings = {{"client_secret": r"""\n{MARKER}"""}}'),
    (f'token = """\n{PASSWORDS[1]}', f'token = """\n{MARKER}'),  # not closed in this text: masked to its end
]


@pytest.mark.parametrize(("text", "expected"), TRIPLE_QUOTED_SECRETS)
def test_triple_quoted_secret_is_masked_line_by_line(text: str, expected: str) -> None:
    redacted, count = redact_with_count(text)
    assert redacted == expected
    assert count == (redacted != text)
    assert redacted.count("\n") == text.count("\n")
    assert redact_with_count(redacted) == (redacted, 0)  # idempotent
    assert spans_lines(text) == (redacted != text)


@pytest.mark.parametrize(
    "text",
    [
        'def login(password):\n    """Check the password = the stored one.\n    Returns a token."""\n',
        'mypassword = """not a key\nof ours"""\n',  # no word boundary before the secret word
        'passwords_doc = """Passwords\nare hashed"""\n',  # the key does not end with the secret word
        'password = f"""{prefix}\n{value}"""\n',  # an f-string: code
        'token = """${TOKEN}"""\nsecret = """\n"""\n',  # a reference; blank
    ],
)
def test_triple_quoted_non_secrets_are_left(text: str) -> None:
    assert redact_with_count(text) == (text, 0)
    assert not spans_lines(text)
