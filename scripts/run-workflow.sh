#!/usr/bin/env bash
# Runs a whole Step Functions workflow on the embedded local Lambda service, with the step runner
# deployed in it as under `serve`, on aws-local-stepfunctions (tools/sfn/run-workflow.mjs).
# Usage: scripts/run-workflow.sh STATE_MACHINE.json [INPUT.json] [--sub NAME=VALUE]... [--name EXECUTION]
#                                [--template TEMPLATE.yaml] [--reports DIR] [--endpoint URL]
# Prints a line per state as it finishes and the execution's output JSON last on stdout; writes
# target/workflow-runs/<execution>.html. Exit 0 succeeded, 1 failed, 2 usage or invalid definition.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
node="$root/tools/sfn/node_modules/node/bin/node"
if [ ! -x "$node" ] || ! cmp -s "$root/tools/sfn/package.json" "$root/tools/sfn/node_modules/.package.json"; then
  "$root/scripts/setup-tools.sh" >&2
fi
jar="$root/target/lambda-step-runner.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root/src" "$root/pom.xml" -newer "$jar" -print -quit)" ]; then
  echo "run-workflow: building $jar" >&2
  (cd "$root" && mvn -q -B -ntp package -DskipTests) >&2
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$node" "$root/tools/sfn/run-workflow.mjs" --jar "$jar" --java "$java" "$@"
