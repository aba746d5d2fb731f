build-StepRunnerFunction:
	mvn -B -q -ntp -DskipTests package
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp target/lambda-step-runner.jar "$(ARTIFACTS_DIR)/lib/"
