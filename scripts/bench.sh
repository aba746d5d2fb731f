#!/usr/bin/env bash
# Benchmarks (not tests): prints each figure beside its baseline from the same run, as a ratio.
# Usage: scripts/bench.sh                   both suites (2-3.5 minutes on 2 cores)
#        scripts/bench.sh local [warm-invokes] [lifecycles]   the local Lambda service (issue 2)
#        scripts/bench.sh steps [scale] [sections]  the step runner: 1 invoke overhead, 2 custom code + reuse,
#                                           3 cold start, 4 throughput (issue 6); scale 0.2 for a quick look
#        scripts/bench.sh deployed [rounds]  the runner deployed in the local service as serve gives it,
#                                           called through the SDK (issue 11)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-env.sh
suite=all
case "${1:-}" in
  local|steps|deployed|all) suite=$1; shift ;;
  [0-9]*) suite=local ;;  # the old form: scripts/bench.sh WARM LIFECYCLES
esac
# The cold-start figures run the packaged jar, so build it (tests are not benchmarks: skipped here).
mvn -q -B -ntp package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test
cp="cli/target/classes:cli/target/test-classes:$(cat cli/target/classpath.txt)"
# Keep the step runner's own INFO logs out of the figures' output; metrics off (no EMF agent here).
export POWERTOOLS_METRICS_DISABLED=true
# The JDK's POST resend off from the start, as the template and the command line set it, so the SDK
# clients here buffer their bodies as the runner's do (LambdaClients).
props=(-Dlambdasteprunner.logLevel=WARN -Dsun.net.http.retryPost=false)
if [[ $suite == local || $suite == all ]]; then
  java "${props[@]}" -cp "$cp" io.lambdasteprunner.bench.LocalServiceBenchmark "$@"
fi
if [[ $suite == steps || $suite == all ]]; then
  [[ $suite == all ]] && echo
  java "${props[@]}" -cp "$cp" io.lambdasteprunner.bench.StepBenchmark "$@"
fi
if [[ $suite == deployed ]]; then
  java "${props[@]}" -cp "$cp" io.lambdasteprunner.bench.DeployedBenchmark "$@"
fi
