import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

import {
  CLIENT_TAG,
  configurationAnswers,
  contributedProperties,
  explicitSettings,
  explicitValue,
  ignoredMachineSettings,
  machineSettingsAdvice,
  sectionValue,
  serverLaunch,
  serverSettingKeys,
} from "../src/settings";

const packageJson: unknown = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));

describe("serverSettingKeys", () => {
  it("drops the extension's own settings, sorts, and marks user-only scopes", () => {
    const keys = serverSettingKeys({
      "outrider.model": { scope: "window" },
      "outrider.base_url": { scope: "machine" },
      "outrider.server.path": { scope: "machine", tags: [CLIENT_TAG] },
      "outrider.agent.max_steps": {},
      "other.setting": {},
    });
    assert.deepEqual(keys, [
      { key: "agent.max_steps", userOnly: false },
      { key: "base_url", userOnly: true },
      { key: "model", userOnly: false },
    ]);
  });

  it("reads the generated package.json: model keys in, extension keys out, trusted keys user-only", () => {
    const keys = new Map(serverSettingKeys(contributedProperties(packageJson)).map((k) => [k.key, k.userOnly]));
    assert.equal(keys.get("completion.debounce_ms"), false);
    assert.equal(keys.get("provider"), true);
    assert.equal(keys.get("base_url"), true);
    assert.equal(keys.get("agent.test_commands"), true);
    assert.equal(keys.has("server.path"), false);
    assert.equal(keys.has("trace.server"), false);
  });
});

describe("explicitValue", () => {
  it("prefers the folder, then the workspace, then the user value", () => {
    assert.equal(explicitValue({ globalValue: 1, workspaceValue: 2, workspaceFolderValue: 3 }, false), 3);
    assert.equal(explicitValue({ globalValue: 1, workspaceValue: 2 }, false), 2);
    assert.equal(explicitValue({ globalValue: 1 }, false), 1);
    assert.equal(explicitValue({}, false), undefined);
    assert.equal(explicitValue(undefined, false), undefined);
  });

  it("treats an explicit null as a value that overrides the user's", () => {
    assert.equal(explicitValue({ globalValue: "gpt-4.1", workspaceValue: null }, false), null);
  });

  it("ignores workspace values of user-only settings", () => {
    assert.equal(explicitValue({ workspaceValue: "http://evil.example" }, true), undefined);
    assert.equal(explicitValue({ globalValue: "http://proxy", workspaceValue: "http://evil" }, true), "http://proxy");
  });
});

describe("explicitSettings", () => {
  it("nests dotted keys and leaves out unset ones (never VS Code's defaults)", () => {
    const inspected: Record<string, { globalValue?: unknown; workspaceValue?: unknown }> = {
      "completion.debounce_ms": { globalValue: 120 },
      "completion.enabled": { workspaceValue: false },
      "agent.test_commands": { globalValue: [["pytest", "-q"]] },
      model: { globalValue: null },
    };
    const keys = serverSettingKeys({
      "outrider.completion.debounce_ms": {},
      "outrider.completion.enabled": {},
      "outrider.completion.max_tokens": {},
      "outrider.agent.test_commands": { scope: "machine" },
      "outrider.model": {},
    });
    assert.deepEqual(
      explicitSettings(keys, (key) => inspected[key]),
      { agent: { test_commands: [["pytest", "-q"]] }, completion: { debounce_ms: 120, enabled: false }, model: null },
    );
  });

  it("gives an empty object when nothing is set", () => {
    assert.deepEqual(explicitSettings(serverSettingKeys(contributedProperties(packageJson)), () => ({})), {});
  });
});

describe("sectionValue", () => {
  const settings = { completion: { debounce_ms: 120 }, model: "m" };
  it("answers our section and its parts", () => {
    assert.deepEqual(sectionValue(settings, "outrider"), settings);
    assert.deepEqual(sectionValue(settings, "outrider.completion"), { debounce_ms: 120 });
    assert.equal(sectionValue(settings, "outrider.completion.debounce_ms"), 120);
    assert.equal(sectionValue(settings, "outrider.agent"), null);
    assert.equal(sectionValue(settings, "outrider.model.deeper"), null);
  });
  it("leaves other sections to VS Code", () => {
    assert.equal(sectionValue(settings, "editor"), undefined);
    assert.equal(sectionValue(settings, "outriders"), undefined);
    assert.equal(sectionValue(settings, undefined), undefined);
  });
});

describe("serverLaunch", () => {
  it("starts `outrider lsp` by default and appends extra arguments", () => {
    assert.deepEqual(serverLaunch(undefined, undefined), { command: "outrider", args: ["lsp"] });
    assert.deepEqual(serverLaunch("  ", []), { command: "outrider", args: ["lsp"] });
    assert.deepEqual(serverLaunch("/opt/o/bin/outrider", ["--provider", "replay", 3]), {
      command: "/opt/o/bin/outrider",
      args: ["lsp", "--provider", "replay"],
    });
  });
});

describe("configurationAnswers", () => {
  const settings = { completion: { debounce_ms: 120 } };
  it("answers our sections without asking VS Code", async () => {
    let asked = 0;
    const answers = await configurationAnswers(settings, ["outrider", "outrider.agent"], () => {
      asked++;
      return Promise.resolve([]);
    });
    assert.deepEqual(answers, [settings, null]);
    assert.equal(asked, 0);
  });
  it("asks VS Code for the other sections and keeps the order", async () => {
    const answers = await configurationAnswers(settings, ["editor", "outrider.completion", undefined], () =>
      Promise.resolve([{ tabSize: 4 }, { from: "vscode" }, { all: true }]),
    );
    assert.deepEqual(answers, [{ tabSize: 4 }, { debounce_ms: 120 }, { all: true }]);
  });
});

describe("ignoredMachineSettings", () => {
  const properties = contributedProperties(packageJson);
  const userFile = `{
    // comments are fine (JSON with comments)
    "outrider.server.path": "/opt/outrider/bin/outrider",
    "outrider.provider": "openai-compatible",
    "outrider.model": "qwen2.5-coder:7b",
    "editor.fontSize": 14,
  }`;

  it("finds machine-scoped settings that VS Code did not apply, sorted", () => {
    assert.deepEqual(
      ignoredMachineSettings(userFile, properties, () => false),
      ["outrider.provider", "outrider.server.path"],
    );
  });

  it("leaves out applied settings (a local window reads them from user settings)", () => {
    assert.deepEqual(ignoredMachineSettings(userFile, properties, () => true), []);
    assert.deepEqual(
      ignoredMachineSettings(userFile, properties, (name) => name === "outrider.provider"),
      ["outrider.server.path"],
    );
  });

  it("says where they must go", () => {
    const advice = machineSettingsAdvice(["outrider.server.path"], "/data/Machine/settings.json");
    assert.match(advice, /"outrider\.server\.path" is set in your user settings/);
    assert.match(advice, /Move it to the machine settings \(\/data\/Machine\/settings\.json/);
    assert.match(machineSettingsAdvice(["a", "b"], undefined), /are set .* Move them to the remote settings/);
  });
});
