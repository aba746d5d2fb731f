#!/usr/bin/env bash
# Installs what the tests and the local runs need, and nothing by hand: Debian packages (Ruby for
# ruby3.x functions, the toolchain Node's aws-lambda-ric builds with, Chromium for checking the
# workflow run reports, bubblewrap that isolates the local service's execution environments), the
# Node.js versions nodejs22.x and nodejs24.x functions run on (npm's node package, in
# tools/node-runtimes), a Python venv with the AWS
# CLI, boto3 and awslambdaric, the npm tools, the AWS SAM CLI and cfn-lint (a venv of their own:
# SAM pins boto3), and the workflow tools (asl-validator, aws-local-stepfunctions and the Node 22
# it needs, from npm) and moto's server (.tools/moto-venv). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ruby >/dev/null || need_apt+=(ruby)
for tool in autoconf automake cmake g++ make unzip; do
  command -v "$tool" >/dev/null || need_apt+=("$tool")
done
# Debian's libtool package installs libtoolize, not a libtool command.
dpkg -s libtool >/dev/null 2>&1 || need_apt+=(libtool)
dpkg -s python3-venv >/dev/null 2>&1 || need_apt+=(python3-venv)
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need_apt+=(libcurl4-openssl-dev)
# Headless Chromium renders the workflow run reports in the tests (scripts/run-workflow.sh).
command -v chromium >/dev/null || need_apt+=(chromium)
# bubblewrap gives each local execution environment its own namespaces (local-lambda's Sandbox).
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# A venv is usable when its entry script's interpreter (first line) exists: a venv created at another
# path (a moved checkout, a worktree) has scripts that point there, and is made again.
venv_ok() { # venv-dir entry-script requirements-file
  local script="$1/bin/$2" interpreter
  [ -x "$script" ] || return 1
  interpreter=$(head -1 "$script" | sed 's/^#!//')
  [ -x "$interpreter" ] && [ "${interpreter#"$PWD/$1/"}" != "$interpreter" ] && cmp -s "$3" "$1/.requirements"
}

# Debian's python3 starts in ~13 ms; a version-manager shim on PATH adds ~100 ms to every function start.
if ! venv_ok .venv aws tools/requirements.txt; then
  echo "setup: creating .venv"
  rm -rf .venv
  /usr/bin/python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r tools/requirements.txt
  cp tools/requirements.txt .venv/.requirements
fi

if [ ! -d tools/node_modules ] || ! cmp -s tools/package.json tools/node_modules/.package.json; then
  echo "setup: installing npm tools"
  (cd tools && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  cp tools/package.json tools/node_modules/.package.json
fi

# The SAM CLI pins boto3 exactly, which would fight the AWS CLI pinned above: its own venv.
if ! venv_ok .tools/sam-venv sam tools/sam-requirements.txt; then
  echo "setup: creating .tools/sam-venv (AWS SAM CLI, cfn-lint)"
  rm -rf .tools/sam-venv
  /usr/bin/python3 -m venv .tools/sam-venv
  .tools/sam-venv/bin/pip install -q --disable-pip-version-check -r tools/sam-requirements.txt
  cp tools/sam-requirements.txt .tools/sam-venv/.requirements
fi

# moto's server: real S3 on loopback for the result-offload tests (RESULT_BUCKET). Its own venv, so its
# boto3 never fights the AWS CLI's pin above.
if ! venv_ok .tools/moto-venv moto_server tools/moto-requirements.txt; then
  echo "setup: creating .tools/moto-venv (moto's server)"
  rm -rf .tools/moto-venv
  mkdir -p .tools
  /usr/bin/python3 -m venv .tools/moto-venv
  .tools/moto-venv/bin/pip install -q --disable-pip-version-check -r tools/moto-requirements.txt
  cp tools/moto-requirements.txt .tools/moto-venv/.requirements
fi

# aws-local-stepfunctions needs Node 22 (the node package ships its binary); apart from tools/,
# whose native build targets the system Node.
if [ ! -d tools/sfn/node_modules ] || ! cmp -s tools/sfn/package.json tools/sfn/node_modules/.package.json; then
  echo "setup: installing the workflow tools (tools/sfn)"
  (cd tools/sfn && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  cp tools/sfn/package.json tools/sfn/node_modules/.package.json
fi

# The local Lambda service runs each nodejs*.x function on its own Node.js major version: 22 and 24 from
# npm's node package (nodejs20.x runs on the system's Node 20).
if [ ! -d tools/node-runtimes/node_modules ] || ! cmp -s tools/node-runtimes/package.json tools/node-runtimes/node_modules/.package.json; then
  echo "setup: installing the Node.js runtimes (tools/node-runtimes)"
  (cd tools/node-runtimes && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  cp tools/node-runtimes/package.json tools/node-runtimes/node_modules/.package.json
fi
