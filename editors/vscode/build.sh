#!/usr/bin/env bash
# Build, check and package the VS Code extension; `make vscode` (part of `make test`) runs this.
# Needs Node 20+ and npm (from the machine or Debian packages); downloads only npm packages,
# never a VS Code build. Steps: npm ci, settings in sync with the model, type-check + compile,
# eslint, tests (node's test runner; test/server.test.ts and test/extension.test.ts also start the
# real `outrider lsp` from the repository's .venv, or $PYTHON), esbuild bundle, vsce package ->
# editors/vscode/outrider.vsix.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"

step() { printf '\n== vscode: %s\n' "$1" >&2; }

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 20 ]; then
  echo "editors/vscode/build.sh: Node 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm ci, unless node_modules was installed by npm ci from this very lockfile (a fresh checkout,
# as in CI, always installs; OUTRIDER_NPM_CI=1 forces it).
stamp="node_modules/.outrider-npm-ci"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "${OUTRIDER_NPM_CI:-0}" = 1 ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  step "npm ci"
  npm ci --no-audit --no-fund --prefer-offline
  echo "$lock_sum" > "$stamp"
else
  step "npm ci skipped: node_modules matches package-lock.json (OUTRIDER_NPM_CI=1 to force)"
fi

step "settings contribution in sync with server/config.py"
python="${PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python=python3
(cd "$root" && "$python" -m server.settings_schema --check)

step "type-check and compile"
rm -rf out
npm run --silent compile

step "lint"
npm run --silent lint

step "tests (unit, and the extension against the real server)"
OUTRIDER_PYTHON="$python" node --test out/test/*.test.js

step "bundle (esbuild) and package (vsce)"
rm -f outrider.vsix
npm run --silent bundle
npm run --silent package
echo "editors/vscode/outrider.vsix built" >&2
