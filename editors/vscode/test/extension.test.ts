// The whole extension, activated with a fake `vscode` module, against the real `outrider lsp`
// (from the repository's .venv, or next to $OUTRIDER_PYTHON): start-up, settings, commands,
// progress in the status bar, shutdown.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";

import { installFakeVscode } from "./fakeVscode";

const fake = installFakeVscode(); // before the extension (and vscode-languageclient) load
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extension = require("../src/extension") as typeof import("../src/extension");

const editorRoot = join(__dirname, "..", "..");
const repoRoot = join(editorRoot, "..", "..");
const python = process.env.OUTRIDER_PYTHON ?? join(repoRoot, ".venv", "bin", "python");
const manifest = JSON.parse(readFileSync(join(editorRoot, "package.json"), "utf8")) as {
  contributes: { commands: Array<{ command: string }> };
};

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; log:\n${fake.log.slice(-30).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface DebugSettings {
  settings: { base_url: string | null; completion: { debounce_ms: number }; agent: { max_steps: number } };
  problems: string[];
}

async function serverSettings(): Promise<DebugSettings> {
  const command = fake.commands.get("outrider.debug.settings");
  assert.ok(command, "the language client registers the server's commands");
  return (await command()) as DebugSettings;
}

const lastStatus = (): string => fake.statusTexts[fake.statusTexts.length - 1] ?? "";

describe("the extension against the real server", { timeout: 120_000 }, () => {
  let home: string;
  const context = { subscriptions: [] as Array<{ dispose(): unknown }>, extension: { packageJSON: manifest } };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "outrider-extension-"));
    Object.assign(process.env, { OUTRIDER_HOME: home, XDG_CONFIG_HOME: home, OUTRIDER_LSP_DEBUG: "1" });
    for (const key of ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OUTRIDER_PROVIDER", "OUTRIDER_BASE_URL"]) {
      delete process.env[key]; // the agent must fail at once for want of a key, never call out
    }
    fake.settings.set("outrider.server.path", { globalValue: join(dirname(python), "outrider") });
    fake.settings.set("outrider.completion.debounce_ms", { globalValue: 120 });
    fake.settings.set("outrider.base_url", { workspaceValue: "http://attacker.example" });
    await extension.activate(context as unknown as Parameters<typeof extension.activate>[0]);
  });

  after(async () => {
    await extension.deactivate();
    rmSync(home, { recursive: true, force: true });
  });

  it("starts `outrider lsp` and shows it running", async () => {
    await waitFor("a running server", () => lastStatus().startsWith("$(sparkle) Outrider"));
    assert.deepEqual(fake.messages.filter((m) => m.level === "error"), []);
  });

  it("shows the provider and today's spend from outrider.cost.summary", async () => {
    assert.ok(fake.commands.has("outrider.cost.summary"), "the server offers the cost summary");
    await waitFor("the spend in the status bar", () => lastStatus() === "$(sparkle) Outrider · anthropic · $0.00");
  });

  it("registers its commands and the server's", () => {
    for (const { command } of manifest.contributes.commands) {
      assert.ok(fake.commands.has(command), command);
    }
    assert.ok(fake.commands.has("outrider.agent.run"));
  });

  it("sends only the explicit settings, without workspace values of user-only keys", async () => {
    const { settings, problems } = await serverSettings();
    assert.deepEqual(problems, []);
    assert.equal(settings.completion.debounce_ms, 120);
    assert.equal(settings.base_url, null);
  });

  it("passes a settings change on", async () => {
    fake.settings.set("outrider.agent.max_steps", { workspaceValue: 7 });
    fake.changeConfiguration(["outrider", "outrider.agent", "outrider.agent.max_steps"]);
    for (let attempt = 0; (await serverSettings()).settings.agent.max_steps !== 7; attempt++) {
      assert.ok(attempt < 100, "the server never saw the new value");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it("runs the agent on an instruction and follows its progress in the status bar", async () => {
    const before = fake.statusTexts.length;
    fake.inputBoxAnswers.push("add docstrings");
    await fake.commands.get("outrider.runAgent")?.();
    await waitFor("the task to end", () => fake.statusTexts.slice(before).some((t) => t.includes("$(sync~spin) 1")));
    await waitFor("no running task", () => !lastStatus().includes("$(sync~spin)"));
    assert.ok(fake.progressTitles.length > 0, "the server's progress is shown");
    // No API key in this test: the server says so (and nothing is called).
    await waitFor("the server's message", () => fake.messages.some((m) => m.level === "error" && /key/i.test(m.text)));
  });

  it("does nothing when the input box is dismissed, and warns on a blank instruction", async () => {
    const before = fake.progressTitles.length;
    fake.inputBoxAnswers.push(undefined, "   ");
    await fake.commands.get("outrider.runAgent")?.();
    await fake.commands.get("outrider.runAgent")?.();
    assert.equal(fake.progressTitles.length, before);
    assert.match(fake.messages[fake.messages.length - 1]?.text ?? "", /Say what the agent should do/);
  });

  it("cancels through the server when no task is running", async () => {
    await fake.commands.get("outrider.cancelAgent")?.();
    assert.deepEqual(fake.messages[fake.messages.length - 1], {
      level: "info",
      text: "Outrider: no agent task was running.",
    });
  });

  it("explains the last suggestion through the server (none yet)", async () => {
    await fake.commands.get("outrider.explainSuggestion")?.();
    assert.deepEqual(fake.messages[fake.messages.length - 1], {
      level: "info",
      text: "Outrider: no suggestion to explain yet.",
    });
  });

  it("shows the cost report", async () => {
    await fake.commands.get("outrider.showCost")?.();
    assert.deepEqual(fake.messages[fake.messages.length - 1], {
      level: "info",
      text: "Outrider spend",
      detail: "Today: $0.00\nThis month: $0.00",
    });
  });
});
