// The next-edit controller with a fake `vscode` module and a fake language client: the request it
// sends after a change, what it shows, and what accepting does (jump, or apply).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { installFakeVscode } from "./fakeVscode";

const fake = installFakeVscode(); // before the controller loads `vscode`
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vscode = require("vscode") as { window: Record<string, unknown>; commands: { registerCommand: (id: string, f: (...a: unknown[]) => unknown) => unknown } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { NextEditController } = require("../src/nextEditController") as typeof import("../src/nextEditController");

const URI = "file:///w/geo.py";
const calls: string[] = [];
for (const id of ["setContext", "editor.action.inlineSuggest.trigger", "outrider.nextEdit.accepted"]) {
  vscode.commands.registerCommand(id, (...args: unknown[]) => calls.push(`${id} ${JSON.stringify(args)}`));
}

interface Sent {
  method: string;
  params: unknown;
}

interface Session {
  controller: InstanceType<typeof NextEditController>;
  document: { uri: { toString: () => string }; version: number };
  decorations: unknown[];
  replaced: string[];
  sent: Sent[];
}

function session(answer: (version: number) => unknown): Session {
  const document = { uri: { toString: () => URI }, version: 2 };
  const decorations: unknown[] = [];
  const replaced: string[] = [];
  const editor = {
    document,
    selection: { active: { line: 0, character: 10 } } as unknown,
    setDecorations: (_type: unknown, items: unknown[]) => decorations.push(...items),
    revealRange: () => undefined,
    edit: (build: (b: { replace: (r: unknown, text: string) => void }) => void) => {
      build({ replace: (_r, text) => replaced.push(text) });
      return Promise.resolve(true);
    },
  };
  vscode.window.activeTextEditor = editor;
  vscode.window.visibleTextEditors = [editor];
  const sent: Sent[] = [];
  const client = {
    isRunning: () => true,
    sendRequest: (method: string, params: unknown) => {
      sent.push({ method, params });
      return Promise.resolve(answer(document.version));
    },
  };
  const controller = new NextEditController(() => client as never);
  return { controller, document, decorations, replaced, sent };
}

async function changedAndAnswered(s: Session): Promise<void> {
  s.controller.documentChanged(s.document as never);
  const deadline = Date.now() + 5000;
  while (s.sent.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20)); // the controller's own delay
  }
  await s.controller.settled();
}

const oneLine = (version: number): unknown => ({
  edits: [
    {
      text: "w",
      textDocument: { uri: URI, version },
      range: { start: { line: 1, character: 13 }, end: { line: 1, character: 18 } },
      command: { title: "Accept next edit", command: "outrider.nextEdit.accepted", arguments: [URI, version] },
    },
  ],
});

describe("NextEditController", () => {
  it("asks with Copilot's params after a change and shows the edit where it applies", async () => {
    const s = session(oneLine);
    assert.ok(fake.commands.has("outrider.acceptNextEdit")); // Tab's command, while a next edit is visible
    await changedAndAnswered(s);
    assert.deepEqual(s.sent, [
      {
        method: "textDocument/copilotInlineEdit",
        params: { textDocument: { uri: URI, version: 2 }, position: { line: 0, character: 10 } },
      },
    ]);
    assert.equal(s.controller.current()?.text, "w");
    assert.ok(JSON.stringify(s.decorations).includes('"contentText":" w"'));
    assert.ok(calls.includes('setContext ["outrider.nextEditVisible",true]'));
    calls.length = 0;
    await s.controller.accept(); // the cursor is on line 0, the edit on line 1: jump there
    assert.deepEqual(calls, ["editor.action.inlineSuggest.trigger []"]);
    assert.deepEqual(s.replaced, []);
    s.controller.dispose();
  });

  it("never shows an edit made for another version", async () => {
    const s = session((version) => oneLine(version - 1));
    await changedAndAnswered(s);
    assert.equal(s.sent.length, 1);
    assert.equal(s.controller.current(), undefined);
    s.controller.dispose();
  });

  it("applies an edit over several lines at once and runs its command", async () => {
    const s = session((version) => ({
      edits: [
        {
          text: "w * height\n    return w",
          textDocument: { uri: URI, version },
          range: { start: { line: 1, character: 13 }, end: { line: 2, character: 17 } },
          command: { title: "Accept next edit", command: "outrider.nextEdit.accepted", arguments: [URI, version] },
        },
      ],
    }));
    await changedAndAnswered(s);
    calls.length = 0;
    await s.controller.accept();
    assert.deepEqual(s.replaced, ["w * height\n    return w"]);
    assert.ok(calls.includes(`outrider.nextEdit.accepted ["${URI}",2]`), calls.join("; "));
    assert.equal(s.controller.current(), undefined);
    s.controller.dispose();
  });
});
