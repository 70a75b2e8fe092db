// What the extension sends the server as settings: only the values the user set explicitly.
//
// VS Code's `getConfiguration("outrider")` returns every contributed default. Sending those would
// override the user's ~/.config/outrider/config.toml and the workspace's outrider.toml (the editor
// is a higher settings layer), so we send the explicitly set values only, as the nested object
// `server.config.Settings` validates (`completion.debounce_ms` -> {completion: {debounce_ms}}).
// Pure: no `vscode` import, so it runs under node's test runner.

export const SECTION = "outrider";
/** Tag (set by server/settings_schema.py) on settings that only the extension reads. */
export const CLIENT_TAG = "outrider-client";
/** VS Code scopes that only user (not workspace) settings may set. */
const USER_ONLY_SCOPES: ReadonlySet<string> = new Set(["machine", "application"]);

export interface SettingProperty {
  scope?: string;
  tags?: string[];
}

/** A server setting: its key below `outrider.` and whether only user settings may set it. */
export interface ServerSettingKey {
  key: string;
  userOnly: boolean;
}

/** The parts of VS Code's `WorkspaceConfiguration.inspect()` result we use. */
export interface InspectedValue {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export type SettingsObject = { [key: string]: unknown };

/** The server's settings among the contributed properties (from package.json), sorted by key. */
export function serverSettingKeys(properties: Readonly<Record<string, SettingProperty>>): ServerSettingKey[] {
  const prefix = `${SECTION}.`;
  return Object.keys(properties)
    .filter((name) => name.startsWith(prefix) && !(properties[name]?.tags ?? []).includes(CLIENT_TAG))
    .sort()
    .map((name) => ({
      key: name.slice(prefix.length),
      userOnly: USER_ONLY_SCOPES.has(properties[name]?.scope ?? "window"),
    }));
}

/** The value the user set for one key, most specific scope first; undefined when unset. */
export function explicitValue(inspected: InspectedValue | undefined, userOnly: boolean): unknown {
  if (inspected === undefined) {
    return undefined;
  }
  if (userOnly) {
    return inspected.globalValue;
  }
  // `null` is a value (e.g. `"outrider.model": null` in a workspace resets the user's model).
  for (const value of [inspected.workspaceFolderValue, inspected.workspaceValue]) {
    if (value !== undefined) {
      return value;
    }
  }
  return inspected.globalValue;
}

function setPath(target: SettingsObject, path: readonly string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next === "object" && next !== null && !Array.isArray(next)) {
      node = next as SettingsObject;
    } else {
      const created: SettingsObject = {};
      node[part] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) {
    node[last] = value;
  }
}

/** The nested settings object of every explicitly set server setting. */
export function explicitSettings(
  keys: readonly ServerSettingKey[],
  inspect: (key: string) => InspectedValue | undefined,
): SettingsObject {
  const out: SettingsObject = {};
  for (const { key, userOnly } of keys) {
    const value = explicitValue(inspect(key), userOnly);
    if (value !== undefined) {
      setPath(out, key.split("."), value);
    }
  }
  return out;
}

/**
 * The answer to one `workspace/configuration` item for a section at or below `outrider`
 * (`outrider` gives the whole object, `outrider.completion` its `completion` part), or
 * `undefined` when the section is not ours.
 */
export function sectionValue(settings: SettingsObject, section: string | undefined): unknown {
  if (section === SECTION) {
    return settings;
  }
  if (section === undefined || !section.startsWith(`${SECTION}.`)) {
    return undefined;
  }
  let node: unknown = settings;
  for (const part of section.slice(SECTION.length + 1).split(".")) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) {
      return null;
    }
    node = (node as SettingsObject)[part];
  }
  return node ?? null;
}

/** How to start the server, from the extension-only settings `outrider.server.path` / `.args`. */
export interface ServerLaunch {
  command: string;
  args: string[];
}

export function serverLaunch(path: unknown, extraArgs: unknown): ServerLaunch {
  const command = typeof path === "string" && path.trim() !== "" ? path.trim() : "outrider";
  const extra = Array.isArray(extraArgs) ? extraArgs.filter((arg): arg is string => typeof arg === "string") : [];
  return { command, args: ["lsp", ...extra] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `contributes.configuration.properties` of a parsed package.json (empty when absent). */
export function contributedProperties(packageJson: unknown): Record<string, SettingProperty> {
  const contributes = isRecord(packageJson) ? packageJson.contributes : undefined;
  const configuration = isRecord(contributes) ? contributes.configuration : undefined;
  const properties = isRecord(configuration) ? configuration.properties : undefined;
  const out: Record<string, SettingProperty> = {};
  if (!isRecord(properties)) {
    return out;
  }
  for (const [name, raw] of Object.entries(properties)) {
    if (!isRecord(raw)) {
      continue;
    }
    const property: SettingProperty = {};
    if (typeof raw.scope === "string") {
      property.scope = raw.scope;
    }
    if (Array.isArray(raw.tags)) {
      property.tags = raw.tags.filter((tag): tag is string => typeof tag === "string");
    }
    out[name] = property;
  }
  return out;
}

/**
 * Answers to `workspace/configuration` items: ours from `settings`, the rest from `fallback`
 * (VS Code's own answer, asked only when some item is not ours).
 */
export async function configurationAnswers(
  settings: SettingsObject,
  sections: ReadonlyArray<string | undefined>,
  fallback: () => Promise<unknown[]>,
): Promise<unknown[]> {
  const ours = sections.map((section) => sectionValue(settings, section));
  if (ours.every((value) => value !== undefined)) {
    return ours;
  }
  const theirs = await fallback();
  return ours.map((value, index) => (value === undefined ? theirs[index] : value));
}

/**
 * The user-only (machine-scoped) server and extension settings that appear in a user settings file
 * (`userSettingsText`, JSON with comments) but that VS Code did not apply: in a remote window
 * (code-server, Remote-SSH, dev containers) machine-scoped settings are read from the remote's
 * machine settings only, and ignored in user settings. `applied(name)` is VS Code's
 * `inspect(name).globalValue !== undefined`. Sorted; names are full (`outrider.server.path`).
 */
export function ignoredMachineSettings(
  userSettingsText: string,
  properties: Readonly<Record<string, SettingProperty>>,
  applied: (name: string) => boolean,
): string[] {
  const found = new Set<string>();
  for (const match of userSettingsText.matchAll(/"(outrider\.[A-Za-z0-9_.]+)"\s*:/g)) {
    const name = match[1];
    if (name !== undefined && USER_ONLY_SCOPES.has(properties[name]?.scope ?? "window") && !applied(name)) {
      found.add(name);
    }
  }
  return [...found].sort();
}

/** Where machine-scoped settings must go in a remote window, for the user. */
export function machineSettingsAdvice(names: readonly string[], machineSettingsPath: string | undefined): string {
  const list = names.map((name) => `"${name}"`).join(", ");
  const where =
    machineSettingsPath === undefined
      ? 'the remote settings ("Preferences: Open Remote Settings (JSON)")'
      : `the machine settings (${machineSettingsPath}, or "Preferences: Open Remote Settings (JSON)")`;
  return (
    `Outrider: ${list} ${names.length === 1 ? "is" : "are"} set in your user settings, which this remote window ` +
    `(code-server, Remote-SSH, dev container) ignores for machine-scoped settings. Move ${names.length === 1 ? "it" : "them"} to ${where}.`
  );
}
