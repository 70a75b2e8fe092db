"""Real VS Code (code-server) in Debian's Chromium, driven with Playwright's Python package.

:func:`start_vscode` installs the extension built by ``make vscode`` into a scratch profile,
writes the user and machine settings, starts code-server on a free loopback port and opens the
workbench on a workspace folder. :class:`VsCode` offers the few actions the tests need (quick open,
command palette, typing, reading the status bar) and :meth:`VsCode.step`, which takes a screenshot
after every step and, when a step fails, copies every screenshot of the test to
``test-artifacts/vscode/<test>/`` in the repository (CI keeps that folder).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.e2e.real_setup import VsCodeTools

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "vscode"
T = TypeVar("T")

# What keeps real VS Code predictable under test: no suggest widget to take Tab, no trust prompt,
# no welcome page, no auto-save racing the checks.
BASE_USER_SETTINGS: dict[str, Any] = {
    "editor.quickSuggestions": {"other": False, "comments": False, "strings": False},
    "editor.suggestOnTriggerCharacters": False,
    "editor.inlineSuggest.enabled": True,
    "editor.acceptSuggestionOnEnter": "off",
    "editor.wordBasedSuggestions": "off",
    "editor.autoClosingBrackets": "never",
    "editor.autoClosingQuotes": "never",
    "editor.formatOnSave": False,
    "files.autoSave": "off",
    "files.insertFinalNewline": False,
    "files.trimTrailingWhitespace": False,
    "security.workspace.trust.enabled": False,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.enableExperiments": False,
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "extensions.ignoreRecommendations": True,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "window.commandCenter": False,
    "chat.disableAIFeatures": True,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(probe: Callable[[], T | None], timeout_s: float, message: str, interval_s: float = 0.2) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} (after {timeout_s:g}s)")
        time.sleep(interval_s)


@dataclass
class Profile:
    """code-server's folders for one test: user data (settings), extensions, home, logs."""

    root: Path
    user_settings: dict[str, Any] = field(default_factory=dict)
    machine_settings: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def extensions(self) -> Path:
        return self.root / "extensions"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def write(self) -> None:
        for folder, values in (
            ("User", {**BASE_USER_SETTINGS, **self.user_settings}),
            ("Machine", self.machine_settings),
        ):
            path = self.data / folder / "settings.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2), encoding="utf-8")
        self.extensions.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)


def scratch_env(profile: Profile, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OUTRIDER_", "VSCODE_")) and "API_KEY" not in k}
    env.update(
        HOME=str(profile.home),
        XDG_CONFIG_HOME=str(profile.home / ".config"),
        XDG_DATA_HOME=str(profile.home / ".local" / "share"),
        XDG_STATE_HOME=str(profile.home / ".local" / "state"),
        XDG_CACHE_HOME=str(profile.home / ".cache"),
    )
    env.update(extra)
    return env


def install_extension(tools: VsCodeTools, profile: Profile, vsix: Path, env: Mapping[str, str]) -> None:
    cmd = [
        str(tools.node),
        str(tools.code_server),
        "--user-data-dir",
        str(profile.data),
        "--extensions-dir",
        str(profile.extensions),
        "--install-extension",
        str(vsix),
    ]
    result = subprocess.run(cmd, env=dict(env), capture_output=True, text=True, timeout=180, check=False)
    if result.returncode != 0 or not any(profile.extensions.glob("outrider.outrider-*")):
        raise AssertionError(f"installing {vsix} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")


class VsCode:
    """One code-server process and one Chromium page on its workbench."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, page: Page, shots: Path, test: str) -> None:
        self.process = process
        self.port = port
        self.page = page
        self.shots = shots
        self.test = test
        self._count = 0

    # ---- steps and artifacts -------------------------------------------------------------------

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """A named step: a screenshot after it; on failure, one more and every shot kept."""
        try:
            yield
        except BaseException:
            self.screenshot(f"{name}-FAILED")
            kept = self.keep_artifacts()
            print(f"vscode e2e: step {name!r} failed; screenshots in {kept}")
            raise
        self.screenshot(name)

    def screenshot(self, name: str) -> None:
        self._count += 1
        with contextlib.suppress(Exception):
            self.page.screenshot(path=str(self.shots / f"{self._count:02d}-{name}.png"))

    def keep_artifacts(self) -> Path:
        target = ARTIFACTS / self.test
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.shots, target)
        return target

    # ---- actions ---------------------------------------------------------------------------------

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=20)

    def open_file(self, name: str) -> None:
        self.press("Control+P")
        box = self.page.locator(".quick-input-widget input")
        box.wait_for(state="visible", timeout=20_000)
        box.fill(name)
        self.page.locator(".quick-input-list .monaco-list-row").first.wait_for(timeout=20_000)
        self.press("Enter")
        tab = self.page.locator(f'.tabs-container .tab[aria-label^="{name}"]')
        tab.first.wait_for(timeout=20_000)
        self.page.locator(".monaco-editor .view-lines").first.wait_for(timeout=20_000)

    def go_to_line(self, line: int) -> None:
        self.press("Control+G")
        box = self.page.locator(".quick-input-widget input")
        box.wait_for(state="visible", timeout=10_000)
        box.fill(f":{line}")
        self.press("Enter")
        box.wait_for(state="hidden", timeout=10_000)  # keys typed next go to the editor, not the box
        self.page.locator(".statusbar-item", has_text=f"Ln {line},").first.wait_for(timeout=10_000)

    def run_command(self, title: str) -> None:
        """The command palette (F1), then the command titled `title`."""
        self.press("F1")
        box = self.page.locator(".quick-input-widget input")
        box.wait_for(state="visible", timeout=10_000)
        box.fill(f">{title}")
        row = self.page.locator(".quick-input-list .monaco-list-row", has_text=title).first
        row.wait_for(timeout=20_000)
        self.press("Enter")

    def answer_input(self, text: str) -> None:
        box = self.page.locator(".quick-input-widget input")
        box.wait_for(state="visible", timeout=15_000)
        box.fill(text)
        self.press("Enter")

    def status_text(self) -> str:
        """The Outrider status-bar item's text ('' while it is not there)."""
        item = self.page.locator(".statusbar-item", has_text="Outrider")
        if item.count() == 0:
            return ""
        return str(item.first.inner_text()).strip()

    def ghost_text(self) -> str:
        """The ghost text shown, without white space (Monaco splits it into spans and pads them)."""
        ghost = self.page.locator(".ghost-text-decoration, .ghost-text")
        return "".join("".join(str(t).split()) for t in ghost.all_inner_texts())

    def notifications(self) -> str:
        return " | ".join(str(t) for t in self.page.locator(".notification-toast").all_inner_texts())


def start_vscode(
    tools: VsCodeTools,
    profile: Profile,
    workspace: Path,
    vsix: Path,
    env_extra: Mapping[str, str],
    shots: Path,
    test: str,
) -> tuple[VsCode, Callable[[], None]]:
    """Start code-server and the browser; returns the driver and a stop function."""
    profile.write()
    env = scratch_env(profile, env_extra)
    install_extension(tools, profile, vsix, env)
    port = free_port()
    log = (profile.root / "code-server.log").open("wb")
    cmd = [
        str(tools.node),
        str(tools.code_server),
        "--bind-addr",
        f"127.0.0.1:{port}",
        "--auth",
        "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        "--user-data-dir",
        str(profile.data),
        "--extensions-dir",
        str(profile.extensions),
        str(workspace),
    ]
    process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    playwright: Playwright | None = None
    browser: Browser | None = None

    def stop() -> None:
        with contextlib.suppress(Exception):
            if browser is not None:
                browser.close()
        with contextlib.suppress(Exception):
            if playwright is not None:
                playwright.stop()
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=10)
        log.close()

    try:
        wait_for(lambda: _answers(port) or process.poll() is not None, 90, "code-server never answered")
        if process.poll() is not None:
            raise AssertionError(f"code-server exited ({process.returncode}); log: {profile.root / 'code-server.log'}")
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(
            executable_path=str(tools.chromium), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(30_000)
        page.goto(f"http://127.0.0.1:{port}/?folder={workspace}", wait_until="domcontentloaded", timeout=90_000)
        page.locator(".monaco-workbench").wait_for(timeout=120_000)
    except BaseException:
        stop()
        raise
    return VsCode(process, port, page, shots, test), stop


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False
