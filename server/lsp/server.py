"""The language server: session state, and the composition root that builds it from features.

``create_server(features)`` imports each feature module and calls its ``setup(server)``; a feature
registers its own handlers (``@server.feature(...)``, ``@server.command(...)``) and subscribes to
:class:`~server.lsp.events.SessionEvents`. Adding a feature means adding a module under
``server/lsp/features/`` and one line to :data:`DEFAULT_FEATURES`; nothing else changes.

What a feature can reach on the server (no globals):

- ``server.settings`` (:class:`server.config.Settings`), reloaded from every source; subscribe to
  ``server.events.settings_changed`` to react;
- ``server.documents`` (:class:`context.source.document_store.DocumentStore`), the open documents
  kept in sync with the editor, keyed by :meth:`OutriderServer.document_key` of the URI;
- ``server.workspace_roots`` (the workspace folders as paths, the first one primary);
- ``server.services`` (:class:`~server.lsp.services.container.Services`), lazily built shared
  objects (:mod:`server.lsp.services`): the one model provider, the trace store, the repo map, the
  completion engine;
- ``server.events`` (:class:`~server.lsp.events.SessionEvents`): initialized, settings, roots and
  document open/change/save/close, shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import importlib
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO

import cattrs
from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import default_converter

from context.source.document import Document
from context.source.document_store import DocumentStore
from server.config import LoadedSettings, Settings, load_settings
from server.lsp.convert import uri_to_path
from server.lsp.events import SessionEvents
from server.lsp.log_bridge import LspLogHandler, apply_log_level
from server.lsp.protocol import OutriderProtocol
from server.lsp.services.container import Services
from server.lsp.transport import serve_stream, stdin_chunks, stream_chunks

logger = logging.getLogger(__name__)

FeatureModule = str | ModuleType
"""A feature: a module (or its dotted path) with ``setup(server: OutriderServer) -> None``."""

DEFAULT_FEATURES: tuple[str, ...] = (
    "server.lsp.features.lifecycle",
    "server.lsp.features.settings",
    "server.lsp.features.workspace",
    "server.lsp.features.sync",
    "server.lsp.features.repomap",
    "server.lsp.features.inline_completion",
    "server.lsp.features.completion_fallback",
    "server.lsp.features.next_edit",
    "server.lsp.features.agent",
    "server.lsp.features.code_actions",
    "server.lsp.features.cost",
    "server.lsp.features.explain",
)

CORE_FEATURES: frozenset[str] = frozenset(
    {
        "server.lsp.features.lifecycle",
        "server.lsp.features.settings",
        "server.lsp.features.workspace",
        "server.lsp.features.sync",
    }
)
"""Without these there is no session: a failure to load one stops the server. Any other feature
that fails to load is left out, logged with its traceback and reported to the user once."""

DEBUG_FEATURES: tuple[str, ...] = ("server.lsp.features.debug",)
"""Test-only commands (``outrider.debug.*``), added by ``outrider lsp`` when OUTRIDER_LSP_DEBUG=1."""


def fail_fast_converter() -> cattrs.Converter:
    """pygls' converter, stopping at the first field that does not decode. With cattrs' detailed
    validation, a 100,000-character string where a list of diagnostics belongs was decoded
    character by character into 100,000 collected errors (seconds of blocked event loop)."""
    converter: cattrs.Converter = default_converter()  # type: ignore[no-untyped-call]
    converter.detailed_validation = False
    return converter


def _outrider_version() -> str:
    try:
        return version("outrider")
    except PackageNotFoundError:
        return "0+unknown"


class OutriderServer(LanguageServer):
    """pygls server plus the session state every feature shares (see the module doc)."""

    protocol: OutriderProtocol

    def __init__(
        self,
        *,
        cli_settings: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            "outrider",
            _outrider_version(),
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=OutriderProtocol,
            converter_factory=fail_fast_converter,
        )
        self.env: dict[str, str] = dict(os.environ if env is None else env)
        self.cli_settings: dict[str, Any] = dict(cli_settings or {})
        self.initialization_settings: dict[str, Any] = {}
        """The editor's ``initializationOptions`` (our section of them)."""
        self.editor_settings: dict[str, Any] = {}
        """initializationOptions, overlaid by the ``workspace/configuration`` section ``outrider``."""
        self.settings = Settings()
        self.settings_problems: list[str] = []
        self.limits_refusal: str | None = None  # an invalid budget: agent runs refused
        self._settings_updates = 0
        self._settings_idle = asyncio.Event()
        self._settings_idle.set()
        self._last_problem_message: str | None = None
        self.workspace_roots: list[Path] = []
        self.documents = DocumentStore(self.settings.context.max_file_bytes)
        self.services = Services(self)
        self.events = SessionEvents()
        self.log_handler = LspLogHandler(self)
        self.feature_names: list[str] = []
        self.failed_features: dict[str, str] = {}
        """Feature modules that failed to load (name -> reason); reported after ``initialize``."""

    # -- transports (our read loop instead of pygls': see server.lsp.transport) -----------------

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        self._stop_event = stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        chunks = stdin_chunks(stdin or sys.stdin.buffer, self.thread_pool)
        try:
            asyncio.run(serve_stream(chunks, self.protocol, stop_event))
        except BrokenPipeError:
            logger.error("the connection to the client is lost; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]

    def start_tcp(self, host: str, port: int) -> None:
        self._stop_event = stop_event = threading.Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)  # pygls accepts a StreamWriter
            await serve_stream(stream_chunks(reader), self.protocol, stop_event)
            self.shutdown()  # type: ignore[no-untyped-call]

        async def listen() -> None:
            self._server = await asyncio.start_server(connection, host, port)
            async with self._server:
                await self._server.serve_forever()

        with contextlib.suppress(asyncio.CancelledError):
            asyncio.run(listen())

    # -- state -----------------------------------------------------------------------------------

    @property
    def primary_root(self) -> Path | None:
        return self.workspace_roots[0] if self.workspace_roots else None

    @property
    def exit_code(self) -> int:
        """0 only if the client sent ``shutdown`` (before ``exit``, or before closing the stream)."""
        if self.protocol.exit_code is not None:
            return self.protocol.exit_code
        return 0 if self.protocol.shutdown_received else 1

    def client_supports(self, dotted: str) -> bool:
        """Whether a client capability (``"workspace.configuration"``) is present and truthy."""
        node: Any = getattr(self.protocol, "client_capabilities", None)
        for part in dotted.split("."):
            if node is None:
                return False
            node = getattr(node, part, None)
        return bool(node)

    # -- settings --------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def updating_settings(self) -> AsyncIterator[None]:
        """Mark a settings update in progress (enter it before the first ``await`` of a handler)."""
        self._settings_updates += 1
        self._settings_idle.clear()
        try:
            yield
        finally:
            self._settings_updates -= 1
            if self._settings_updates == 0:
                self._settings_idle.set()

    async def settings_settled(self) -> Settings:
        """The settings once every update already started (config pulls, reloads) has finished."""
        await self._settings_idle.wait()
        return self.settings

    async def reload_settings(self) -> Settings:
        """Read every settings source again (files in a thread), apply, report problems once."""
        # Deep copies: load_settings prunes invalid keys from the nested dicts it is given.
        loaded = await asyncio.to_thread(
            load_settings,
            self.primary_root,
            env=self.env,
            editor=copy.deepcopy(self.editor_settings),
            cli=copy.deepcopy(self.cli_settings),
        )
        self.apply_settings(loaded)
        return self.settings

    def apply_settings(self, loaded: LoadedSettings) -> None:
        self.settings_problems = list(loaded.problems)
        self.limits_refusal = loaded.limits_refusal()
        self._report_settings_problems(loaded.problems)
        if loaded.settings == self.settings:
            return
        self.settings = loaded.settings
        apply_log_level(self.log_handler, loaded.settings.log_level)
        self.services.drop(settings_changed_only=True)
        self.events.settings_changed.publish(loaded.settings)

    def _report_settings_problems(self, problems: Sequence[str]) -> None:
        if not problems:
            self._last_problem_message = None
            return
        message = "Outrider settings: " + "; ".join(problems)
        if message == self._last_problem_message:
            return  # the same problems again (a reload after didChangeConfiguration): said already
        self._last_problem_message = message
        logger.warning("%s", message)
        self.show_message(message, types.MessageType.Warning)

    # -- messages to the user --------------------------------------------------------------------

    def show_message(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        """``window/showMessage`` (and nothing if the transport is already gone)."""
        try:
            self.window_show_message(types.ShowMessageParams(type=kind, message=message))
        except Exception:
            logger.exception("could not show a message to the user: %s", message)

    def document_key(self, uri: str) -> str:
        """The key of a document in :attr:`documents`: its path for ``file:`` URIs, else the URI."""
        path = uri_to_path(uri)
        return str(path) if path is not None else uri

    def document_for(self, uri: str) -> Document | None:
        """The open document for a URI (the editor's current text), if open."""
        return self.documents.get(self.document_key(uri))


def create_server(
    features: Sequence[FeatureModule] = DEFAULT_FEATURES,
    *,
    cli_settings: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> OutriderServer:
    """The composition root: a server with each feature's ``setup(server)`` called in order."""
    server = OutriderServer(cli_settings=cli_settings, env=env)
    for feature in features:
        name = feature if isinstance(feature, str) else feature.__name__
        try:
            _setup_feature(server, feature)
        except Exception as exc:
            if name in CORE_FEATURES:
                raise
            logger.exception("feature %s failed to load; it is off for this session", name)
            server.failed_features[name] = f"{type(exc).__name__}: {exc}"
            continue
        server.feature_names.append(name)
    logger.debug("features: %s", ", ".join(server.feature_names))
    return server


def _setup_feature(server: OutriderServer, feature: FeatureModule) -> None:
    module = importlib.import_module(feature) if isinstance(feature, str) else feature
    setup = getattr(module, "setup", None)
    if not callable(setup):
        raise TypeError(f"feature module {module.__name__} has no setup(server) function")
    setup(server)
