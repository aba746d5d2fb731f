#!/usr/bin/env bash
# The one command that runs every test: installs what the tests need (scripts/setup-tools.sh), then
# Maven runs every module's unit tests and integration tests (*IT: the local Lambda service, the
# official runtime interface clients, boto3 and the AWS CLI, SAM, the example workflow) in one build.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-env.sh
./scripts/setup-tools.sh
exec mvn -B -ntp verify "$@"
