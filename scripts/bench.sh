#!/usr/bin/env bash
# Benchmarks (not tests): prints each figure beside its baseline from the same run.
# Usage: scripts/bench.sh [warm-invokes] [lifecycles]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test
exec java -cp "target/classes:target/test-classes:$(cat target/classpath.txt)" \
  io.lambdasteprunner.bench.LocalServiceBenchmark "$@"
