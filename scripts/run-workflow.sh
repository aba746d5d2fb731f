#!/usr/bin/env bash
# Runs a whole Step Functions workflow on the embedded local Lambda service, with the step runner
# deployed in it as under `serve`, on aws-local-stepfunctions (tools/sfn/run-workflow.mjs).
# Usage: scripts/run-workflow.sh STATE_MACHINE.json [INPUT.json] [--sub NAME=VALUE]... [--name EXECUTION]
#                                [--template TEMPLATE.yaml] [--reports DIR] [--endpoint URL]
# Prints a line per state as it finishes and the execution's output JSON last on stdout; writes
# target/workflow-runs/<execution>.html. Exit 0 succeeded, 1 failed, 2 usage or invalid definition.
# Paths are taken from the current directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/java-env.sh"
node="$root/tools/sfn/node_modules/node/bin/node"
if [ ! -x "$node" ] || ! cmp -s "$root/tools/sfn/package.json" "$root/tools/sfn/node_modules/.package.json"; then
  "$root/scripts/setup-tools.sh" >&2
fi
# LAMBDA_STEP_RUNNER_CLI_JAR: a jar built already (the tests pass Maven's); else it is built when stale.
jar="${LAMBDA_STEP_RUNNER_CLI_JAR:-$root/cli/target/lambda-step-runner-cli.jar}"
if [ -z "${LAMBDA_STEP_RUNNER_CLI_JAR:-}" ] && { [ ! -f "$jar" ] || [ -n "$(cd "$root" && find pom.xml */pom.xml */src -newer "$jar" -print -quit)" ]; }; then
  echo "run-workflow: building the jars" >&2
  (cd "$root" && mvn -q -B -ntp package -DskipTests) >&2
fi
exec "$node" "$root/tools/sfn/run-workflow.mjs" --jar "$jar" --java "$JAVA_HOME/bin/java" "$@"
