// Entry point: the status-bar item, the commands, and the language client's life cycle.

import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  State,
  WorkDoneProgressCancelNotification,
} from "vscode-languageclient/node";

import { createClient, currentServerSettings } from "./client";
import {
  CLIENT_COMMANDS,
  SERVER_COMMANDS,
  buildAgentRunRequest,
  describeCancelResult,
  describeExplanation,
  instructionProblem,
  serverOffers,
} from "./commands";
import { remoteServerPathHint, warnIgnoredMachineSettings } from "./remote";
import { SECTION, ServerSettingKey, contributedProperties, serverSettingKeys } from "./settings";
import { CostSummary, ServerState, formatCostReport, formatStatus, parseCostSummary } from "./status";
import { NextEditController } from "./nextEditController";
import { TaskTracker } from "./tasks";

const COST_REFRESH_MS = 60_000;
/** After an inline completion, the spend is refreshed this much later (one refresh per burst). */
const COST_AFTER_COMPLETION_MS = 1_500;

class Outrider implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private server: ServerState = "stopped";
  private cost: CostSummary | undefined;
  private readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  private readonly tracker = new TaskTracker(() => this.render());
  private readonly timer = setInterval(() => void this.refreshCost(), COST_REFRESH_MS);
  private completionRefresh: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly serverKeys: readonly ServerSettingKey[],
    readonly output: vscode.LogOutputChannel,
  ) {
    this.status.command = CLIENT_COMMANDS.showMenu;
    this.render();
    this.status.show();
  }

  async start(): Promise<void> {
    const client = createClient({
      serverKeys: this.serverKeys,
      tracker: this.tracker,
      output: this.output,
      onTaskEnded: () => void this.refreshCost(),
      onCompletion: () => this.refreshCostSoon(),
    });
    this.client = client;
    client.onDidChangeState((event) => {
      if (this.client !== client) {
        return; // a client being replaced by a restart
      }
      this.server = event.newState === State.Running ? "running" : event.newState === State.Starting ? "starting" : "stopped";
      if (event.newState !== State.Running) {
        this.tracker.clear();
      }
      this.render();
    });
    this.server = "starting";
    this.render();
    try {
      await client.start();
    } catch (error) {
      this.server = "failed";
      this.render();
      void this.reportStartFailure(error); // not awaited: activation must not wait for the user
      return;
    }
    await this.refreshCost();
  }

  /** Refresh the spend shortly after completions (debounced: typing asks for many). */
  refreshCostSoon(): void {
    if (this.completionRefresh !== undefined) {
      clearTimeout(this.completionRefresh);
    }
    // Twice: a completion's trace row is written when its stream closes, which can be after the
    // first refresh (the stream is cut at the line's end while the server still reads it).
    this.completionRefresh = setTimeout(() => {
      void this.refreshCost();
      this.completionRefresh = setTimeout(() => {
        this.completionRefresh = undefined;
        void this.refreshCost();
      }, 4 * COST_AFTER_COMPLETION_MS);
    }, COST_AFTER_COMPLETION_MS);
  }

  async restart(): Promise<void> {
    this.cost = undefined;
    await this.stop();
    await this.start();
  }

  private async reportStartFailure(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.output.error(`could not start the server: ${message}`);
    const choice = await vscode.window.showErrorMessage(
      `Outrider: could not start \`outrider lsp\` (${message}). Install Outrider or set "outrider.server.path".` +
        remoteServerPathHint(),
      "Open Settings",
      "Show Log",
    );
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "outrider.server");
    } else if (choice === "Show Log") {
      this.output.show();
    }
  }

  /** The language client while the server runs. */
  runningClient(): LanguageClient | undefined {
    return this.server === "running" ? this.client : undefined;
  }

  private offeredCommands(): string[] | undefined {
    return this.client?.initializeResult?.capabilities.executeCommandProvider?.commands;
  }

  /** The running client, after checking that it offers `command`; throws a message for the user. */
  private clientFor(command: string): LanguageClient {
    if (this.client === undefined || this.server !== "running") {
      throw new Error("the Outrider server is not running (Outrider: Restart server)");
    }
    if (!serverOffers(this.offeredCommands(), command)) {
      throw new Error(`the server does not offer ${command}; is it up to date?`);
    }
    return this.client;
  }

  private async executeOnServer(command: string, args: unknown[]): Promise<unknown> {
    return this.clientFor(command).sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  async refreshCost(): Promise<void> {
    if (this.server !== "running" || !serverOffers(this.offeredCommands(), SERVER_COMMANDS.costSummary)) {
      return;
    }
    try {
      const parsed = parseCostSummary(await this.executeOnServer(SERVER_COMMANDS.costSummary, []));
      if (parsed.ok) {
        this.cost = parsed.value;
      } else {
        this.output.warn(`${SERVER_COMMANDS.costSummary}: unexpected result: ${parsed.error}`);
      }
    } catch (error) {
      this.output.warn(`${SERVER_COMMANDS.costSummary} failed: ${String(error)}`);
    }
    this.render();
  }

  render(): void {
    const setting = vscode.workspace.getConfiguration(SECTION).inspect<string>("provider");
    const provider = this.cost?.provider ?? setting?.globalValue;
    const { text, tooltip } = formatStatus({
      server: this.server,
      provider,
      model: this.cost?.model,
      cost: this.cost,
      tasks: this.tracker.running(),
    });
    this.status.text = text;
    this.status.tooltip = tooltip;
  }

  async runAgent(): Promise<void> {
    this.clientFor(SERVER_COMMANDS.agentRun); // fail before asking for an instruction
    const editor = vscode.window.activeTextEditor;
    const hasSelection = editor !== undefined && !editor.selection.isEmpty;
    const instruction = await vscode.window.showInputBox({
      title: "Outrider: Run agent",
      prompt: hasSelection ? "What should the agent do with the selection?" : "What should the agent do?",
      placeHolder: "e.g. add type hints and update the callers",
      ignoreFocusOut: true,
      validateInput: instructionProblem,
    });
    const target =
      editor === undefined
        ? undefined
        : {
            uri: editor.document.uri.toString(),
            selection: {
              start: { line: editor.selection.start.line, character: editor.selection.start.character },
              end: { line: editor.selection.end.line, character: editor.selection.end.character },
            },
          };
    const request = buildAgentRunRequest(instruction, target);
    switch (request.kind) {
      case "cancelled":
        return;
      case "invalid":
        void vscode.window.showWarningMessage(`Outrider: ${request.message}`);
        return;
      case "run":
        await this.executeOnServer(SERVER_COMMANDS.agentRun, [request.arguments]);
        return;
    }
  }

  async cancelAgent(): Promise<void> {
    const cancellable = this.tracker.running().filter((task) => task.cancellable);
    if (cancellable.length === 0) {
      if (serverOffers(this.offeredCommands(), SERVER_COMMANDS.agentCancel)) {
        const result = await this.executeOnServer(SERVER_COMMANDS.agentCancel, []);
        void vscode.window.showInformationMessage(`Outrider: ${describeCancelResult(result)}`);
      } else {
        void vscode.window.showInformationMessage("Outrider: nothing to cancel.");
      }
      return;
    }
    const items = cancellable.map((task) => ({ label: task.title, detail: task.message, task }));
    const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: "Cancel which task?" });
    if (picked !== undefined && this.client !== undefined) {
      await this.client.sendNotification(WorkDoneProgressCancelNotification.type, { token: picked.task.token });
    }
  }

  async showCost(): Promise<void> {
    await this.refreshCost();
    if (this.cost === undefined) {
      void vscode.window.showInformationMessage(
        "Outrider: the server has no cost summary to show; run `outrider cost` in a terminal.",
      );
      return;
    }
    await vscode.window.showInformationMessage("Outrider spend", { modal: true, detail: formatCostReport(this.cost).join("\n") });
  }

  async explainSuggestion(): Promise<void> {
    const lines = describeExplanation(await this.executeOnServer(SERVER_COMMANDS.explain, []));
    if (lines === undefined) {
      void vscode.window.showInformationMessage("Outrider: no suggestion to explain yet.");
      return;
    }
    await vscode.window.showInformationMessage("Outrider: last suggestion", { modal: true, detail: lines.join("\n") });
  }

  async showMenu(): Promise<void> {
    const items: Array<vscode.QuickPickItem & { command: string }> = [
      { label: "$(run) Run agent on selection...", command: CLIENT_COMMANDS.runAgent },
      { label: "$(stop) Cancel", command: CLIENT_COMMANDS.cancelAgent },
      { label: "$(credit-card) Show cost", command: CLIENT_COMMANDS.showCost },
      { label: "$(question) Explain the last suggestion", command: CLIENT_COMMANDS.explainSuggestion },
      { label: "$(output) Show log", command: CLIENT_COMMANDS.showOutput },
      { label: "$(debug-restart) Restart server", command: CLIENT_COMMANDS.restartServer },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: "Outrider" });
    if (picked !== undefined) {
      await vscode.commands.executeCommand(picked.command);
    }
  }

  settingsSnapshot(): string {
    return JSON.stringify(currentServerSettings(this.serverKeys));
  }

  /** Stop the server (awaited on deactivation so the process exits cleanly). */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.server = "stopped";
    this.tracker.clear();
    if (client === undefined) {
      return;
    }
    try {
      await client.dispose();
    } catch (error) {
      this.output.warn(`stopping the server: ${String(error)}`);
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    if (this.completionRefresh !== undefined) {
      clearTimeout(this.completionRefresh);
    }
    void this.stop(); // its synchronous part renders the status one last time, before disposal
    this.status.dispose();
  }
}

let outrider: Outrider | undefined;

function reportErrors(action: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await action();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outrider?.output.error(message);
      void vscode.window.showErrorMessage(`Outrider: ${message}`);
    }
  };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("Outrider", { log: true });
  const serverKeys = serverSettingKeys(contributedProperties(context.extension.packageJSON));
  const instance = new Outrider(serverKeys, output);
  outrider = instance;
  const nextEdits = new NextEditController(() => instance.runningClient());
  const register = (id: string, action: () => Promise<void>): vscode.Disposable =>
    vscode.commands.registerCommand(id, reportErrors(action));
  context.subscriptions.push(
    output,
    instance,
    nextEdits,
    register(CLIENT_COMMANDS.runAgent, () => instance.runAgent()),
    register(CLIENT_COMMANDS.cancelAgent, () => instance.cancelAgent()),
    register(CLIENT_COMMANDS.showCost, () => instance.showCost()),
    register(CLIENT_COMMANDS.explainSuggestion, () => instance.explainSuggestion()),
    register(CLIENT_COMMANDS.restartServer, () => instance.restart()),
    register(CLIENT_COMMANDS.showMenu, () => instance.showMenu()),
    register(CLIENT_COMMANDS.showOutput, () => Promise.resolve(output.show())),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration(`${SECTION}.server`)) {
        const choice = await vscode.window.showInformationMessage(
          "Outrider: the server settings changed. Restart the server now?",
          "Restart",
        );
        if (choice === "Restart") {
          await reportErrors(() => instance.restart())();
        }
      } else if (event.affectsConfiguration(SECTION)) {
        output.info(`settings sent to the server: ${instance.settingsSnapshot()}`);
        instance.render();
      }
    }),
  );
  await warnIgnoredMachineSettings(context, output); // before the start: its failure message may follow
  await instance.start();
}

export async function deactivate(): Promise<void> {
  const instance = outrider;
  outrider = undefined;
  if (instance !== undefined) {
    await instance.stop();
    instance.dispose();
  }
}
