import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { LspRange } from "../src/commands";
import { NextEdit, acceptAction, isCurrent, nextEditParams, parseNextEdit, previewText } from "../src/nextEdit";

const range = (sl: number, sc: number, el: number, ec: number): LspRange => ({
  start: { line: sl, character: sc },
  end: { line: el, character: ec },
});

const EDIT: NextEdit = { uri: "file:///w/geo.py", version: 2, range: range(1, 13, 1, 18), text: "w" };

describe("nextEditParams", () => {
  it("is Copilot's request shape", () => {
    assert.deepEqual(nextEditParams("file:///w/geo.py", 2, { line: 0, character: 10 }), {
      textDocument: { uri: "file:///w/geo.py", version: 2 },
      position: { line: 0, character: 10 },
    });
  });
});

describe("parseNextEdit", () => {
  it("reads the first edit of the result with its version and command", () => {
    const command = { title: "Accept next edit", command: "outrider.nextEdit.accepted", arguments: ["file:///w/geo.py", 2] };
    const parsed = parseNextEdit({
      edits: [{ text: "w", textDocument: { uri: "file:///w/geo.py", version: 2 }, range: range(1, 13, 1, 18), command }],
    });
    assert.deepEqual(parsed, { ...EDIT, command });
  });
  it("gives nothing for no edits or a wrong shape", () => {
    assert.equal(parseNextEdit({ edits: [] }), undefined);
    assert.equal(parseNextEdit(null), undefined);
    assert.equal(parseNextEdit({ edits: [{ text: "w", range: range(1, 0, 1, 1) }] }), undefined); // no textDocument
    assert.equal(
      parseNextEdit({ edits: [{ text: "w", textDocument: { uri: "u", version: 1 }, range: range(-1, 0, 1, 1) }] }),
      undefined,
    );
  });
});

describe("isCurrent", () => {
  it("only for the same document at the same version", () => {
    assert.equal(isCurrent(EDIT, "file:///w/geo.py", 2), true);
    assert.equal(isCurrent(EDIT, "file:///w/geo.py", 3), false);
    assert.equal(isCurrent(EDIT, "file:///w/other.py", 2), false);
  });
});

describe("acceptAction", () => {
  it("jumps to a far edit, suggests in place on its line, applies one over several lines", () => {
    assert.equal(acceptAction(EDIT, 0), "jump");
    assert.equal(acceptAction(EDIT, 1), "suggest");
    assert.equal(acceptAction({ ...EDIT, range: range(1, 0, 3, 0) }, 1), "apply");
  });
});

describe("previewText", () => {
  it("shows the new text's first line, or that it deletes", () => {
    assert.equal(previewText(EDIT), " w");
    assert.equal(previewText({ ...EDIT, text: "" }), " (delete)");
    assert.equal(previewText({ ...EDIT, text: "a\nb\nc" }), " a (+2 lines)");
    assert.equal(previewText({ ...EDIT, text: "x".repeat(100) }, 10), ` ${"x".repeat(9)}…`);
  });
});
