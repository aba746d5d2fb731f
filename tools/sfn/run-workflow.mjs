// Runs a whole Step Functions workflow locally and shows it: the definition runs on
// aws-local-stepfunctions (the engine; nothing here interprets ASL), its Lambda tasks call the local
// Lambda service (`serve`, with the step runner deployed in it as lambda-step-runner), one line is
// printed per state as it finishes, the execution's output JSON last on stdout, and a self-contained
// HTML report is written. Started by scripts/run-workflow.sh, which finds Java, Node 22 and the jar.
//
// Exit status: 0 the execution succeeded, 1 it failed (error and cause on stderr; the report is still
// written), 2 a usage mistake or a definition that cannot run (one message saying what to fix),
// 130 interrupted.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeFileName, planSubstitutions, readTemplate, stateMachineFor } from './lib/template.mjs';
import { renderReport } from './lib/report.mjs';
import { zip } from './lib/zip.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const RUNNER = 'lambda-step-runner';
const RUNNER_ALIAS = 'live';
const ACCOUNT = '000000000000';
const LOCAL_ROLE = `arn:aws:iam::${ACCOUNT}:role/lambda-step-runner-local`;
const USAGE = `usage: scripts/run-workflow.sh STATE_MACHINE.json [INPUT.json] [--sub NAME=VALUE]... [--name EXECUTION]
                                [--template TEMPLATE.yaml] [--reports DIR] [--endpoint URL]
  Runs the workflow on the local Lambda service with the step runner deployed as ${RUNNER}.
  \${Name} placeholders are filled as the SAM template's DefinitionSubstitutions would be (the step
  runner, and the template's inline-code functions deployed locally); --sub fills any other.`;

class UsageError extends Error {}

const SHORT_USAGE = 'usage: scripts/run-workflow.sh STATE_MACHINE.json [INPUT.json] [--sub NAME=VALUE]... [--name EXECUTION] '
  + '[--template TEMPLATE.yaml] [--reports DIR] [--endpoint URL]; --help says more';

const started = performance.now();
const timings = {};
function mark(name, since) {
  timings[name] = Math.round(performance.now() - since);
}

// ---------------------------------------------------------------- arguments and definition

function parseArguments(argv) {
  const options = { subs: {}, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      // "--name --reports x": the next option is not a value.
      if (i + 1 >= argv.length || /^--[a-z]/.test(argv[i + 1])) throw new UsageError(`${arg} needs a value (${SHORT_USAGE})`);
      return argv[++i];
    };
    switch (arg) {
      case '-h': case '--help': options.help = true; break;
      case '--sub': {
        const pair = value();
        const eq = pair.indexOf('=');
        if (eq < 1 || !/^[A-Za-z0-9_]+$/.test(pair.slice(0, eq))) {
          throw new UsageError(`--sub takes NAME=VALUE (NAME as in \${NAME}), not '${pair}'`);
        }
        options.subs[pair.slice(0, eq)] = pair.slice(eq + 1);
        break;
      }
      case '--name': options.name = value(); break;
      case '--template': options.template = value(); break;
      case '--reports': options.reports = value(); break;
      case '--endpoint': options.endpoint = value(); break;
      case '--jar': options.jar = value(); break;
      case '--java': options.java = value(); break;
      default:
        if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg} (${SHORT_USAGE})`);
        options.positional.push(arg);
    }
  }
  if (options.help) return options;
  if (options.positional.length === 0) throw new UsageError(`no state machine definition given (${SHORT_USAGE})`);
  if (options.positional.length > 2) {
    throw new UsageError(`unexpected argument ${options.positional[2]}: one definition and one input file at most (${SHORT_USAGE})`);
  }
  [options.definitionFile, options.inputFile] = options.positional;
  if (options.name !== undefined && !/^[A-Za-z0-9_-]{1,80}$/.test(options.name)) {
    throw new UsageError(`--name '${options.name}': an execution name is 1-80 letters, digits, '-' or '_'`);
  }
  if (options.endpoint !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(options.endpoint)) {
    throw new UsageError(`--endpoint '${options.endpoint}' is not a URL such as http://127.0.0.1:9001`);
  }
  return options;
}

function readJsonFile(file, what) {
  let text;
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${file}: is a directory, not ${what}`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error.code === 'ENOENT' ? `${file}: no such file (${what})` : `${file}: cannot read it: ${error.message}`);
  }
  try {
    return { text, value: JSON.parse(text) };
  } catch (error) {
    // JSON.parse quotes the text it stopped at, newlines and all: one line, so the message stays one.
    throw new UsageError(`${file}: ${what} is not JSON: ${error.message.replace(/\r?\n/g, '\\n')}; `
      + `write it as JSON${what.includes('input') ? ' (an object such as {"host": "web-1"})' : ''}`);
  }
}

/** Where the template (given, or the project's template.yaml when it names this definition) fills ${...}. */
function templatePlan(options) {
  const candidates = options.template ? [options.template] : [join(ROOT, 'template.yaml')];
  for (const file of candidates) {
    if (!existsSync(file)) {
      if (options.template) throw new UsageError(`${file}: no such file (--template)`);
      continue;
    }
    let template;
    try {
      template = readTemplate(file);
    } catch (error) {
      throw new UsageError(`${file}: the template is not YAML: ${error.message.split('\n')[0]}`);
    }
    const machine = stateMachineFor(template, file, options.definitionFile);
    if (machine) return { file, machine: machine.logicalId, plan: planSubstitutions(template, machine.substitutions) };
    if (options.template) {
      throw new UsageError(`${file}: no state machine in it has DefinitionUri ${options.definitionFile}`);
    }
  }
  return { plan: {} };
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

function placeholders(text) {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]))];
}

// ---------------------------------------------------------------- validation

// A definition asl-validator accepted once is not checked again (0.3 s of CPU that the service's start
// would rather have): the same text, the same validator version, the same verdict.
const VALIDATED = join(ROOT, 'target', 'asl-validated');

async function validate(definition, file) {
  const version = JSON.parse(readFileSync(join(HERE, 'node_modules/asl-validator/package.json'), 'utf8')).version;
  const marker = join(VALIDATED, createHash('sha256').update(`asl-validator ${version}\n${JSON.stringify(definition)}`).digest('hex'));
  if (existsSync(marker)) return;
  const { default: aslValidator } = await import('asl-validator');
  const result = aslValidator(definition, { checkArn: true, checkPaths: true });
  if (result.isValid) {
    try {
      mkdirSync(VALIDATED, { recursive: true });
      writeFileSync(marker, `${file}\n`);
    } catch {
      // checked again next time
    }
    return;
  }
  const findings = result.errors.map((error) => `  ${error['Error code']}: ${error.Message}${hint(definition, error)}`);
  throw new UsageError(`${file}: the definition does not validate (asl-validator):\n${findings.join('\n')}`);
}

// asl-validator reports a state with a misspelt field only as "must match exactly one schema in
// oneOf"; name the fields that no state of that type has, which is what there is to fix.
const COMMON = ['Type', 'Comment', 'Next', 'End', 'InputPath', 'OutputPath', 'QueryLanguage', 'Assign', 'Output'];
const FIELDS = {
  Task: [...COMMON, 'Resource', 'Parameters', 'Arguments', 'ResultPath', 'ResultSelector', 'Retry', 'Catch', 'TimeoutSeconds',
    'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath', 'Credentials'],
  Pass: [...COMMON, 'Result', 'ResultPath', 'Parameters'],
  Choice: ['Type', 'Comment', 'InputPath', 'OutputPath', 'Choices', 'Default', 'QueryLanguage', 'Assign', 'Output'],
  Wait: [...COMMON, 'Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'],
  Succeed: ['Type', 'Comment', 'InputPath', 'OutputPath', 'QueryLanguage', 'Output'],
  Fail: ['Type', 'Comment', 'Error', 'Cause', 'ErrorPath', 'CausePath', 'QueryLanguage'],
  Parallel: [...COMMON, 'Branches', 'ResultPath', 'ResultSelector', 'Retry', 'Catch', 'Parameters', 'Arguments'],
  Map: [...COMMON, 'Iterator', 'ItemProcessor', 'ItemsPath', 'Items', 'ItemSelector', 'ItemReader', 'ItemBatcher',
    'ResultWriter', 'MaxConcurrency', 'MaxConcurrencyPath', 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath',
    'ToleratedFailureCount', 'ToleratedFailureCountPath', 'Label', 'ResultPath', 'ResultSelector', 'Retry', 'Catch', 'Parameters'],
};

function hint(definition, error) {
  const match = /^\/States\/([^/]+)$/.exec(error.schemaError?.instancePath ?? '');
  const state = match && definition.States?.[match[1].replace(/~1/g, '/').replace(/~0/g, '~')];
  if (!state || typeof state !== 'object') return '';
  const known = FIELDS[state.Type];
  if (!known) return ` (Type ${JSON.stringify(state.Type)} is not one of ${Object.keys(FIELDS).join(', ')})`;
  const unknown = Object.keys(state).filter((field) => !known.includes(field));
  if (unknown.length) return ` (a ${state.Type} state has no field ${unknown.join(', ')})`;
  if (state.Type !== 'Fail' && state.Type !== 'Succeed' && state.Type !== 'Choice' && !state.Next === !state.End) {
    return ' (a state needs exactly one of Next and End)';
  }
  return '';
}

// ---------------------------------------------------------------- the local Lambda service

/** Starts `serve` on a free port; resolves once it says where it listens. */
function startService(options, env, serviceLog) {
  const java = options.java ?? 'java';
  const jar = options.jar ?? join(ROOT, 'cli/target/lambda-step-runner-cli.jar');
  if (!existsSync(jar)) throw new UsageError(`${jar}: no command-line jar; build it with 'mvn -q package -DskipTests'`);
  // From the repository, where serve finds the step runner's jar when it is not beside its own.
  // A short-lived JVM: C1 only, and a class-data archive beside the jar that the JVM writes on the
  // first run and rebuilds when the jar changes (about half a second of the service's start).
  // The JVM writes a missing archive at exit but does not replace one it finds stale (JDK 25: it only
  // warns and runs without), so an archive older than the jar goes first.
  const archive = join(dirname(resolve(jar)), 'serve-cds.jsa');
  try {
    if (statSync(archive).mtimeMs < statSync(jar).mtimeMs) unlinkSync(archive);
  } catch {
    // no archive yet: the JVM writes it
  }
  const jvm = ['-XX:TieredStopAtLevel=1', '-XX:+AutoCreateSharedArchive', `-XX:SharedArchiveFile=${archive}`,
    '-Xlog:cds=off', '-Xlog:cds+dynamic=off'];
  const child = spawn(java, [...jvm, '-jar', jar, 'serve', '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const service = { child, exited: new Promise((done) => child.once('exit', (code, signal) => done({ code, signal }))) };
  // `started`: the service answers (serve says so before it deploys the runner); `endpoint`: the runner is deployed.
  let started;
  service.started = new Promise((resolved) => { started = resolved; });
  service.endpoint = new Promise((ready, failed) => {
    let buffered = '';
    const onData = (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        serviceLog.push(line);
        if (serviceLog.length > 5000) serviceLog.splice(0, serviceLog.length - 5000);
        const up = /started on (http:\/\/[^\s,]+)/.exec(line);
        if (up) started(up[1]);
        const listening = /listening on (http:\/\/\S+)/.exec(line);
        if (listening) {
          started(listening[1]);
          ready(listening[1]);
        }
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('error', (error) => failed(new UsageError(`cannot start ${java}: ${error.message}`)));
    service.exited.then(() => started(null));
    service.exited.then(({ code, signal }) => failed(new Error(
      `the local Lambda service stopped before it was ready (exit ${code ?? signal}):\n${serviceLog.slice(-15).join('\n')}`)));
  });
  service.stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await service.exited;
    clearTimeout(timer);
  };
  return service;
}

async function deployInlineFunction(lambda, sdk, name, spec) {
  const file = codeFileName(spec.runtime, spec.handler, spec.code);
  try {
    await lambda.send(new sdk.CreateFunctionCommand({
      FunctionName: name, Runtime: spec.runtime, Handler: spec.handler, Role: LOCAL_ROLE,
      Timeout: spec.timeout, MemorySize: spec.memorySize, Environment: { Variables: spec.environment },
      Code: { ZipFile: zip({ [file]: spec.code }) },
    }));
  } catch (error) {
    if (error.name !== 'ResourceConflictException') throw error; // already there on a running service
  }
  for (let i = 0; i < 1200; i++) {
    const { Configuration } = await lambda.send(new sdk.GetFunctionCommand({ FunctionName: name }));
    if (Configuration.State === 'Active') return Configuration.FunctionArn;
    if (Configuration.State === 'Failed') throw new Error(`${name} did not become Active: ${Configuration.StateReason}`);
    await new Promise((wait) => setTimeout(wait, 25));
  }
  throw new Error(`${name} did not become Active within a minute`);
}

// ---------------------------------------------------------------- the execution

/** Every Task state of the definition, nested ones too (Parallel branches, Map processors). */
function taskStates(definition, found = {}) {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    if (state.Type === 'Task') found[name] = found[name] === undefined || found[name] === state.Resource ? state.Resource : null;
    for (const branch of state.Branches ?? []) taskStates(branch, found);
    if (state.Iterator) taskStates(state.Iterator, found);
    if (state.ItemProcessor) taskStates(state.ItemProcessor, found);
  }
  return found;
}

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;

/**
 * The Lambda call of one Task state, as aws-local-stepfunctions makes it (same request, same error
 * name and message on a function error), and also kept for the report: the request, the raw result
 * with the step's context variables (before ResultSelector), the step runner's log tail, timings.
 * `arn:aws:states:::lambda:invoke` is answered as Step Functions' optimised integration does.
 */
function taskHandler(sdk, lambda, resource, record) {
  return async (input) => {
    const optimised = LAMBDA_INVOKE.test(resource);
    const functionName = optimised ? input?.FunctionName : resource;
    const payload = optimised ? (input?.Payload ?? {}) : input;
    const attempt = { startedAt: Date.now(), functionName, request: payload };
    const recorded = await record(attempt);
    try {
      const response = await lambda.send(new sdk.InvokeCommand({
        FunctionName: functionName,
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
        LogType: 'Tail',
        ...(optimised && input?.Qualifier ? { Qualifier: input.Qualifier } : {}),
      }));
      attempt.finishedAt = Date.now();
      attempt.runnerLog = response.LogResult ? Buffer.from(response.LogResult, 'base64').toString('utf8') : null;
      Object.assign(attempt, runnerPhases(attempt.runnerLog));
      // The runtime's own cold start, as Lambda reports it on an environment's first invoke.
      const init = /Init Duration: ([\d.]+) ms/.exec(attempt.runnerLog ?? '');
      if (init) attempt.initDurationMs = Number(init[1]);
      const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
      let value = null;
      if (text) {
        try { value = JSON.parse(text); } catch { value = text; }
      }
      if (response.FunctionError) {
        attempt.errorPayload = value;
        const error = new Error(`${value?.errorType}: ${value?.errorMessage}`);
        error.name = value?.errorType ?? 'Lambda.Unknown';
        throw error;
      }
      attempt.result = value;
      return optimised ? { ExecutedVersion: response.ExecutedVersion, Payload: value, StatusCode: response.StatusCode } : value;
    } catch (error) {
      attempt.finishedAt ??= Date.now();
      if (attempt.errorPayload) throw error;
      attempt.sdkError = { name: error.name, message: error.message };
      throw serviceError(error, sdk);
    } finally {
      recorded.done();
    }
  };
}

/**
 * An error the Lambda service (or the SDK's call to it) raised, not the function, as Step Functions
 * reports it to a state, so that Retry and Catch match the same names as on AWS: `Lambda.` and the
 * exception's name (Lambda.ServiceException, Lambda.TooManyRequestsException,
 * Lambda.ResourceNotFoundException ...); an error Lambda does not model is Lambda.AWSLambdaException,
 * one that never got an answer Lambda.SdkClientException (Lambda.ClientExecutionTimeoutException when
 * it timed out). The cause as the Java SDK Step Functions uses words it.
 */
export function serviceError(error, sdk) {
  let name;
  let cause = error.message;
  if (error.$metadata || error.$fault) {
    const modelled = /Exception$/.test(error.name) && typeof sdk?.[error.name] === 'function';
    name = `Lambda.${modelled ? error.name : 'AWSLambdaException'}`;
    const { httpStatusCode, requestId } = error.$metadata ?? {};
    cause = `${error.message} (Service: Lambda, Status Code: ${httpStatusCode ?? '?'}, Request ID: ${requestId ?? '?'})`;
  } else {
    name = error.name === 'TimeoutError' ? 'Lambda.ClientExecutionTimeoutException' : 'Lambda.SdkClientException';
    cause = `Unable to execute HTTP request: ${error.message}`;
  }
  const named = new Error(cause);
  named.name = name;
  return named;
}

/**
 * The step runner's own account of a step, from its INFO log lines in the log tail ("step phase":
 * a custom-code step's CREATE, WAIT_ACTIVE, INVOKE, DELETE with their durations; "step finished", an
 * invoke step's only line): what it did even when the step failed and its error carries no context
 * variables.
 */
export function runnerPhases(log) {
  const phases = [];
  let finished = null;
  for (const line of (log ?? '').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line);
      if (entry.message === 'step phase') phases.push({ phase: entry.phase, durationMs: entry.durationMs, succeeded: entry.succeeded });
      if (entry.message === 'step finished') finished = { outcome: entry.outcome, functionError: entry.functionError ?? null, durationMs: entry.durationMs };
    } catch {
      // not one of the runner's JSON lines
    }
  }
  return phases.length || finished ? { phases, finished } : {};
}

function formatSeconds(ms) {
  return ms === undefined || ms === null ? '' : `${(ms / 1000).toFixed(2)} s`;
}

/** The line printed when a state finishes. */
function stateLine(visit, width) {
  const cause = visit.error && typeof visit.cause === 'string' && visit.cause.startsWith(`${visit.error}: `)
    ? visit.cause.slice(visit.error.length + 2) : visit.cause;
  const status = { succeeded: 'ok', caught: 'caught', failed: 'FAILED' }[visit.status] ?? visit.status;
  const name = visit.index === undefined ? visit.name : `${visit.name}[${visit.index}]`;
  const parts = [status.padEnd(7), name.padEnd(width - (visit.inner ? 2 : 0)), visit.type.padEnd(8)];
  const step = stepSummary(visit);
  if (step) parts.push(step);
  if (visit.next) parts.push(`-> ${visit.next}`);
  parts.push(formatSeconds(visit.exitedAt - visit.enteredAt));
  if (visit.attempts.length > 1) parts.push(`(${visit.attempts.length} attempts)`);
  if (visit.error) parts.push(`${visit.error}: ${oneLine(cause)}`);
  return `${visit.inner ? '  ' : ''}${parts.join('  ')}`;
}

function oneLine(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** "customCode python3.13  created invoked deleted" for a step runner task. */
export function stepSummary(visit) {
  const attempt = visit.attempts.at(-1);
  const request = attempt?.request;
  if (!request || typeof request !== 'object' || typeof request.action !== 'string') return null;
  const what = request.action === 'customCode' ? `customCode ${request.runtime ?? ''}`.trim()
    : `${request.action} ${String(request.functionName ?? '').replace(/^arn:[^:]*:lambda:[^:]*:[^:]*:function:/, '')}`.trim();
  let data = attempt.result?.data ?? attempt.errorPayload?.data ?? partialData(attempt.errorPayload);
  if (!data && attempt.phases?.length) {
    const did = (phase) => String(attempt.phases.some((p) => p.phase === phase && p.succeeded));
    data = { functionWasCreated: did('CREATE'), functionWasInvoked: did('INVOKE'), functionWasDeleted: did('DELETE') };
  }
  if (!data) return what;
  const flags = [['created', data.functionWasCreated], ['invoked', data.functionWasInvoked], ['deleted', data.functionWasDeleted]]
    .map(([label, value]) => `${label}=${value === 'true' || value === true ? 'yes' : 'no'}`);
  return `${what}  ${flags.join(' ')}`;
}

/** The context variables a failed step carries in its error message, when it does (partial result). */
function partialData(errorPayload) {
  if (!errorPayload || typeof errorPayload.errorMessage !== 'string') return null;
  const brace = errorPayload.errorMessage.indexOf('{');
  if (brace < 0) return null;
  try {
    return JSON.parse(errorPayload.errorMessage.slice(brace))?.data ?? null;
  } catch {
    return null;
  }
}

async function execute(definition, input, context, sdk, lambda, onState, signal) {
  const { StateMachine } = await import('aws-local-stepfunctions');
  // validate() ran asl-validator with the engine's checks already: not a second time here.
  const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
  const topLevel = new Set(Object.keys(definition.States));
  const pendingAttempts = {};
  const running = {}; // state name -> its visits entered and not yet finished, oldest first
  const taskResourceLocalHandlers = {};
  for (const [name, resource] of Object.entries(taskStates(definition))) {
    if (resource) {
      // An attempt belongs to the oldest running visit of its state without an attempt in flight: with
      // a Map's iterations (or Parallel branches) calling the same state at once, each gets its own.
      // The engine logs StateEntered before it calls the task; a turn of the event loop lets it arrive.
      taskResourceLocalHandlers[name] = taskHandler(sdk, lambda, resource, async (attempt) => {
        await new Promise((resolved) => setImmediate(resolved));
        const visit = (running[name] ?? []).find((candidate) => !candidate.inFlight);
        if (!visit) {
          (pendingAttempts[name] ??= []).push(attempt);
          return { done() {} };
        }
        visit.inFlight = true;
        visit.attempts.push(attempt);
        return { done() { visit.inFlight = false; } };
      });
    }
  }
  const run = machine.run(input, { overrides: { taskResourceLocalHandlers }, context });
  signal.abort = () => run.abort();
  const visits = [];
  const open = {};
  let parent = null; // a top-level Parallel or Map state whose inner states are running
  let choice = null; // a Choice state's line waits for the state it chose
  let executionStartedAt = null;
  const finish = (visit, status) => {
    visit.status = status;
    visit.exitedAt ??= Date.now();
    running[visit.name] = (running[visit.name] ?? []).filter((other) => other !== visit);
    if (!visit.attempts.length) {
      visit.attempts = pendingAttempts[visit.name] ?? [];
      delete pendingAttempts[visit.name];
    }
    delete visit.inFlight;
    delete open[visit.key];
    if (visit.type === 'Choice' && status === 'succeeded') choice = visit; else onState(visit);
  };
  for await (const event of run.eventLogs) {
    const name = event.state?.name;
    if (choice && (event.type === 'StateEntered' || event.type.startsWith('Execution'))) {
      if (event.type === 'StateEntered') choice.next = name;
      onState(choice);
      choice = null;
    }
    if (event.type === 'ExecutionStarted') executionStartedAt = event.timestamp;
    const inner = parent !== null && name !== parent.name;
    const key = inner ? `${parent.name}/${name}/${event.index ?? ''}` : name;
    switch (event.type) {
      case 'StateEntered': {
        const visit = {
          key, name, type: event.state.type, inner: inner ? parent.name : null, index: event.index,
          enteredAt: event.timestamp, input: event.state.input, retries: [], attempts: [], children: [],
        };
        open[key] = visit;
        (running[name] ??= []).push(visit);
        if (inner) parent.children.push(visit); else visits.push(visit);
        if (!inner && topLevel.has(name) && (event.state.type === 'Parallel' || event.state.type === 'Map')) parent = visit;
        break;
      }
      case 'StateFailed':
        if (open[key]) Object.assign(open[key], { error: event.Error, cause: event.Cause, failedAt: event.timestamp });
        break;
      case 'StateRetried':
        if (open[key]) {
          const visit = open[key];
          visit.retries.push({ error: visit.error, cause: visit.cause, at: visit.failedAt, attempt: event.retry.attempt });
          delete visit.error;
          delete visit.cause;
        }
        break;
      case 'StateCaught':
        if (open[key]) open[key].caughtBy = event.catch.catcher;
        break;
      case 'StateExited': {
        const visit = open[key];
        if (!visit) break;
        visit.exitedAt = event.timestamp;
        visit.output = event.state.output;
        if (visit.caughtBy) visit.next = visit.caughtBy.Next;
        finish(visit, visit.caughtBy ? 'caught' : 'succeeded');
        if (visit === parent) parent = null;
        break;
      }
      case 'ExecutionFailed': case 'ExecutionAborted': case 'ExecutionTimeout':
        for (const visit of Object.values(open).reverse()) {
          visit.exitedAt = visit.failedAt ?? event.timestamp;
          finish(visit, event.type === 'ExecutionFailed' && visit.error ? 'failed' : 'stopped');
        }
        break;
      default:
        break;
    }
  }
  try {
    return { status: 'SUCCEEDED', output: await run.result, visits, executionStartedAt };
  } catch (error) {
    const cause = error.cause ?? {};
    const status = { ExecutionAbortedError: 'ABORTED', ExecutionTimeoutError: 'TIMED_OUT' }[error.constructor?.name] ?? 'FAILED';
    if (error.constructor?.name === 'ExecutionError' || status !== 'FAILED') {
      return { status, error: cause.name ?? status, cause: cause.message ?? error.message, visits, executionStartedAt };
    }
    throw error;
  }
}

// ---------------------------------------------------------------- main

function timestampName(file) {
  const base = basename(file).replace(/\.(asl\.)?json$/i, '').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'workflow';
  const time = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${base}-${time}-${randomBytes(2).toString('hex')}`;
}

function display(file) {
  const relativePath = relative(process.cwd(), file);
  return relativePath.startsWith('..') ? file : relativePath;
}

async function main(argv) {
  const options = parseArguments(argv);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const definitionRead = readJsonFile(options.definitionFile, 'the state machine definition');
  if (!definitionRead.value || typeof definitionRead.value !== 'object' || Array.isArray(definitionRead.value)) {
    throw new UsageError(`${options.definitionFile}: a state machine definition is a JSON object with StartAt and States`);
  }
  const input = options.inputFile ? readJsonFile(options.inputFile, 'the execution input').value : {};
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  const runnerArn = `arn:aws:lambda:${region}:${ACCOUNT}:function:${RUNNER}`;

  // ${...}: --sub first, then the template's DefinitionSubstitutions, then the runner by its usual name.
  const wanted = placeholders(definitionRead.text);
  const template = wanted.length ? templatePlan(options) : { plan: {} };
  const plan = { StepRunnerFunctionArn: { kind: 'runner', qualifier: RUNNER_ALIAS }, ...template.plan };
  const values = {};
  const toDeploy = [];
  const missing = [];
  for (const name of wanted) {
    const how = name in options.subs ? { kind: 'literal', value: options.subs[name] } : plan[name];
    if (!how || how.kind === 'unavailable') {
      missing.push(`\${${name}}${how ? ` (${how.why})` : ''}`);
    } else if (how.kind === 'literal') {
      values[name] = how.value;
    } else if (how.kind === 'runner') {
      values[name] = how.ref ? RUNNER : runnerArn + (how.qualifier ? `:${how.qualifier}` : '');
    } else {
      values[name] = how.ref ? how.name : `arn:aws:lambda:${region}:${ACCOUNT}:function:${how.name}`;
      toDeploy.push(how);
    }
  }
  if (missing.length) {
    throw new UsageError(`${options.definitionFile}: no value for ${missing.join(', ')}; give one with --sub NAME=VALUE`);
  }
  const unused = Object.keys(options.subs).filter((name) => !wanted.includes(name));
  if (unused.length) throw new UsageError(`--sub ${unused.join(', ')}: the definition has no \${${unused[0]}}`);
  let definition;
  try {
    definition = JSON.parse(definitionRead.text.replace(PLACEHOLDER, (placeholder, name) => JSON.stringify(values[name]).slice(1, -1)));
  } catch (error) {
    throw new UsageError(`${options.definitionFile}: not JSON once \${...} are filled: ${error.message}`);
  }
  const executionName = options.name ?? timestampName(options.definitionFile);
  const reportDir = resolve(options.reports ?? join(ROOT, 'target/workflow-runs'));
  const reportFile = join(reportDir, `${executionName}.html`);
  const machineName = template.machine ?? basename(options.definitionFile).replace(/\.(asl\.)?json$/i, '');
  const startedAt = Date.now();

  const env = {
    ...process.env,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    // INFO: the runner's "step phase" lines come back in each task's log tail, for the report.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
  };
  const serviceLog = [];
  const signal = {};
  let service = null;
  let interrupted = false;
  const onSignal = (name) => {
    interrupted = true;
    process.stderr.write(`run-workflow: ${name}, stopping\n`);
    signal.abort?.();
    service?.stop();
  };
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, () => onSignal(name));

  const run = {
    executionName, machineName, definitionFile: display(resolve(options.definitionFile)),
    inputFile: options.inputFile ? display(resolve(options.inputFile)) : null, definition, substitutions: values,
    input, startedAt, timings, serviceLog,
  };
  // The service's JVM starts while the definition is validated; an invalid one stops it again.
  let since = performance.now();
  if (!options.endpoint) service = startService(options, env, serviceLog);
  service?.endpoint.catch(() => {}); // awaited below; a failure before then is reported there
  try {
    await validate(definition, options.definitionFile);
  } catch (error) {
    await service?.stop();
    throw error;
  }
  mark('validate', since);
  try {
    const sdkLoaded = import('@aws-sdk/client-lambda');
    const engineLoaded = import('aws-local-stepfunctions');
    // The template's functions are deployed while serve deploys the step runner.
    const endpoint = options.endpoint ?? await service.started ?? await service.endpoint;
    if (service) mark('serviceStart', since);
    Object.assign(process.env, env, { AWS_ENDPOINT_URL_LAMBDA: endpoint });
    const sdk = await sdkLoaded;
    const lambda = new sdk.LambdaClient({ region, endpoint, maxAttempts: 1 });
    const deployStarted = performance.now();
    const deployed = Promise.all(toDeploy.map((how) => deployInlineFunction(lambda, sdk, how.name, how.spec)))
      .then(() => mark('deployFunctions', deployStarted));
    deployed.catch(() => {}); // awaited below, after the runner
    if (service) {
      await service.endpoint;
      mark('runnerDeploy', deployStarted);
    }
    await deployed;
    await engineLoaded;

    const allNames = (machine) => Object.entries(machine.States ?? {}).flatMap(([name, state]) => [name,
      ...[...(state.Branches ?? []), state.Iterator, state.ItemProcessor].filter(Boolean).flatMap(allNames).map((inner) => `${inner}[0]  `)]);
    const width = Math.max(...allNames(definition).map((name) => name.length), 8);
    since = performance.now();
    const context = {
      Execution: {
        Id: `arn:aws:states:${region}:${ACCOUNT}:execution:${machineName}:${executionName}`,
        Name: executionName, Input: input, StartTime: new Date(startedAt).toISOString(),
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/${machineName}-local`,
      },
      StateMachine: { Id: `arn:aws:states:${region}:${ACCOUNT}:stateMachine:${machineName}`, Name: machineName },
    };
    const outcome = await execute(definition, input, context, sdk, lambda,
      (visit) => process.stdout.write(`${stateLine(visit, width)}\n`), signal);
    mark('execution', since);
    // serve's own account splits the time until it was ready: CreateFunction, then Pending while the
    // runner's first environment started (the runner's cold start, which on AWS the first step
    // carries); the rest is its JVM, HTTP server, SDK client and alias. On a service already running,
    // the Init Duration the first step reports, if it was a cold start.
    const serveSaid = serviceLog.map((line) => /CreateFunction ([\d.]+) s, then ([\d.]+) s Pending while its first environment started/.exec(line)).find(Boolean);
    const firstInit = outcome.visits.flatMap(function attempts(visit) {
      return [...visit.attempts, ...visit.children.flatMap(attempts)];
    }).find((attempt) => attempt.initDurationMs !== undefined && String(attempt.functionName).includes(RUNNER));
    if (serveSaid && timings.serviceStart !== undefined) {
      const ready = timings.serviceStart + timings.runnerDeploy;
      timings.runnerDeploy = Math.round(Number(serveSaid[1]) * 1000);
      timings.runnerColdStart = Math.round(Number(serveSaid[2]) * 1000);
      timings.serviceStart = Math.max(0, ready - timings.runnerDeploy - timings.runnerColdStart);
    } else if (firstInit) {
      timings.runnerColdStart = Math.round(firstInit.initDurationMs);
    }
    Object.assign(run, outcome, { finishedAt: Date.now() });
    lambda.destroy();
  } catch (error) {
    Object.assign(run, {
      status: interrupted ? 'ABORTED' : 'FAILED', error: interrupted ? 'Interrupted' : 'LocalRunFailed',
      cause: error.message, finishedAt: Date.now(), visits: run.visits ?? [],
    });
  } finally {
    since = performance.now();
    await service?.stop();
    if (service) mark('serviceStop', since);
  }

  since = performance.now();
  mkdirSync(reportDir, { recursive: true });
  mark('total', started);
  writeFileSync(reportFile, renderReport(run));
  mark('report', since);
  process.stderr.write(`Report: ${display(reportFile)}\n`);
  if (process.env.RUN_WORKFLOW_TIMINGS) {
    process.stderr.write(`Timings (ms): ${JSON.stringify({ ...timings, total: Math.round(performance.now() - started) })}\n`);
  }
  if (run.status === 'SUCCEEDED') {
    process.stdout.write(`${JSON.stringify(run.output)}\n`);
    return 0;
  }
  const cause = typeof run.cause === 'string' && run.cause.startsWith(`${run.error}: `) ? run.cause.slice(run.error.length + 2) : run.cause;
  process.stderr.write(`Execution ${run.status === 'FAILED' ? 'failed' : run.status.toLowerCase().replace('_', ' ')}: ${run.error}: ${oneLine(cause)}\n`);
  return interrupted ? 130 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`run-workflow: ${error.message}\n`);
    // One message: a usage mistake names the usage in the same line; --help shows it whole.
    process.exitCode = 2;
  } else {
    process.stderr.write(`run-workflow: ${error.message}\n`);
    process.exitCode = 1;
  }
}
