// Reads a SAM template the way `sam deploy` fills a state machine's DefinitionSubstitutions, for a
// local run: a substitution that names the step runner's function (the one whose handler is
// StepRunnerHandler::handleRequest) points at the runner deployed in the local service, and one that
// names another function of the template with InlineCode gets that function deployed locally from its
// code. Anything else (parameters, other resources) has no local equivalent and must be given with --sub.
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

export const RUNNER_HANDLER = 'StepRunnerHandler::handleRequest';
const STATE_MACHINE_TYPES = new Set(['AWS::Serverless::StateMachine', 'AWS::StepFunctions::StateMachine']);
const FUNCTION_TYPES = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function']);

// CloudFormation's short forms (!Ref, !GetAtt ...) as their long forms, so the YAML parser accepts them.
const INTRINSICS = ['Ref', 'Condition', 'GetAtt', 'Sub', 'Join', 'Select', 'Split', 'FindInMap', 'If', 'Not',
  'Equals', 'And', 'Or', 'Base64', 'Cidr', 'GetAZs', 'ImportValue', 'Transform', 'ToJsonString', 'Length'];
const customTags = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const wrap = (value) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return ['scalar', 'seq', 'map'].map((collection) => ({
    tag: `!${name}`,
    collection: collection === 'scalar' ? undefined : collection,
    resolve: collection === 'scalar' ? (value) => wrap(value) : (value) => wrap(value.toJSON()),
  }));
});

/** The template as plain data; throws with a readable message when it is not YAML. */
export function readTemplate(file) {
  return parse(readFileSync(file, 'utf8'), { customTags, uniqueKeys: false });
}

/** The template's state machine whose DefinitionUri is {@code definitionFile}, or null. */
export function stateMachineFor(template, templateFile, definitionFile) {
  const wanted = realpathSync(definitionFile);
  for (const [logicalId, resource] of Object.entries(template?.Resources ?? {})) {
    const uri = resource?.Properties?.DefinitionUri;
    if (STATE_MACHINE_TYPES.has(resource?.Type) && typeof uri === 'string') {
      try {
        if (realpathSync(resolve(dirname(templateFile), uri)) === wanted) {
          return { logicalId, substitutions: resource.Properties.DefinitionSubstitutions ?? {} };
        }
      } catch {
        // a DefinitionUri that does not exist locally is not this one
      }
    }
  }
  return null;
}

/** The logical id a {Ref}/{Fn::GetAtt} points at, with what it asks for ('Ref', 'Arn', 'Alias' ...). */
function reference(value) {
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string') {
      const [id, attribute] = value.Ref.split('.');
      return { id, attribute: attribute ?? 'Ref' };
    }
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt.length === 2) {
      return { id: getAtt[0], attribute: getAtt[1] };
    }
  }
  return null;
}

/**
 * How each of the state machine's DefinitionSubstitutions is filled locally:
 * {kind: 'runner', qualifier} | {kind: 'function', name, spec} | {kind: 'literal', value} |
 * {kind: 'unavailable', why}.
 */
export function planSubstitutions(template, substitutions) {
  const resources = template?.Resources ?? {};
  const plan = {};
  for (const [name, value] of Object.entries(substitutions)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      plan[name] = { kind: 'literal', value: String(value) };
      continue;
    }
    const ref = reference(value);
    const resource = ref && resources[ref.id];
    if (!resource || !FUNCTION_TYPES.has(resource.Type) || !['Ref', 'Arn', 'Alias'].includes(ref.attribute)) {
      plan[name] = { kind: 'unavailable', why: `the template fills it with ${JSON.stringify(value)}, which has no local equivalent` };
      continue;
    }
    const properties = resource.Properties ?? {};
    const handler = properties.Handler ?? template?.Globals?.Function?.Handler;
    if (handler === RUNNER_HANDLER) {
      plan[name] = { kind: 'runner', qualifier: ref.attribute === 'Alias' ? 'live' : null, ref: ref.attribute === 'Ref' };
      continue;
    }
    const code = properties.InlineCode;
    const runtime = properties.Runtime ?? template?.Globals?.Function?.Runtime;
    if (typeof code !== 'string' || typeof runtime !== 'string' || typeof handler !== 'string') {
      plan[name] = { kind: 'unavailable', why: `the template's ${ref.id} has no InlineCode to deploy locally` };
      continue;
    }
    const variables = properties.Environment?.Variables ?? {};
    plan[name] = {
      kind: 'function', name: ref.id, ref: ref.attribute === 'Ref',
      spec: {
        runtime, handler, code,
        timeout: typeof properties.Timeout === 'number' ? properties.Timeout : 3,
        memorySize: typeof properties.MemorySize === 'number' ? properties.MemorySize : 128,
        environment: Object.fromEntries(Object.entries(variables).filter(([, v]) => typeof v === 'string')),
      },
    };
  }
  return plan;
}

/** The file name a handler string such as index.lambda_handler loads, for one inline source. */
export function codeFileName(runtime, handler, code) {
  const module = handler.slice(0, handler.lastIndexOf('.'));
  if (runtime.startsWith('python')) return `${module}.py`;
  if (runtime.startsWith('ruby')) return `${module}.rb`;
  if (runtime.startsWith('nodejs')) return /^\s*(import|export)\s/m.test(code) ? `${module}.mjs` : `${module}.js`;
  throw new Error(`runtime ${runtime} cannot run inline code`);
}
