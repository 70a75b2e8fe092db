"""The seeded-secret corpus: one hostile workspace holding every kind of secret the hardening review
found (issue 17) and the kinds that already held. Each :class:`Seeded` is one secret: where it is
written and the exact text that must never reach a provider or the state folder.

Secrets are distinct strings, so a leak names its kind.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

PEM_LINE = "MIIEowIBAAKCAQEA7pemSECRETbodyLine0123456789abcdefABCDEFghijkl"


@dataclass(frozen=True)
class Seeded:
    kind: str
    path: str  # workspace-relative
    content: str  # the whole file
    secret: str  # must never leave the process

    @property
    def line(self) -> int:
        """1-based line of the secret in the file (1 when the whole file is the secret)."""
        index = self.content.find(self.secret)
        return self.content.count("\n", 0, index) + 1 if index >= 0 else 1


def _notebook(source: str) -> str:
    cell = {"cell_type": "code", "metadata": {}, "source": source.splitlines(keepends=True), "outputs": []}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


SEEDED: tuple[Seeded, ...] = (
    # --- kinds that already held -----------------------------------------------------------------
    Seeded("aws_access_key_id", "app/aws.py", 'KEY_ID = "AKIA4XQ2SECRET7K9ZP1"\n', "AKIA4XQ2SECRET7K9ZP1"),
    Seeded(
        "aws_secret_key",
        "deploy/aws_settings.ini",
        "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYAWS5ecret01\n",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYAWS5ecret01",
    ),
    Seeded(
        "github_token",
        "app/github.py",
        'client = Github("ghp_GH5ecretTokenAbCdEfGhIjKlMnOpQrStUvWx01")\n',
        "ghp_GH5ecretTokenAbCdEfGhIjKlMnOpQrStUvWx01",
    ),
    Seeded(
        "slack_token", "app/slack.py", 'hook = "xoxb-2024-5678-SlackSecretTok9"\n', "xoxb-2024-5678-SlackSecretTok9"
    ),
    Seeded(
        "stripe_key",
        "app/billing.py",
        'stripe.api_base = "https://api.stripe.com"\nclient = Stripe("sk_live_51StripeSecretKeyAbCdEf123")\n',
        "sk_live_51StripeSecretKeyAbCdEf123",
    ),
    Seeded(
        "jwt",
        "app/fixtures.py",
        'SESSION = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJKV1RzZWNyZXQifQ.JwtSecretSignature0123"\n',
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJKV1RzZWNyZXQifQ.JwtSecretSignature0123",
    ),
    Seeded(
        "pem_block",
        "app/tls.py",
        f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{PEM_LINE}\n-----END RSA PRIVATE KEY-----\n"""\n',
        PEM_LINE,
    ),
    Seeded(
        "url_password",
        "app/db.py",
        'ENGINE_URL = "postgresql://app:Url5ecretPw9x@db.internal/app"\n',
        "Url5ecretPw9x",
    ),
    Seeded(
        "anthropic_key",
        "app/llm.py",
        'client = Anthropic(api_key="sk-ant-api03-AnthropicSecretKey0123456789abc")\n',
        "sk-ant-api03-AnthropicSecretKey0123456789abc",
    ),
    Seeded("dotenv", ".env", "MAIL_HOST=mail.internal\nMAIL_LOGIN_VALUE=DotEnvPlainSecret42\n", "DotEnvPlainSecret42"),
    Seeded("npmrc", ".npmrc", "//registry.npmjs.org/:_authToken=NpmrcSecretValue77\n", "NpmrcSecretValue77"),
    Seeded("xml_password", "conf/app.xml", "<db><password>Xml5ecretPw42</password></db>\n", "Xml5ecretPw42"),
    Seeded("cli_flag", "scripts/migrate.sh", "mysql --password=Flag5ecretPw42 app\n", "Flag5ecretPw42"),
    Seeded(
        "bearer_header",
        "docs/api.md",
        "Send `Authorization: Bearer Bear5ecretToken0123abcd` with each call.\n",
        "Bear5ecretToken0123abcd",
    ),
    Seeded("toml_password", "conf/db.toml", '[database]\npassword = "Toml5ecretPw42"\n', "Toml5ecretPw42"),
    # --- credential files by another name ----------------------------------------------------------
    Seeded("env_backup_tilde", ".env~", "MAIL_LOGIN_VALUE=EnvTildeBackupSecret\n", "EnvTildeBackupSecret"),
    Seeded("env_emacs_autosave", "#.env#", "MAIL_LOGIN_VALUE=EnvEmacsAutosaveSecret\n", "EnvEmacsAutosaveSecret"),
    Seeded(
        "id_rsa_backup",
        "keys/id_rsa.bak",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAIdRsaBakSecret\n"
        "-----END OPENSSH PRIVATE KEY-----\n",
        "b3BlbnNzaC1rZXktdjEAAAAAIdRsaBakSecret",
    ),
    Seeded(
        "terraform_tfvars",
        "infra/terraform.tfvars",
        'region = "eu-west-1"\ndb_admin = "TfvarsAdminSecretValue"\n',
        "TfvarsAdminSecretValue",
    ),
    Seeded("auto_tfvars", "infra/prod.auto.tfvars", 'master = "AutoTfvarsSecretValue"\n', "AutoTfvarsSecretValue"),
    Seeded(
        "pgpass_by_content",
        "ops/db_access.txt",
        "db.internal:5432:app:app:PgpassContentSecret\n",
        "PgpassContentSecret",
    ),
    Seeded(
        "netrc_by_content",
        "ops/netrc.backup",
        "machine api.example.com\n  login deploy\n  password NetrcContentSecret\n",
        "NetrcContentSecret",
    ),
    # --- secrets in structured config and prose ------------------------------------------------------
    Seeded(
        "yaml_flow_password",
        "conf/mail.yaml",
        "smtp: {host: mail.internal, password: YamlFlowSecretPw}\n",
        "YamlFlowSecretPw",
    ),
    Seeded("yaml_block_password", "conf/queue.yml", "broker:\n  password: YamlBlockSecret7\n", "YamlBlockSecret7"),
    Seeded(
        "json_dsn",
        "conf/db.json",
        '{"dsn": "host=db.internal user=app password=JsonDsnSecretPw dbname=app"}\n',
        "JsonDsnSecretPw",
    ),
    Seeded(
        "json_ado_dsn",
        "conf/sql.json",
        '{"ConnectionStrings": {"Main": "Server=db;Database=app;User Id=sa;Password=AdoDsnSecretPw;"}}\n',
        "AdoDsnSecretPw",
    ),
    Seeded("pgpassword_shell", "scripts/backup.sh", "PGPASSWORD=PgShellSecret9 pg_dump -h db app\n", "PgShellSecret9"),
    Seeded(
        "curl_user",
        "scripts/deploy.sh",
        "curl -u deploy:CurlUserSecretPw https://ci.example.com/hook\n",
        "CurlUserSecretPw",
    ),
    Seeded(
        "notebook_password",
        "notebooks/explore.ipynb",
        _notebook('import psycopg\npassword = "NotebookSecretPw9"\nconn = psycopg.connect(password=password)\n'),
        "NotebookSecretPw9",
    ),
    Seeded(
        "triple_quoted_password",
        "app/mailer.py",
        'SMTP_PASSWORD = """TripleQuotedSecret"""\n',
        "TripleQuotedSecret",
    ),
    Seeded(
        "triple_quoted_multiline",
        "app/relay.py",
        "relay_password = '''\n    TripleMultiSecretPw\n'''\n",
        "TripleMultiSecretPw",
    ),
    Seeded(
        "docstring_secret",
        "app/staging.py",
        'def connect():\n    """Connect to staging.\n\n    Uses the api key DocstringSecretKey42 for now.\n    """\n',
        "DocstringSecretKey42",
    ),
    Seeded(
        "prose_comment",
        "app/notes.py",
        "# the password is ProseCommentSecret!\nVALUE = 1\n",
        "ProseCommentSecret!",
    ),
    Seeded(
        "base64_key",
        "app/encoded.py",
        'PAYMENT = "c2tfbGl2ZV81MUhiUXo4QjY0ZW5jb2RlZFN0cmlwZUtleTk="\n',
        "c2tfbGl2ZV81MUhiUXo4QjY0ZW5jb2RlZFN0cmlwZUtleTk=",
    ),
    Seeded(
        "ini_password",
        "conf/service.cfg",
        "[service]\nuser = app\npass = IniPassSecretValue\n",
        "IniPassSecretValue",
    ),
    Seeded(
        "high_entropy_literal",
        "app/signing.py",
        'HMAC_SEED = "q8Zr3Vt7Kp2Xw9Lm4Nb6Hc1Jd5Fg0Sa8Ty3Ue7Ri2Ow"\n',
        "q8Zr3Vt7Kp2Xw9Lm4Nb6Hc1Jd5Fg0Sa8Ty3Ue7Ri2Ow",
    ),
)

# A symlink inside the workspace to a secret file (search followed it, read_file refused it).
SYMLINK_TO_ENV = "docs/env_notes.txt"

# Process environment a test command inherits (it must not).
ENV_SECRETS: dict[str, str] = {
    "PGPASSWORD": "EnvPgPasswordSecret1",
    "SMTP_PASS": "EnvSmtpPassSecret2",
    "REDIS_URL": "redis://:EnvRedisUrlSecret3@cache:6379/0",
    "SENTRY_DSN": "https://EnvSentryDsnSecret4@o1.ingest.sentry.io/1",
}
ENV_SECRET_VALUES: dict[str, str] = {
    "PGPASSWORD": "EnvPgPasswordSecret1",
    "SMTP_PASS": "EnvSmtpPassSecret2",
    "REDIS_URL": "EnvRedisUrlSecret3",
    "SENTRY_DSN": "EnvSentryDsnSecret4",
}


def all_secrets() -> dict[str, str]:
    """kind -> secret text, for the files and for the environment."""
    found = {seeded.kind: seeded.secret for seeded in SEEDED}
    found.update({f"env_{name.lower()}": value for name, value in ENV_SECRET_VALUES.items()})
    return found


def write_corpus(root: Path) -> Path:
    """The hostile workspace: every seeded file, the symlink to .env, a git repository with an
    initial commit (so git_diff shows the later edit) and a test that prints everything it can."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "README.md").write_text("# corpus\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "add", "README.md"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init"],
        check=True,
    )
    for seeded in SEEDED:
        target = root / seeded.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(seeded.content, encoding="utf-8")
    (root / SYMLINK_TO_ENV).parent.mkdir(parents=True, exist_ok=True)
    (root / SYMLINK_TO_ENV).symlink_to("../.env")
    return root
