# sam build: the Lambda artifact alone (module step-runner and what it depends on).
build-StepRunnerFunction:
	. scripts/java-env.sh && mvn -B -q -ntp -DskipTests -pl step-runner -am package
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp step-runner/target/lambda-step-runner.jar "$(ARTIFACTS_DIR)/lib/"
