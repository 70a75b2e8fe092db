// Command identifiers and the arguments the extension sends with them. Pure (no `vscode` import).

/** Commands the extension contributes (package.json `contributes.commands`). */
export const CLIENT_COMMANDS = {
  runAgent: "outrider.runAgent",
  cancelAgent: "outrider.cancelAgent",
  showCost: "outrider.showCost",
  restartServer: "outrider.restartServer",
  showOutput: "outrider.showOutput",
  showMenu: "outrider.showMenu",
  explainSuggestion: "outrider.explainSuggestion",
  acceptNextEdit: "outrider.acceptNextEdit",
} as const;

/** Commands the server executes (`workspace/executeCommand`), see editors/vscode/README.md. */
export const SERVER_COMMANDS = {
  agentRun: "outrider.agent.run",
  agentCancel: "outrider.agent.cancel",
  costSummary: "outrider.cost.summary",
  // The last suggestion's trace id, model, latency, cost and confidence. `outrider.suggestion.accepted`
  // is the inline item's own command: VS Code runs it on accept and the language client forwards it.
  explain: "outrider.explain",
} as const;

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

/** The single argument of `outrider.agent.run`. */
export interface AgentRunArguments {
  instruction: string;
  uri?: string;
  range?: LspRange;
}

/** Where the user invoked the command: the active document and its selection, if any. */
export interface EditorTarget {
  uri: string;
  selection: LspRange;
}

export type AgentRunRequest =
  | { kind: "run"; arguments: AgentRunArguments }
  | { kind: "cancelled" }
  | { kind: "invalid"; message: string };

export const MAX_INSTRUCTION_CHARS = 4000;

/** The input box's validation: a message for bad input, undefined when acceptable. */
export function instructionProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") {
    return "Say what the agent should do, e.g. “add type hints”.";
  }
  if (trimmed.length > MAX_INSTRUCTION_CHARS) {
    return `Keep the instruction under ${MAX_INSTRUCTION_CHARS} characters (it has ${trimmed.length}).`;
  }
  return undefined;
}

function isEmptyRange(range: LspRange): boolean {
  return range.start.line === range.end.line && range.start.character === range.end.character;
}

/**
 * The `outrider.agent.run` request for an instruction typed by the user (undefined when the input
 * box was dismissed). A non-empty selection becomes `range`; with no selection only `uri` is sent;
 * with no editor neither (the agent works on the whole workspace).
 */
export function buildAgentRunRequest(instruction: string | undefined, target: EditorTarget | undefined): AgentRunRequest {
  if (instruction === undefined) {
    return { kind: "cancelled" };
  }
  const problem = instructionProblem(instruction);
  if (problem !== undefined) {
    return { kind: "invalid", message: problem };
  }
  const args: AgentRunArguments = { instruction: instruction.trim() };
  if (target !== undefined) {
    args.uri = target.uri;
    if (!isEmptyRange(target.selection)) {
      args.range = target.selection;
    }
  }
  return { kind: "run", arguments: args };
}

/** Whether the server advertised a command in `executeCommandProvider.commands`. */
export function serverOffers(commands: readonly string[] | undefined, command: string): boolean {
  return commands?.includes(command) ?? false;
}

/** The message after `outrider.agent.cancel`, from its result `{cancelled: [taskId, ...]}`. */
export function describeCancelResult(result: unknown): string {
  const cancelled = typeof result === "object" && result !== null && "cancelled" in result ? result.cancelled : undefined;
  if (!Array.isArray(cancelled)) {
    return "asked the server to cancel its agent tasks.";
  }
  if (cancelled.length === 0) {
    return "no agent task was running.";
  }
  return `cancelled ${cancelled.length === 1 ? "1 agent task" : `${cancelled.length} agent tasks`}.`;
}

/** Lines describing `outrider.explain`'s answer; undefined when there is nothing to explain. */
export function describeExplanation(result: unknown): string[] | undefined {
  if (typeof result !== "object" || result === null) {
    return undefined;
  }
  const value = result as Record<string, unknown>;
  const lines = [`Trace: ${String(value.trace_id)}`, `Model: ${String(value.model)}`];
  if (typeof value.latency_ms === "number") {
    lines.push(`Latency: ${Math.round(value.latency_ms)} ms`);
  }
  if (typeof value.confidence === "number") {
    const signals = Array.isArray(value.signals) && value.signals.length > 0 ? `; ${value.signals.join(", ")}` : "";
    lines.push(`Confidence: ${value.confidence.toFixed(2)} (${String(value.confidence_source)}${signals})`);
  }
  const call = typeof value.call === "object" && value.call !== null ? (value.call as Record<string, unknown>) : undefined;
  if (call !== undefined && typeof call.cost_usd === "number") {
    lines.push(`Cost: $${call.cost_usd < 0.01 && call.cost_usd > 0 ? call.cost_usd.toFixed(4) : call.cost_usd.toFixed(2)}`);
  }
  if (typeof value.verdict === "string") {
    lines.push(`Verdict: ${value.verdict}`);
  }
  return lines;
}
