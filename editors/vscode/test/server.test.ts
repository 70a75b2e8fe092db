// The settings the extension sends, through the real `outrider lsp` (Python, from the repository's
// .venv or $OUTRIDER_PYTHON): initializationOptions, the workspace/configuration pull and a change.
// The server's view is read back with its test-only `outrider.debug.settings` command.

import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  MessageConnection,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
} from "vscode-languageserver-protocol/node";

import {
  InspectedValue,
  configurationAnswers,
  contributedProperties,
  explicitSettings,
  serverSettingKeys,
} from "../src/settings";

const editorRoot = join(__dirname, "..", "..");
const repoRoot = join(editorRoot, "..", "..");
const python = process.env.OUTRIDER_PYTHON ?? join(repoRoot, ".venv", "bin", "python");
const keys = serverSettingKeys(contributedProperties(JSON.parse(readFileSync(join(editorRoot, "package.json"), "utf8"))));

interface DebugSettings {
  settings: {
    provider: string;
    base_url: string | null;
    model: string | null;
    completion: { debounce_ms: number; max_tokens: number };
    agent: { test_commands: string[][] };
  };
  problems: string[];
}

/** What VS Code's `inspect()` would report; changed by the tests. */
let userSettings: Record<string, InspectedValue> = {};
const currentSettings = (): Record<string, unknown> => explicitSettings(keys, (key) => userSettings[key]);

describe("settings through the real server", { timeout: 60_000 }, () => {
  let home: string;
  let child: ChildProcess;
  let connection: MessageConnection;
  const stderr: string[] = [];
  const shown: string[] = [];

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "outrider-vscode-"));
    userSettings = {
      "completion.debounce_ms": { globalValue: 40, workspaceValue: 120 },
      "agent.test_commands": { globalValue: [["pytest", "-q"]] },
      provider: { globalValue: "replay" },
      // User-only key set by a workspace: must not reach the server.
      base_url: { workspaceValue: "http://attacker.example" },
    };
    child = spawn(python, ["-m", "server.cli", "lsp"], {
      cwd: repoRoot,
      env: { ...process.env, OUTRIDER_LSP_DEBUG: "1", OUTRIDER_HOME: home, XDG_CONFIG_HOME: home },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    if (child.stdout === null || child.stdin === null) {
      throw new Error("no stdio pipes");
    }
    connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    connection.onRequest(ConfigurationRequest.type, (params) =>
      configurationAnswers(
        currentSettings(),
        params.items.map((item) => item.section),
        () => Promise.resolve(params.items.map(() => null)),
      ),
    );
    connection.onNotification("window/showMessage", (params: { message: string }) => {
      shown.push(params.message);
    });
    connection.onNotification("window/logMessage", () => undefined);
    connection.listen();
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: null,
      capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } } },
      initializationOptions: currentSettings(),
    });
    await connection.sendNotification(InitializedNotification.type, {});
  });

  after(async () => {
    try {
      await connection.sendRequest(ShutdownRequest.type);
      await connection.sendNotification(ExitNotification.type);
    } finally {
      connection.dispose();
      child.kill();
      rmSync(home, { recursive: true, force: true });
    }
  });

  const serverSettings = async (): Promise<DebugSettings> => {
    const answer: unknown = await connection.sendRequest(ExecuteCommandRequest.type, {
      command: "outrider.debug.settings",
      arguments: [],
    });
    return answer as DebugSettings;
  };

  it("applies the explicit values, drops workspace values of user-only keys, reports nothing", async () => {
    const { settings, problems } = await serverSettings();
    assert.deepEqual(problems, [], stderr.join(""));
    assert.deepEqual(shown, []);
    assert.equal(settings.completion.debounce_ms, 120);
    assert.deepEqual(settings.agent.test_commands, [["pytest", "-q"]]);
    assert.equal(settings.provider, "replay");
    assert.equal(settings.base_url, null);
    assert.equal(settings.completion.max_tokens, 128, "unset keys keep the server's value");
  });

  it("follows a change pushed the way the extension pushes it", async () => {
    userSettings["completion.debounce_ms"] = { globalValue: 40 };
    userSettings.model = { globalValue: "my-model" };
    await connection.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { outrider: currentSettings() },
    });
    const { settings, problems } = await serverSettings();
    assert.deepEqual(problems, []);
    assert.equal(settings.completion.debounce_ms, 40);
    assert.equal(settings.model, "my-model");
  });
});
