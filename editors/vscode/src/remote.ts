// Machine-scoped settings in remote windows (code-server, Remote-SSH, dev containers): VS Code reads
// them from the remote's machine settings only and ignores them in user settings, so a user who put
// `outrider.server.path` there gets `spawn outrider ENOENT` and no hint. This finds such settings in
// the user settings file, where that file is readable from the extension host (code-server keeps it
// beside the extension's global storage), and says where they must go.

import * as vscode from "vscode";

import { contributedProperties, ignoredMachineSettings, machineSettingsAdvice } from "./settings";

/** Whether this window is a remote one, where machine-scoped user settings are ignored. */
export function isRemoteWindow(): boolean {
  return vscode.env.remoteName !== undefined || vscode.env.uiKind === vscode.UIKind.Web;
}

/** `<user data>/User/settings.json` and `<user data>/Machine/settings.json`, from the global storage
 * folder `<user data>/User/globalStorage/<extension id>`. */
function settingsFiles(context: vscode.ExtensionContext): { user: vscode.Uri; machine: vscode.Uri } {
  const userDir = vscode.Uri.joinPath(context.globalStorageUri, "..", "..");
  return {
    user: vscode.Uri.joinPath(userDir, "settings.json"),
    machine: vscode.Uri.joinPath(userDir, "..", "Machine", "settings.json"),
  };
}

/** Warn (log and notification) about machine-scoped settings left in user settings; returns their names. */
export async function warnIgnoredMachineSettings(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
): Promise<string[]> {
  if (!isRemoteWindow()) {
    return [];
  }
  const files = settingsFiles(context);
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(files.user));
  } catch {
    return []; // Remote-SSH and dev containers keep user settings on the client: nothing to read here
  }
  const config = vscode.workspace.getConfiguration();
  const names = ignoredMachineSettings(
    text,
    contributedProperties(context.extension.packageJSON),
    (name) => config.inspect(name)?.globalValue !== undefined,
  );
  if (names.length > 0) {
    const machinePath = files.machine.scheme === "file" ? files.machine.fsPath : files.machine.path;
    const message = machineSettingsAdvice(names, machinePath);
    output.warn(message);
    void vscode.window.showWarningMessage(message, "Open Remote Settings").then(async (choice) => {
      if (choice !== undefined) {
        await vscode.commands.executeCommand("workbench.action.openRemoteSettingsFile");
      }
    });
  }
  return names;
}

/** A line for the start-failure message: where `outrider.server.path` goes in a remote window. */
export function remoteServerPathHint(): string {
  return isRemoteWindow()
    ? ' In code-server, Remote-SSH and dev containers "outrider.server.path" is read from the remote\'s machine settings ("Preferences: Open Remote Settings (JSON)"), not from user settings.'
    : "";
}
