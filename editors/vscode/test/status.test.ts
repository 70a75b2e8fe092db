import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { formatCostReport, formatStatus, formatUsd, parseCostSummary } from "../src/status";
import { TaskTracker } from "../src/tasks";

describe("parseCostSummary", () => {
  it("reads the documented wire shape, features sorted", () => {
    const parsed = parseCostSummary({
      today_usd: 0.42,
      month_usd: 3.5,
      by_feature: { completion: 0.1, agent: 0.32 },
      provider: "anthropic",
      model: "claude-sonnet-4-6",
    });
    assert.deepEqual(parsed, {
      ok: true,
      value: {
        todayUsd: 0.42,
        monthUsd: 3.5,
        byFeature: [
          ["agent", 0.32],
          ["completion", 0.1],
        ],
        provider: "anthropic",
        model: "claude-sonnet-4-6",
      },
    });
  });
  it("accepts a summary without features or provider", () => {
    const parsed = parseCostSummary({ today_usd: 0, month_usd: 0 });
    assert.ok(parsed.ok);
    assert.equal(parsed.value.provider, undefined);
  });
  it("rejects malformed answers with a reason", () => {
    for (const [value, reason] of [
      [null, /expected an object/],
      [{ today_usd: "1", month_usd: 0 }, /non-negative numbers/],
      [{ today_usd: -1, month_usd: 0 }, /non-negative numbers/],
      [{ today_usd: 1, month_usd: 2, by_feature: [] }, /by_feature must be an object/],
      [{ today_usd: 1, month_usd: 2, by_feature: { agent: "x" } }, /by_feature.agent/],
    ] as const) {
      const parsed = parseCostSummary(value);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) {
        assert.match(parsed.error, reason);
      }
    }
  });
});

describe("formatUsd", () => {
  it("rounds to cents and shows tiny amounts as <$0.01", () => {
    assert.equal(formatUsd(0), "$0.00");
    assert.equal(formatUsd(0.001), "<$0.01");
    assert.equal(formatUsd(0.4249), "$0.42");
    assert.equal(formatUsd(12.3), "$12.30");
  });
});

describe("formatStatus", () => {
  it("shows provider, today's spend and the number of running tasks", () => {
    const tracker = new TaskTracker();
    tracker.handle("a", { kind: "begin", title: "Outrider agent", message: "step 1", percentage: 10 });
    tracker.handle("b", { kind: "begin", title: "Indexing" });
    const cost = { todayUsd: 0.42, monthUsd: 3.5, byFeature: [], provider: "openai", model: "gpt-4.1" };
    const status = formatStatus({ server: "running", provider: "openai", model: "gpt-4.1", cost, tasks: tracker.running() });
    assert.equal(status.text, "$(sparkle) Outrider · openai · $0.42 · $(sync~spin) 2");
    assert.match(status.tooltip, /Provider: openai \(gpt-4\.1\)/);
    assert.match(status.tooltip, /Spent today: \$0\.42, this month: \$3\.50/);
    assert.match(status.tooltip, /• Outrider agent 10%: step 1\n• Indexing\n/);
  });
  it("shows a stopped server without cost or tasks", () => {
    const status = formatStatus({ server: "failed", provider: undefined, model: undefined, cost: undefined, tasks: [] });
    assert.equal(status.text, "$(error) Outrider");
    assert.match(status.tooltip, /server failed\nNo running tasks/);
  });
});

describe("formatCostReport", () => {
  it("lists totals then features", () => {
    const report = formatCostReport({
      todayUsd: 0.5,
      monthUsd: 2,
      byFeature: [
        ["agent", 0.4],
        ["completion", 0.1],
      ],
      provider: undefined,
      model: undefined,
    });
    assert.deepEqual(report, ["Today: $0.50", "This month: $2.00", "Today by feature:", "  agent: $0.40", "  completion: $0.10"]);
  });
});
