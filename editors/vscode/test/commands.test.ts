import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

import {
  CLIENT_COMMANDS,
  MAX_INSTRUCTION_CHARS,
  SERVER_COMMANDS,
  buildAgentRunRequest,
  describeCancelResult,
  describeExplanation,
  instructionProblem,
  serverOffers,
} from "../src/commands";

interface Manifest {
  contributes: { commands: Array<{ command: string; title: string }> };
}
const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as Manifest;

const selection = { start: { line: 2, character: 4 }, end: { line: 5, character: 0 } };
const cursor = { start: { line: 3, character: 1 }, end: { line: 3, character: 1 } };

describe("buildAgentRunRequest", () => {
  it("sends the instruction, the document and the selection", () => {
    assert.deepEqual(buildAgentRunRequest("  add type hints ", { uri: "file:///w/a.py", selection }), {
      kind: "run",
      arguments: { instruction: "add type hints", uri: "file:///w/a.py", range: selection },
    });
  });
  it("leaves out an empty selection", () => {
    assert.deepEqual(buildAgentRunRequest("explain", { uri: "file:///w/a.py", selection: cursor }), {
      kind: "run",
      arguments: { instruction: "explain", uri: "file:///w/a.py" },
    });
  });
  it("works without an editor", () => {
    assert.deepEqual(buildAgentRunRequest("rename foo to bar", undefined), {
      kind: "run",
      arguments: { instruction: "rename foo to bar" },
    });
  });
  it("treats a dismissed input box as cancelled and blank text as invalid", () => {
    assert.deepEqual(buildAgentRunRequest(undefined, undefined), { kind: "cancelled" });
    const blank = buildAgentRunRequest("   ", undefined);
    assert.equal(blank.kind, "invalid");
  });
});

describe("instructionProblem", () => {
  it("accepts ordinary text and rejects blank or huge instructions", () => {
    assert.equal(instructionProblem("add docstrings"), undefined);
    assert.match(instructionProblem("") ?? "", /Say what the agent should do/);
    assert.match(instructionProblem("x".repeat(MAX_INSTRUCTION_CHARS + 1)) ?? "", /under 4000 characters/);
  });
});

describe("serverOffers", () => {
  it("checks the advertised commands", () => {
    assert.equal(serverOffers(["outrider.agent.run"], SERVER_COMMANDS.agentRun), true);
    assert.equal(serverOffers(["outrider.agent.run"], SERVER_COMMANDS.costSummary), false);
    assert.equal(serverOffers(undefined, SERVER_COMMANDS.agentRun), false);
  });
});

describe("package.json commands", () => {
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  it("contributes exactly the commands the extension registers", () => {
    assert.deepEqual(contributed, Object.values(CLIENT_COMMANDS).sort());
  });
  it("never reuses a server command id (the language client registers those itself)", () => {
    for (const id of Object.values(SERVER_COMMANDS)) {
      assert.equal(contributed.includes(id), false, id);
    }
  });
  it("has the titles users look for", () => {
    const titles = manifest.contributes.commands.map((c) => c.title);
    for (const title of ["Run agent on selection...", "Cancel", "Show cost"]) {
      assert.ok(titles.includes(title), title);
    }
  });
});

describe("describeCancelResult", () => {
  it("counts the cancelled tasks", () => {
    assert.equal(describeCancelResult({ cancelled: ["agent-1", "agent-2"] }), "cancelled 2 agent tasks.");
    assert.equal(describeCancelResult({ cancelled: ["agent-1"] }), "cancelled 1 agent task.");
    assert.equal(describeCancelResult({ cancelled: [] }), "no agent task was running.");
  });
  it("copes with an answer of another shape", () => {
    assert.equal(describeCancelResult(null), "asked the server to cancel its agent tasks.");
  });
});

describe("describeExplanation", () => {
  it("lists trace id, model, latency, confidence, cost and verdict", () => {
    const result = {
      trace_id: "abc123",
      model: "qwen2.5-coder:7b",
      latency_ms: 41.6,
      confidence: 0.8123,
      confidence_source: "logprobs",
      signals: ["cut_by_length"],
      call: { cost_usd: 0.0012 },
      verdict: "accepted",
    };
    assert.deepEqual(describeExplanation(result), [
      "Trace: abc123",
      "Model: qwen2.5-coder:7b",
      "Latency: 42 ms",
      "Confidence: 0.81 (logprobs; cut_by_length)",
      "Cost: $0.0012",
      "Verdict: accepted",
    ]);
  });
  it("says nothing when the server has nothing to explain", () => {
    assert.equal(describeExplanation(null), undefined);
  });
});
