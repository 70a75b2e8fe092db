// Running server tasks, followed through their work-done progress (`$/progress` begin/report/end).
// Pure (no `vscode` import): the extension feeds it from the language client's progress middleware.

export type ProgressToken = string | number;

export interface ProgressValue {
  kind: "begin" | "report" | "end";
  title?: string;
  message?: string;
  percentage?: number;
  cancellable?: boolean;
}

export interface RunningTask {
  token: ProgressToken;
  title: string;
  message: string;
  percentage: number | undefined;
  cancellable: boolean;
  /** Order of arrival, for a stable listing. */
  sequence: number;
}

export class TaskTracker {
  private readonly tasks = new Map<string, RunningTask>();
  private nextSequence = 0;

  constructor(private readonly onChange: () => void = () => undefined) {}

  /** Apply one progress value; returns the task that ended, if this value ended one. */
  handle(token: ProgressToken, value: ProgressValue): RunningTask | undefined {
    const key = `${typeof token}:${String(token)}`;
    const current = this.tasks.get(key);
    switch (value.kind) {
      case "begin":
        this.tasks.set(key, {
          token,
          title: value.title ?? "Outrider",
          message: value.message ?? "",
          percentage: value.percentage,
          cancellable: value.cancellable ?? false,
          sequence: current?.sequence ?? this.nextSequence++,
        });
        break;
      case "report":
        if (current === undefined) {
          return undefined;
        }
        this.tasks.set(key, {
          ...current,
          message: value.message ?? current.message,
          percentage: value.percentage ?? current.percentage,
          cancellable: value.cancellable ?? current.cancellable,
        });
        break;
      case "end":
        if (current === undefined) {
          return undefined;
        }
        this.tasks.delete(key);
        this.onChange();
        return { ...current, message: value.message ?? current.message };
    }
    this.onChange();
    return undefined;
  }

  /** Tasks still running, oldest first. */
  running(): RunningTask[] {
    return [...this.tasks.values()].sort((a, b) => a.sequence - b.sequence);
  }

  /** Forget everything (the server stopped). */
  clear(): void {
    if (this.tasks.size > 0) {
      this.tasks.clear();
      this.onChange();
    }
  }
}
