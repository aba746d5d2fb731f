// Built-in Lambda runtime for nodejs*.x functions: the Runtime API loop, Node's standard library only.
// Loads index.js (CommonJS), index.cjs or index.mjs (ES module) the way Lambda's Node runtime does,
// supports async and callback handlers, and writes console output as Lambda does: text lines
// `<time>\t<request id>\t<LEVEL>\t<message>`, or JSON lines with AWS_LAMBDA_LOG_FORMAT=JSON, and
// AWS_LAMBDA_LOG_LEVEL silences the levels below it. AWS_LAMBDA_RUNTIME_API is host:port (the host name
// carries the environment's token), or host:port/token without a sandbox. Started as a spare (LOCAL_LAMBDA_SPARE=1), it reads its
// function's directory and environment from standard input first.
import dns from 'node:dns';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const PREFIX = '/2018-06-01/runtime';
// One kept-alive connection to the Runtime API, as the official client does.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let runtimeApi;

// Makes a spare runtime, started before its function was known, what a fresh process started for the
// function would be. The spare started with the variables every function shares; the function's
// complete set is a superset of them.
function takeFunction() {
  const chunks = [];
  const buffer = Buffer.alloc(1 << 16);
  for (;;) {
    let read;
    try {
      read = fs.readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      if (error.code === 'EAGAIN') continue;
      if (error.code === 'EOF') break;
      throw error;
    }
    if (read === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, read)));
  }
  const assignment = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  delete process.env.LOCAL_LAMBDA_SPARE;
  Object.assign(process.env, assignment.env);
  process.chdir(assignment.cwd);
}

// Runs Node's HTTP client and server code once, against a server of this spare's own on loopback that
// is closed (with its connection) before the function is taken: Node sets up the client on first use
// (~3-4 ms here), which would otherwise delay the function's first call to the Runtime API.
async function warmHttpClient() {
  const server = http.createServer((request, response) => response.end());
  try {
    await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    await new Promise((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port: server.address().port, path: '/', agent: false },
        (response) => response.resume());
      request.on('socket', (socket) => socket.once('close', resolve)); // no descriptor left behind
      request.on('error', reject);
    });
  } catch {
    // Only a warm-up: the function's first call sets the client up instead.
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function call(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: runtimeApi.host, port: runtimeApi.port, method,
      path: runtimeApi.base + PREFIX + urlPath, agent, headers },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      });
    request.on('error', reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

const postJson = (urlPath, payload, errorType) => call('POST', urlPath, JSON.stringify(payload), {
  'Content-Type': 'application/json',
  ...(errorType ? { 'Lambda-Runtime-Function-Error-Type': errorType } : {}),
});

let currentRequestId;
const LEVELS = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };

// Lambda's Node.js runtime formats console output; it reads its settings as the function starts.
function setupConsole() {
  const json = (process.env.AWS_LAMBDA_LOG_FORMAT ?? '').toUpperCase() === 'JSON';
  const minimum = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL ?? '').toUpperCase()] ?? 0;
  for (const [level, method] of [['INFO', 'log'], ['INFO', 'info'], ['WARN', 'warn'], ['ERROR', 'error'],
    ['DEBUG', 'debug'], ['TRACE', 'trace'], ['FATAL', 'fatal']]) {
    if (LEVELS[level] < minimum) {
      console[method] = () => {};
      continue;
    }
    console[method] = (...args) => {
      const timestamp = new Date().toISOString();
      if (json) {
        const record = { timestamp, level, requestId: currentRequestId, message: format(...args) };
        const error = args.find((arg) => arg instanceof Error);
        if (error) {
          Object.assign(record, { errorType: error.name, errorMessage: error.message,
            stackTrace: error.stack ? error.stack.split('\n') : [] });
        }
        process.stdout.write(JSON.stringify(record) + '\n');
        return;
      }
      const line = `${timestamp}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}`;
      process.stdout.write(line.replace(/\n/g, '\r') + '\n');
    };
  }
}

function errorPayload(error, errorType) {
  const isError = error instanceof Error;
  return {
    errorType: errorType ?? (isError ? error.name : 'string'),
    errorMessage: isError ? error.message : String(error),
    trace: isError && error.stack ? error.stack.split('\n') : [],
  };
}

async function loadHandler() {
  const handlerString = process.env._HANDLER;
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  const dot = handlerString.lastIndexOf('.');
  const moduleName = handlerString.slice(0, dot);
  const functionName = handlerString.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => path.join(taskRoot, moduleName + ext)).find((f) => fs.existsSync(f));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { runtimeType: 'Runtime.ImportModuleError' });
  }
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    const type = error instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    throw Object.assign(new Error(`${error.name}: ${error.message}`), { runtimeType: type, stack: error.stack });
  }
  const handler = module[functionName] ?? module.default?.[functionName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerString} is undefined or not exported`), { runtimeType: 'Runtime.HandlerNotFound' });
  }
  return handler;
}

function invokeHandler(handler, event, context) {
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const callback = (error, result) => (error ? reject(error) : resolve(result));
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

// Imports a CommonJS module of the runtime directory's, as the function's index.js is imported next:
// Node sets up its loader for CommonJS through import() on first use (~1 ms here).
async function warmModuleLoader() {
  try {
    await import(pathToFileURL(path.join(process.env.LAMBDA_RUNTIME_DIR, 'spare-warm-up.cjs')).href);
  } catch {
    // Only a warm-up: the function's import sets the loader up instead.
  }
}

// Resolves a name from the sandbox's /etc/hosts, as the first call to the Runtime API will resolve its
// host name: Node starts its thread pool for the first lookup (3-50 ms here; 0.9 ms once it runs).
async function warmResolver() {
  try {
    await dns.promises.lookup('localhost');
  } catch {
    // Only a warm-up: the first call resolves its name the slow way instead.
  }
}

async function main() {
  if (process.env.LOCAL_LAMBDA_SPARE === '1') {
    await warmHttpClient();
    await warmModuleLoader();
    await warmResolver();
    takeFunction();
  }
  setupConsole();
  // host:port, or host:port/base as clients build http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/...
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  const slash = address.indexOf('/');
  const [host, port] = (slash < 0 ? address : address.slice(0, slash)).split(':');
  runtimeApi = { host, port: Number(port), base: slash < 0 ? '' : address.slice(slash) };
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const payload = errorPayload(error, error.runtimeType);
    console.error(`${payload.errorType}: ${payload.errorMessage}`);
    await postJson('/init/error', payload, payload.errorType);
    process.exit(1);
  }
  for (;;) {
    const next = await call('GET', '/invocation/next');
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
    const clientContext = next.headers['lambda-runtime-client-context'];
    const identity = next.headers['lambda-runtime-cognito-identity'];
    process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'] ?? '';
    currentRequestId = requestId;
    // Members in the order Lambda's Node.js runtime makes them (JSON.stringify(context) shows it).
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: clientContext ? JSON.parse(clientContext) : undefined,
      identity: identity ? JSON.parse(identity) : undefined,
      invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
      awsRequestId: requestId,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      const event = next.body.length ? JSON.parse(next.body.toString('utf8')) : null;
      const result = await invokeHandler(handler, event, context);
      const body = JSON.stringify(result === undefined ? null : result);
      await call('POST', `/invocation/${requestId}/response`, body, { 'Content-Type': 'application/json' });
    } catch (error) {
      const payload = errorPayload(error);
      console.error(`Invoke Error \t${JSON.stringify(payload)}`);
      await postJson(`/invocation/${requestId}/error`, payload, 'Unhandled');
    }
  }
}

// The service is gone when the Runtime API stops answering: nothing may outlive it.
main().catch(() => process.exit(1));
