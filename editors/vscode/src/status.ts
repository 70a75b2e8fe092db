// The status-bar item and the cost report: parsing the server's answer and formatting text.
// Pure (no `vscode` import).

import type { RunningTask } from "./tasks";

/** `outrider.cost.summary`'s result, checked. */
export interface CostSummary {
  todayUsd: number;
  monthUsd: number;
  /** Spend today by feature (completion, agent, ...), sorted by feature name. */
  byFeature: Array<[string, number]>;
  provider: string | undefined;
  model: string | undefined;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isAmount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Check the wire shape `{today_usd, month_usd, by_feature: {name: usd}, provider?, model?}`. */
export function parseCostSummary(value: unknown): Parsed<CostSummary> {
  if (!isRecord(value)) {
    return { ok: false, error: "expected an object with today_usd, month_usd and by_feature" };
  }
  const { today_usd: today, month_usd: month, by_feature: byFeature } = value;
  if (!isAmount(today) || !isAmount(month)) {
    return { ok: false, error: "today_usd and month_usd must be non-negative numbers" };
  }
  const features: Array<[string, number]> = [];
  if (byFeature !== undefined) {
    if (!isRecord(byFeature)) {
      return { ok: false, error: "by_feature must be an object of feature name to US dollars" };
    }
    for (const [name, usd] of Object.entries(byFeature)) {
      if (!isAmount(usd)) {
        return { ok: false, error: `by_feature.${name} must be a non-negative number` };
      }
      features.push([name, usd]);
    }
  }
  features.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    ok: true,
    value: {
      todayUsd: today,
      monthUsd: month,
      byFeature: features,
      provider: optionalString(value.provider),
      model: optionalString(value.model),
    },
  };
}

/** US dollars for people: `$0.00`, `<$0.01`, `$0.42`, `$12.30`. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.005) {
    return "<$0.01";
  }
  return `$${usd.toFixed(2)}`;
}

export type ServerState = "starting" | "running" | "stopped" | "failed";

export interface StatusInput {
  server: ServerState;
  /** From the cost summary, or the user's explicit `outrider.provider` setting. */
  provider: string | undefined;
  model: string | undefined;
  cost: CostSummary | undefined;
  tasks: readonly RunningTask[];
}

export interface StatusText {
  text: string;
  tooltip: string;
}

const ICONS: Record<ServerState, string> = {
  starting: "$(loading~spin)",
  running: "$(sparkle)",
  stopped: "$(circle-slash)",
  failed: "$(error)",
};

function describeTask(task: RunningTask): string {
  const percent = task.percentage === undefined ? "" : ` ${Math.round(task.percentage)}%`;
  const message = task.message === "" ? "" : `: ${task.message}`;
  return `• ${task.title}${percent}${message}`;
}

/** The status-bar text (short) and its tooltip (everything). */
export function formatStatus(input: StatusInput): StatusText {
  const parts = [`${ICONS[input.server]} Outrider`];
  if (input.provider !== undefined) {
    parts.push(input.provider);
  }
  if (input.cost !== undefined) {
    parts.push(formatUsd(input.cost.todayUsd));
  }
  if (input.tasks.length > 0) {
    parts.push(`$(sync~spin) ${input.tasks.length}`);
  }
  const tooltip = [`Outrider: server ${input.server}`];
  if (input.provider !== undefined) {
    tooltip.push(`Provider: ${input.provider}${input.model === undefined ? "" : ` (${input.model})`}`);
  }
  if (input.cost !== undefined) {
    tooltip.push(`Spent today: ${formatUsd(input.cost.todayUsd)}, this month: ${formatUsd(input.cost.monthUsd)}`);
  }
  if (input.tasks.length === 0) {
    tooltip.push("No running tasks");
  } else {
    tooltip.push(`Running tasks (${input.tasks.length}):`, ...input.tasks.map(describeTask));
  }
  tooltip.push("Click for Outrider commands");
  return { text: parts.join(" · "), tooltip: tooltip.join("\n") };
}

/** The "Show cost" report, one line per fact. */
export function formatCostReport(cost: CostSummary): string[] {
  const lines = [`Today: ${formatUsd(cost.todayUsd)}`, `This month: ${formatUsd(cost.monthUsd)}`];
  if (cost.byFeature.length > 0) {
    lines.push("Today by feature:");
    for (const [feature, usd] of cost.byFeature) {
      lines.push(`  ${feature}: ${formatUsd(usd)}`);
    }
  }
  return lines;
}
