// A stand-in for the `vscode` module, so the real extension (and vscode-languageclient) can run
// under node's test runner against the real `outrider lsp`, without a VS Code build.
//
// The parts the extension's behaviour depends on are real fakes that record what happened
// (configuration, commands, messages, input boxes, status bar, progress); everything else is a
// "deep" stub: any property is a callable, constructible object whose calls return more stubs.

import Module from "node:module";

export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export interface FakeVscode {
  /** Settings by full key (`outrider.completion.debounce_ms`), as `inspect()` reports them. */
  settings: Map<string, Inspected>;
  commands: Map<string, (...args: unknown[]) => unknown>;
  messages: Array<{ level: "error" | "warning" | "info"; text: string; detail?: string }>;
  /** Answers for the next input boxes (undefined: dismissed). */
  inputBoxAnswers: Array<string | undefined>;
  statusTexts: string[];
  progressTitles: string[];
  log: string[];
  /** Tell every `onDidChangeConfiguration` listener that these sections changed. */
  changeConfiguration(sections: readonly string[]): void;
}

type Listener = (event: unknown) => unknown;

function deep(path: string): unknown {
  const target = function (): unknown {
    return deep(`${path}()`);
  };
  return new Proxy(target, {
    get(t, key) {
      if (key === "then") {
        return undefined; // never a thenable: awaiting a stub must not hang
      }
      if (key === Symbol.iterator) {
        return function* () {};
      }
      if (key === Symbol.toPrimitive) {
        return () => path;
      }
      if (key === "prototype") {
        return t.prototype as unknown;
      }
      return deep(`${path}.${String(key)}`);
    },
    construct() {
      return deep(`new ${path}`) as object;
    },
  });
}

/** An object whose own properties are `fields`, and a deep stub for anything else. */
function partial(name: string, fields: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(fields, {
    get: (target, key) => (key in target ? target[key as string] : deep(`${name}.${String(key)}`)),
  });
}

function configuration(fake: FakeVscode, section: string | undefined): unknown {
  const full = (key: string): string => (section === undefined ? key : `${section}.${key}`);
  const value = (key: string): unknown => {
    const inspected = fake.settings.get(full(key));
    return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
  };
  return {
    get: (key: string, fallback?: unknown) => value(key) ?? fallback,
    has: (key: string) => value(key) !== undefined,
    inspect: (key: string) => ({ key: full(key), ...fake.settings.get(full(key)) }),
    update: () => Promise.resolve(),
  };
}

function logChannel(fake: FakeVscode): unknown {
  const write = (level: string) => (message: unknown) => {
    fake.log.push(`${level} ${String(message)}`);
  };
  return partial("outputChannel", {
    name: "Outrider",
    logLevel: 2,
    onDidChangeLogLevel: () => ({ dispose: () => undefined }),
    trace: write("trace"),
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    append: write("append"),
    appendLine: write("line"),
    replace: () => undefined,
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  });
}

function windowApi(fake: FakeVscode): Record<string, unknown> {
  const show =
    (level: "error" | "warning" | "info") =>
    (text: string, ...rest: unknown[]) => {
      const options = rest[0];
      const detail =
        typeof options === "object" && options !== null && "detail" in options ? String(options.detail) : undefined;
      fake.messages.push(detail === undefined ? { level, text } : { level, text, detail });
      return Promise.resolve(undefined);
    };
  return partial("window", {
    activeTextEditor: undefined,
    visibleTextEditors: [],
    visibleNotebookEditors: [],
    tabGroups: { all: [] },
    createOutputChannel: () => logChannel(fake),
    createStatusBarItem: () => {
      const item: Record<string, unknown> = { show: () => undefined, hide: () => undefined, dispose: () => undefined };
      return new Proxy(item, {
        set(target, key, value) {
          target[key as string] = value;
          if (key === "text") {
            fake.statusTexts.push(String(value));
          }
          return true;
        },
      });
    },
    showErrorMessage: show("error"),
    showWarningMessage: show("warning"),
    showInformationMessage: show("info"),
    showInputBox: () => Promise.resolve(fake.inputBoxAnswers.shift()),
    showQuickPick: () => Promise.resolve(undefined),
    withProgress: (options: { title?: string }, task: (progress: unknown, token: unknown) => unknown) => {
      fake.progressTitles.push(options.title ?? "");
      const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) };
      return task({ report: () => undefined }, token);
    },
  });
}

/** Install the fake as the `vscode` module for every later `require("vscode")`. */
export function installFakeVscode(): FakeVscode {
  const listeners: Listener[] = [];
  const fake: FakeVscode = {
    settings: new Map(),
    commands: new Map(),
    messages: [],
    inputBoxAnswers: [],
    statusTexts: [],
    progressTitles: [],
    log: [],
    changeConfiguration(sections) {
      const event = {
        affectsConfiguration: (name: string) => sections.some((s) => s === name || s.startsWith(`${name}.`)),
      };
      for (const listener of [...listeners]) {
        listener(event);
      }
    },
  };
  const vscode = partial("vscode", {
    version: "1.91.0",
    env: partial("env", { appName: "Visual Studio Code", language: "en", machineId: "test", sessionId: "test", uiKind: 1 }),
    UIKind: { Desktop: 1, Web: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    workspace: partial("workspace", {
      textDocuments: [],
      notebookDocuments: [],
      workspaceFolders: undefined,
      getConfiguration: (section?: string) => configuration(fake, section),
      onDidChangeConfiguration: (listener: Listener) => {
        listeners.push(listener);
        return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
      },
    }),
    window: windowApi(fake),
    commands: partial("commands", {
      registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
        if (fake.commands.has(id)) {
          throw new Error(`command '${id}' already exists`);
        }
        fake.commands.set(id, handler);
        return { dispose: () => fake.commands.delete(id) };
      },
      executeCommand: (id: string, ...args: unknown[]) => Promise.resolve(fake.commands.get(id)?.(...args)),
    }),
  });
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (request: string, ...rest: unknown[]): unknown {
    return request === "vscode" ? vscode : original.call(this, request, ...rest);
  };
  return fake;
}
