// Runs an Amazon States Language definition locally with aws-local-stepfunctions and prints the
// outcome as one JSON line: {"status":"SUCCEEDED","output":...} or {"status":"FAILED","error":...,"cause":...}.
//
//   node run-state-machine.mjs DEFINITION.asl.json '{"StepRunnerFunctionArn":"arn:..."}' '{"input":1}'
//
// The second argument plays the template's DefinitionSubstitutions; a ${Name} placeholder it does
// not define is an error, so a typo fails here rather than on AWS. Lambda tasks are invoked through
// the AWS SDK for JavaScript, which honours AWS_ENDPOINT_URL_LAMBDA (the local Lambda service).
// Needs Node 22 or later (the node package in this folder ships it). Exit status 0 whatever the
// execution's outcome; 2 when the definition or the arguments are unusable.
import { readFileSync } from 'node:fs';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';

function fail(message) {
  process.stderr.write(`run-state-machine: ${message}\n`);
  process.exit(2);
}

const [definitionFile, substitutionsJson = '{}', inputJson = '{}'] = process.argv.slice(2);
if (!definitionFile) {
  fail('usage: run-state-machine.mjs DEFINITION.asl.json [SUBSTITUTIONS_JSON] [INPUT_JSON]');
}

const substitutions = JSON.parse(substitutionsJson);
const text = readFileSync(definitionFile, 'utf8').replace(/\$\{([A-Za-z0-9_]+)\}/g, (placeholder, name) => {
  if (!(name in substitutions)) {
    fail(`${definitionFile}: no substitution for ${placeholder}`);
  }
  return substitutions[name];
});

let machine;
try {
  machine = new StateMachine(JSON.parse(text), { validationOptions: { checkPaths: true, checkArn: true } });
} catch (error) {
  fail(`${definitionFile}: ${error.message}`);
}

// Retries wait 50 ms here instead of the definition's seconds: the behaviour is the same, the test is quicker.
const retryIntervalOverrides = {};
for (const [name, state] of Object.entries(JSON.parse(text).States)) {
  if (state.Retry) {
    retryIntervalOverrides[name] = 50;
  }
}

const execution = machine.run(JSON.parse(inputJson), { overrides: { retryIntervalOverrides } });
try {
  const output = await execution.result;
  process.stdout.write(JSON.stringify({ status: 'SUCCEEDED', output }) + '\n');
} catch (error) {
  if (!(error instanceof ExecutionError)) {
    throw error;
  }
  const cause = error.cause ?? {};
  process.stdout.write(JSON.stringify({ status: 'FAILED', error: cause.name, cause: cause.message }) + '\n');
}
