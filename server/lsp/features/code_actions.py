"""Code actions that start the agent: "Fix this diagnostic", "Write tests for this function",
"Add docstrings", "Explain this code", "Edit selection with instruction...".

``textDocument/codeAction`` is cheap: it lists actions carrying only ``data``. The command that
runs the agent (``outrider.agent.run {action, uri, range, ...}``: the action kind and its location,
never a prompt; the server renders the instruction, see :mod:`server.agent.actions`) is attached
in ``codeAction/resolve``, and nothing calls a model until the user picks the action.
Clients that cannot resolve ``command`` lazily (VS Code declares only ``edit``) get it directly;
either way the agent runs only when the command is executed.

"Edit selection with instruction..." uses the client-side command ``outrider.agent.editSelection``
(arguments ``[{uri, range}]``): the editor asks for the instruction, then calls
``outrider.agent.run``. The server does not register it, so editors can own it.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from context.source.scopes import enclosing_scopes
from server.lsp.convert import lsp_range_json, uri_to_path
from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)

RUN = "outrider.agent.run"
EDIT_SELECTION = "outrider.agent.editSelection"
TITLES = {
    "fix": "Outrider: Fix this diagnostic",
    "tests": "Outrider: Write tests for {symbol}",
    "docstrings": "Outrider: Add docstrings",
    "explain": "Outrider: Explain this code",
    "edit": "Outrider: Edit selection with instruction...",
}
KINDS = {
    "fix": types.CodeActionKind.QuickFix,
    "tests": types.CodeActionKind.Refactor,
    "docstrings": types.CodeActionKind.RefactorRewrite,
    "explain": types.CodeActionKind.Refactor,
    "edit": types.CodeActionKind.RefactorRewrite,
}


def enclosing_function(ls: OutriderServer, uri: str, position: types.Position) -> tuple[str, str] | None:
    """(kind, name) of the innermost function, method or class at `position`, if the file is parsed."""
    document = ls.document_for(uri)
    if document is None or document.tree is None or document.language is None:
        return None
    byte = document.byte_at(document.offset_at((position.line, position.character)))
    node = document.tree.root_node.named_descendant_for_byte_range(byte, byte)
    chain = enclosing_scopes(document.language, node)
    for kind, name, _ in reversed(chain):
        if kind in ("function", "method", "class"):
            return kind, name
    return None


def list_actions(ls: OutriderServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri, range_ = params.text_document.uri, params.range
    path = uri_to_path(uri)
    if path is None:
        return []
    base = {"uri": uri, "range": lsp_range_json(range_)}
    entries: list[tuple[str, dict[str, Any], list[types.Diagnostic] | None]] = []
    diagnostics = sorted(
        params.context.diagnostics, key=lambda d: (d.range.start.line, d.range.start.character, d.message)
    )
    for diagnostic in diagnostics:
        data = {**base, "range": lsp_range_json(diagnostic.range), "message": diagnostic.message}
        entries.append(("fix", data, [diagnostic]))
    if (found := enclosing_function(ls, uri, range_.start)) is not None:
        entries.append(("tests", {**base, "kind": found[0], "symbol": found[1]}, None))
    entries.append(("docstrings", base, None))
    entries.append(("explain", base, None))
    if range_.start != range_.end:
        entries.append(("edit", base, None))
    actions = []
    only = params.context.only
    for action, data, diags in entries:
        kind = KINDS[action]
        if only and not any(kind == k or kind.startswith(f"{k}.") for k in only):
            continue
        title = TITLES[action].format(symbol=data.get("symbol", ""))
        actions.append(types.CodeAction(title=title, kind=kind, diagnostics=diags, data={**data, "action": action}))
    return actions


def _is_position(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(key), int) and not isinstance(value.get(key), bool) and value[key] >= 0
        for key in ("line", "character")
    )


def _check_data(data: dict[str, Any]) -> None:
    """The ``data`` of one of our actions, as list_actions wrote it; InvalidParams if not."""
    range_ = data.get("range")
    if not isinstance(data.get("uri"), str):
        raise JsonRpcInvalidParams.of(ValueError("codeAction/resolve: data.uri must be a string"))
    if not isinstance(range_, dict) or not (_is_position(range_.get("start")) and _is_position(range_.get("end"))):
        raise JsonRpcInvalidParams.of(ValueError("codeAction/resolve: data.range must be an LSP range"))


def resolve(ls: OutriderServer, action: types.CodeAction) -> types.CodeAction:
    """Attach the command: the action and its location only (the server renders the instruction)."""
    data = action.data if isinstance(action.data, dict) else None
    if data is None or data.get("action") not in TITLES:
        return action
    _check_data(data)
    location = {"uri": data["uri"], "range": data["range"]}
    if data["action"] == "edit":
        action.command = types.Command(title=action.title, command=EDIT_SELECTION, arguments=[location])
        return action
    arguments = {key: data[key] for key in ("uri", "range", "action", "message", "kind", "symbol") if key in data}
    action.command = types.Command(title=action.title, command=RUN, arguments=[arguments])
    return action


def resolves_commands(ls: OutriderServer) -> bool:
    """Whether the client resolves a code action's ``command`` lazily (``resolveSupport.properties``)."""
    support = getattr(getattr(ls.protocol, "client_capabilities", None), "text_document", None)
    resolve_support = getattr(getattr(support, "code_action", None), "resolve_support", None)
    return resolve_support is not None and "command" in (resolve_support.properties or ())


def setup(server: OutriderServer) -> None:
    options = types.CodeActionOptions(code_action_kinds=sorted(set(KINDS.values())), resolve_provider=True)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)
    def code_action(ls: OutriderServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        actions = list_actions(ls, params)
        if not resolves_commands(ls):
            actions = [resolve(ls, a) for a in actions]
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    def code_action_resolve(ls: OutriderServer, action: types.CodeAction) -> types.CodeAction:
        return resolve(ls, action)
