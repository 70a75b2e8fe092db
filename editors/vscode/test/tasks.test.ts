import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { TaskTracker } from "../src/tasks";

describe("TaskTracker", () => {
  it("follows begin, report and end", () => {
    let changes = 0;
    const tracker = new TaskTracker(() => changes++);
    tracker.handle("t1", { kind: "begin", title: "Outrider agent", cancellable: true, message: "starting" });
    tracker.handle("t1", { kind: "report", message: "step 2: read_file", percentage: 40 });
    assert.deepEqual(
      tracker.running().map((t) => [t.title, t.message, t.percentage, t.cancellable]),
      [["Outrider agent", "step 2: read_file", 40, true]],
    );
    const ended = tracker.handle("t1", { kind: "end", message: "done: 2 files changed" });
    assert.equal(ended?.message, "done: 2 files changed");
    assert.deepEqual(tracker.running(), []);
    assert.equal(changes, 3);
  });

  it("keeps tasks in arrival order and tells number tokens from string tokens", () => {
    const tracker = new TaskTracker();
    tracker.handle(7, { kind: "begin", title: "indexing" });
    tracker.handle("7", { kind: "begin", title: "agent" });
    tracker.handle(7, { kind: "report", message: "half" });
    assert.deepEqual(
      tracker.running().map((t) => [t.token, t.title, t.message]),
      [
        [7, "indexing", "half"],
        ["7", "agent", ""],
      ],
    );
  });

  it("ignores reports and ends for unknown tokens", () => {
    let changes = 0;
    const tracker = new TaskTracker(() => changes++);
    assert.equal(tracker.handle("nope", { kind: "report", message: "x" }), undefined);
    assert.equal(tracker.handle("nope", { kind: "end" }), undefined);
    assert.equal(changes, 0);
    assert.deepEqual(tracker.running(), []);
  });

  it("forgets everything on clear", () => {
    const tracker = new TaskTracker();
    tracker.handle("a", { kind: "begin", title: "a" });
    tracker.clear();
    assert.deepEqual(tracker.running(), []);
  });
});
