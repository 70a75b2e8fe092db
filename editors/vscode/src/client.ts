// The language client: starts `outrider lsp`, sends the user's explicit settings, follows progress.

import * as vscode from "vscode";
import {
  CancellationToken,
  ConfigurationParams,
  DidChangeConfigurationNotification,
  Executable,
  HandleWorkDoneProgressSignature,
  LanguageClient,
  LanguageClientOptions,
  ProgressToken,
  RequestHandler,
  ResponseError,
  ServerOptions,
  WorkDoneProgressBegin,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from "vscode-languageclient/node";

import {
  SECTION,
  ServerSettingKey,
  SettingsObject,
  configurationAnswers,
  explicitSettings,
  serverLaunch,
} from "./settings";
import { TaskTracker } from "./tasks";

export interface ClientHooks {
  serverKeys: readonly ServerSettingKey[];
  tracker: TaskTracker;
  output: vscode.LogOutputChannel;
  /** Called after a server task (work-done progress) ended. */
  onTaskEnded: () => void;
  /** Called after the server answered an inline-completion request (its spend may have changed). */
  onCompletion: () => void;
}

/** The settings the user set explicitly in VS Code, as the nested object the server validates. */
export function currentServerSettings(keys: readonly ServerSettingKey[]): SettingsObject {
  const config = vscode.workspace.getConfiguration(SECTION);
  return explicitSettings(keys, (key) => config.inspect(key));
}

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration(SECTION);
  const launch = serverLaunch(config.get("server.path"), config.get("server.args"));
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  // No `transport`: TransportKind.stdio would append `--stdio`, which `outrider lsp` rejects;
  // an executable without one talks over stdio as it is.
  const executable: Executable = {
    command: launch.command,
    args: launch.args,
    options: cwd === undefined ? {} : { cwd },
  };
  return { run: executable, debug: executable };
}

async function answerConfiguration(
  keys: readonly ServerSettingKey[],
  params: ConfigurationParams,
  token: CancellationToken,
  next: RequestHandler<ConfigurationParams, unknown[], void>,
): Promise<unknown[] | ResponseError<void>> {
  const sections = params.items.map((item) => item.section);
  try {
    return await configurationAnswers(currentServerSettings(keys), sections, async () => {
      const theirs = await next(params, token);
      if (theirs instanceof ResponseError) {
        throw theirs;
      }
      return theirs;
    });
  } catch (error) {
    if (error instanceof ResponseError) {
      return error as ResponseError<void>;
    }
    throw error;
  }
}

export function createClient(hooks: ClientHooks): LanguageClient {
  const { serverKeys, tracker, output } = hooks;
  let client: LanguageClient | undefined = undefined;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
    outputChannel: output,
    initializationOptions: () => currentServerSettings(serverKeys),
    synchronize: { configurationSection: SECTION },
    middleware: {
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        const result = await next(document, position, context, token);
        hooks.onCompletion();
        return result;
      },
      workspace: {
        configuration: (params, token, next) => answerConfiguration(serverKeys, params, token, next),
        // Push only the explicit values (never VS Code's defaults, which would hide the
        // user's config.toml); the server may also pull them with workspace/configuration.
        didChangeConfiguration: async () => {
          await client?.sendNotification(DidChangeConfigurationNotification.type, {
            settings: { [SECTION]: currentServerSettings(serverKeys) },
          });
        },
      },
      handleWorkDoneProgress: (
        token: ProgressToken,
        params: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd,
        next: HandleWorkDoneProgressSignature,
      ) => {
        const ended = tracker.handle(token, params);
        next(token, params);
        if (ended !== undefined) {
          hooks.onTaskEnded();
        }
      },
    },
  };
  client = new LanguageClient("outrider", "Outrider", serverOptions(), clientOptions);
  return client;
}
