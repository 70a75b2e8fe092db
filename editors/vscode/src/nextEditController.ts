// Next-edit suggestions in the editor: after a change (debounced), ask the server for the edit the
// user will make next; show it where it applies (the replaced text struck through, the new text
// after it); Tab (`outrider.acceptNextEdit`, when one is shown) jumps there, where the server's
// inline suggestion shows it in place (Tab again accepts it), or applies an edit over several lines.
// Any change dismisses it; a stale prediction (another document version) is never applied.

import * as vscode from "vscode";
import { CancellationTokenSource, LanguageClient } from "vscode-languageclient/node";

import { CLIENT_COMMANDS } from "./commands";
import { NEXT_EDIT_METHOD, NextEdit, acceptAction, isCurrent, nextEditParams, parseNextEdit, previewText } from "./nextEdit";

const VISIBLE_CONTEXT = "outrider.nextEditVisible";
const DELAY_MS = 150;

export class NextEditController implements vscode.Disposable {
  private shown: NextEdit | undefined;
  private pending: CancellationTokenSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private requested: Promise<void> = Promise.resolve();
  private readonly oldText = vscode.window.createTextEditorDecorationType({
    textDecoration: "line-through",
    backgroundColor: new vscode.ThemeColor("diffEditor.removedTextBackground"),
  });
  private readonly newText = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor("editorGhostText.foreground"), fontStyle: "italic" },
  });
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((event) => this.documentChanged(event.document)),
      vscode.window.onDidChangeActiveTextEditor(() => this.dismiss()),
      vscode.commands.registerCommand(CLIENT_COMMANDS.acceptNextEdit, () => this.accept()),
    ];
  }

  /** A document changed: dismiss what is shown, ask again after a pause (for the active editor). */
  documentChanged(document: vscode.TextDocument): void {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined || editor.document !== document) {
      return;
    }
    this.dismiss();
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.requested = this.request(editor);
    }, DELAY_MS);
  }

  /** The latest request, answered and shown (or not): for tests. */
  settled(): Promise<void> {
    return this.requested;
  }

  /** The edit shown now, if any. */
  current(): NextEdit | undefined {
    return this.shown;
  }

  private async request(editor: vscode.TextEditor): Promise<void> {
    const client = this.client();
    if (client === undefined || !client.isRunning()) {
      return;
    }
    this.pending?.cancel(); // the server answers the older request with RequestCancelled
    const source = new CancellationTokenSource();
    this.pending = source;
    const { document, selection } = editor;
    const uri = document.uri.toString();
    const version = document.version;
    const position = { line: selection.active.line, character: selection.active.character };
    try {
      const result = await client.sendRequest(NEXT_EDIT_METHOD, nextEditParams(uri, version, position), source.token);
      const edit = parseNextEdit(result);
      if (edit !== undefined && isCurrent(edit, uri, document.version) && vscode.window.activeTextEditor === editor) {
        this.show(editor, edit);
      }
    } catch {
      // cancelled, or the server failed (it logs and tells the user itself)
    }
  }

  private show(editor: vscode.TextEditor, edit: NextEdit): void {
    const range = new vscode.Range(edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character);
    editor.setDecorations(this.oldText, range.isEmpty ? [] : [range]);
    editor.setDecorations(this.newText, [{ range: new vscode.Range(range.end, range.end), renderOptions: { after: { contentText: previewText(edit) } } }]);
    this.shown = edit;
    void vscode.commands.executeCommand("setContext", VISIBLE_CONTEXT, true);
  }

  dismiss(): void {
    if (this.shown === undefined) {
      return;
    }
    this.shown = undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      editor.setDecorations(this.oldText, []);
      editor.setDecorations(this.newText, []);
    }
    void vscode.commands.executeCommand("setContext", VISIBLE_CONTEXT, false);
  }

  async accept(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const edit = this.shown;
    if (editor === undefined || edit === undefined || !isCurrent(edit, editor.document.uri.toString(), editor.document.version)) {
      this.dismiss();
      return;
    }
    const start = new vscode.Position(edit.range.start.line, edit.range.start.character);
    const end = new vscode.Position(edit.range.end.line, edit.range.end.character);
    switch (acceptAction(edit, editor.selection.active.line)) {
      case "jump":
        // At the edit's start: the text before the cursor is a prefix of the server's suggestion.
        editor.selection = new vscode.Selection(start, start);
        editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        return;
      case "suggest":
        await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        return;
      case "apply":
        this.dismiss();
        await editor.edit((builder) => builder.replace(new vscode.Range(start, end), edit.text));
        if (edit.command !== undefined) {
          await vscode.commands.executeCommand(edit.command.command, ...(edit.command.arguments ?? []));
        }
        return;
    }
  }

  dispose(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    this.pending?.cancel();
    this.dismiss();
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
    this.oldText.dispose();
    this.newText.dispose();
  }
}
