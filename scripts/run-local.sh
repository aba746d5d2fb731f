#!/usr/bin/env bash
# The main job on a fresh machine: builds the jars and runs one step on the embedded local Lambda
# service (no AWS account, no Docker). Usage: scripts/run-local.sh [EVENT.json]
# (default: events/custom-code-python.json — creates a Python function, invokes it, deletes it).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-env.sh
event="${1:-events/custom-code-python.json}"
case "$event" in
  *ruby*) command -v ruby >/dev/null || ./scripts/setup-tools.sh ;;
esac
jar=cli/target/lambda-step-runner-cli.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml */pom.xml */src -newer "$jar" -print -quit)" ]; then
  mvn -q -B -ntp package -DskipTests
fi
exec java -jar "$jar" run "$event"
