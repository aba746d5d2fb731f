#!/usr/bin/env bash
# The main job on a fresh machine, on the embedded local Lambda service (no AWS account, no Docker).
#   scripts/run-local.sh                         the example runbook, statemachine/runbook.asl.json, end to
#                                                end with events/runbook-input.json (scripts/run-workflow.sh):
#                                                a line per state, the output JSON, and where the report is
#   scripts/run-local.sh WORKFLOW.asl.json [INPUT.json] [options]   any workflow, the same way
#   scripts/run-local.sh EVENT.json              one step, e.g. events/custom-code-ruby.json
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  set -- statemachine/runbook.asl.json events/runbook-input.json
fi
case "$1" in
  *.asl.json) exec scripts/run-workflow.sh "$@" ;;
esac
. scripts/java-env.sh
event="$1"
case "$event" in
  *ruby*) command -v ruby >/dev/null || ./scripts/setup-tools.sh ;;
esac
jar=cli/target/lambda-step-runner-cli.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml */pom.xml */src -newer "$jar" -print -quit)" ]; then
  mvn -q -B -ntp package -DskipTests
fi
exec java -jar "$jar" run "$event"
