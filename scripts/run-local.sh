#!/usr/bin/env bash
# The main job on a fresh machine, on the embedded local Lambda service (no AWS account, no Docker).
#   scripts/run-local.sh                         the example runbook, statemachine/runbook.asl.json, end to
#                                                end with events/runbook-input.json (scripts/run-workflow.sh):
#                                                a line per state, the output JSON, and where the report is
#   scripts/run-local.sh WORKFLOW.asl.json [INPUT.json] [options]   any workflow, the same way
#   scripts/run-local.sh EVENT.json              one step, e.g. events/custom-code-ruby.json
# Paths are taken from the current directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
usage="usage: scripts/run-local.sh [WORKFLOW.asl.json [INPUT.json] [options] | EVENT.json]"
if [ $# -eq 0 ]; then
  set -- "$root/statemachine/runbook.asl.json" "$root/events/runbook-input.json"
fi
case "$1" in
  -h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
  -*) echo "run-local: $1 before a workflow or event file; $usage (scripts/run-workflow.sh --help for a workflow's options)" >&2; exit 2 ;;
  *.asl.json) exec "$root/scripts/run-workflow.sh" "$@" ;;
esac
. "$root/scripts/java-env.sh"
event="$1"
case "$event" in
  *ruby*) command -v ruby >/dev/null || "$root/scripts/setup-tools.sh" ;;
esac
jar="$root/cli/target/lambda-step-runner-cli.jar"
if [ ! -f "$jar" ] || [ -n "$(cd "$root" && find pom.xml */pom.xml */src -newer "$jar" -print -quit)" ]; then
  (cd "$root" && mvn -q -B -ntp package -DskipTests)
fi
exec java -jar "$jar" run "$@"
