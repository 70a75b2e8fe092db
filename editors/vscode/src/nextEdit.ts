// Next-edit suggestions (`textDocument/copilotInlineEdit`): the result's shape and the decisions
// made on it. Pure (no `vscode` import), so the unit tests run without VS Code.

import { LspPosition, LspRange } from "./commands";

export const NEXT_EDIT_METHOD = "textDocument/copilotInlineEdit";

/** One predicted edit, for the document version it was made for. */
export interface NextEdit {
  uri: string;
  version: number;
  range: LspRange;
  text: string;
  command?: { title: string; command: string; arguments?: unknown[] };
}

/** The request's params: Copilot's shape. */
export function nextEditParams(uri: string, version: number, position: LspPosition): unknown {
  return { textDocument: { uri, version }, position };
}

function isPosition(value: unknown): value is LspPosition {
  const p = value as Partial<LspPosition> | null;
  return (
    typeof p === "object" && p !== null && Number.isInteger(p.line) && Number.isInteger(p.character) && p.line! >= 0 && p.character! >= 0
  );
}

function isRange(value: unknown): value is LspRange {
  const r = value as Partial<LspRange> | null;
  return typeof r === "object" && r !== null && isPosition(r.start) && isPosition(r.end);
}

/** The first edit of a result (`{edits: [{text, textDocument: {uri, version}, range, command?}]}`), or
 * undefined when there is none or the shape is wrong. The edits are alternatives: the first is the best. */
export function parseNextEdit(result: unknown): NextEdit | undefined {
  const edits = (result as { edits?: unknown } | null)?.edits;
  if (!Array.isArray(edits) || edits.length === 0) {
    return undefined;
  }
  const item = edits[0] as Record<string, unknown>;
  const document = item.textDocument as { uri?: unknown; version?: unknown } | undefined;
  if (typeof item.text !== "string" || !isRange(item.range) || typeof document?.uri !== "string" || !Number.isInteger(document.version)) {
    return undefined;
  }
  const edit: NextEdit = { uri: document.uri, version: document.version as number, range: item.range, text: item.text };
  const command = item.command as NextEdit["command"] | undefined;
  if (typeof command === "object" && command !== null && typeof command.command === "string") {
    edit.command = command;
  }
  return edit;
}

/** Whether `edit` still applies to the document (same URI, same version). */
export function isCurrent(edit: NextEdit, uri: string, version: number): boolean {
  return edit.uri === uri && edit.version === version;
}

/** What accepting does from where the cursor is: on the edit's line, a one-line edit is shown as an
 * inline suggestion there (the server offers it on that line); anywhere else, jump to it first; an
 * edit over several lines is applied at once. */
export function acceptAction(edit: NextEdit, cursorLine: number): "jump" | "suggest" | "apply" {
  if (edit.range.start.line !== edit.range.end.line) {
    return "apply";
  }
  return cursorLine === edit.range.start.line ? "suggest" : "jump";
}

/** The text shown after the replaced range: the new text's first line, shortened; "(delete)" for none. */
export function previewText(edit: NextEdit, limit = 60): string {
  if (edit.text === "") {
    return " (delete)";
  }
  const lines = edit.text.split("\n");
  let shown = lines[0] ?? "";
  if (shown.length > limit) {
    shown = `${shown.slice(0, limit - 1)}…`;
  }
  return lines.length > 1 ? ` ${shown} (+${lines.length - 1} lines)` : ` ${shown}`;
}
