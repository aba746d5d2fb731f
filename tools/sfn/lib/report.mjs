// The run report: one self-contained HTML page (inline CSS and SVG, no script, nothing fetched; its
// Content-Security-Policy forbids any load) with the state machine drawn as a layered graph, each
// state coloured by its outcome, and per state its input, output, the step's context variables and
// execution log. Every piece of run data is escaped: logs and payloads may hold markup.

const OUTCOMES = {
  succeeded: { label: 'succeeded', fill: '#dcf5e3', stroke: '#1f8a4c' },
  caught: { label: 'failed, caught', fill: '#fff0d6', stroke: '#c27a00' },
  failed: { label: 'failed', fill: '#fde2e1', stroke: '#c62828' },
  stopped: { label: 'stopped', fill: '#ece6f6', stroke: '#6a4c9c' },
  'not-reached': { label: 'not reached', fill: '#f3f4f6', stroke: '#9ca3af' },
};
const CONTEXT_VARIABLES = ['functionName', 'functionWasCreated', 'functionWasInvoked', 'functionWasDeleted',
  'invokeFunctionError', 'statusCode', 'executedVersion', 'invokeResponsePayloadString'];

export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function pretty(value) {
  if (value === undefined) return '';
  if (typeof value === 'string') {
    try {
      const parsed = JSON.parse(value);
      if (parsed && typeof parsed === 'object') return JSON.stringify(parsed, null, 2);
    } catch {
      // not JSON: as it is
    }
    return value;
  }
  return JSON.stringify(value, null, 2);
}

/** aws-local-stepfunctions writes a function error's Cause as "Name: message"; the name is shown already. */
function withoutName(error, cause) {
  return typeof cause === 'string' && cause.startsWith(`${error}: `) ? cause.slice(error.length + 2) : cause;
}

function seconds(ms) {
  return ms === undefined || ms === null || Number.isNaN(ms) ? '' : `${(ms / 1000).toFixed(2)} s`;
}

// ------------------------------------------------------------------------------------------- graph

/** The transitions out of a state: Next, Choice rules and Default, Catch. */
export function edgesOf(name, state) {
  const edges = [];
  if (state.Type === 'Choice') {
    (state.Choices ?? []).forEach((choice, i) => edges.push({ from: name, to: choice.Next, kind: 'choice', label: `rule ${i + 1}` }));
    if (state.Default) edges.push({ from: name, to: state.Default, kind: 'choice', label: 'Default' });
  }
  if (state.Next) edges.push({ from: name, to: state.Next, kind: 'next', label: '' });
  (state.Catch ?? []).forEach((catcher) => {
    const errors = catcher.ErrorEquals ?? [];
    const label = `catch ${errors[0] ?? ''}${errors.length > 1 ? ` +${errors.length - 1}` : ''}`;
    edges.push({ from: name, to: catcher.Next, kind: 'catch', label, errors });
  });
  if (state.End || state.Type === 'Succeed') edges.push({ from: name, to: '__end', kind: 'next', label: '' });
  return edges;
}

const NODE_H = 46;
const RANK_GAP = 62;
const NODE_GAP = 34;
const DUMMY_W = 14;
const BACK_EDGE_MARGIN = 70;

function nodeWidth(name) {
  return Math.min(260, Math.max(150, Math.round(name.length * 7.6) + 36));
}

const HEADER_H = 40;
const INNER_PAD = 12;
const INNER_GAP = 14;

/** The state machines inside a state: a Parallel state's branches, a Map state's item processor. */
export function innerMachines(state) {
  if (state?.Type === 'Parallel') return (state.Branches ?? []).filter((branch) => branch?.States);
  if (state?.Type === 'Map') return [state.ItemProcessor ?? state.Iterator].filter((machine) => machine?.States);
  return [];
}

/**
 * A Parallel or Map state is drawn as a box holding its branches (or its item processor) laid out
 * the same way, side by side, under a header with its name.
 */
function containerNode(name, state) {
  const inner = innerMachines(state).map((machine) => layout(machine, { nested: true }));
  if (!inner.length) return { id: name, width: nodeWidth(name), height: NODE_H };
  let x = INNER_PAD;
  const branches = inner.map((sub) => {
    const placed = { layout: sub, dx: x, dy: HEADER_H };
    x += sub.width + INNER_GAP;
    return placed;
  });
  const innerWidth = x - INNER_GAP + INNER_PAD;
  const width = Math.max(nodeWidth(name), innerWidth);
  const shift = (width - innerWidth) / 2;
  branches.forEach((branch) => { branch.dx += shift; });
  return { id: name, width, height: HEADER_H + Math.max(...inner.map((sub) => sub.height)) + INNER_PAD, branches };
}

/**
 * A layered (Sugiyama-style) layout: ranks by longest path from the start over the forward edges,
 * dummy nodes on edges that span ranks, a few barycentre sweeps to untangle, each rank centred.
 * Parallel and Map states hold their inner state machines' layouts ({@code branches}).
 */
export function layout(definition, { nested = false } = {}) {
  const states = definition.States ?? {};
  const names = Object.keys(states);
  const nodes = new Map();
  nodes.set('__start', { id: '__start', terminal: true, width: 64, height: 28 });
  for (const name of names) nodes.set(name, containerNode(name, states[name]));
  const edges = [{ from: '__start', to: definition.StartAt, kind: 'next', label: '' }];
  for (const name of names) edges.push(...edgesOf(name, states[name]).filter((edge) => edge.to in states || edge.to === '__end'));
  if (edges.some((edge) => edge.to === '__end')) nodes.set('__end', { id: '__end', terminal: true, width: 64, height: 28 });

  // Depth-first from the start: an edge to a state on the current path goes back (a loop).
  const out = new Map([...nodes.keys()].map((id) => [id, []]));
  edges.forEach((edge) => out.get(edge.from)?.push(edge));
  const state = new Map();
  const order = [];
  const visit = (id) => {
    state.set(id, 'open');
    for (const edge of out.get(id) ?? []) {
      if (state.get(edge.to) === 'open') edge.back = true;
      else if (!state.has(edge.to)) visit(edge.to);
    }
    state.set(id, 'done');
    order.push(id);
  };
  visit('__start');
  for (const id of nodes.keys()) if (!state.has(id)) visit(id);
  const rank = new Map([...nodes.keys()].map((id) => [id, 0]));
  for (const id of order.reverse()) {
    for (const edge of out.get(id) ?? []) {
      if (!edge.back && edge.to !== id) rank.set(edge.to, Math.max(rank.get(edge.to), rank.get(id) + 1));
    }
  }
  if (nodes.has('__end')) rank.set('__end', Math.max(...rank.values()) + (edges.some((e) => e.to === '__end' && rank.get(e.from) === Math.max(...rank.values())) ? 1 : 0));
  for (const edge of edges) {
    if (!edge.back && edge.to !== edge.from && rank.get(edge.to) <= rank.get(edge.from)) edge.back = true;
  }

  // Dummy nodes along forward edges longer than one rank.
  const layers = [];
  const place = (id) => (layers[rank.get(id)] ??= []).push(id);
  order.reverse().forEach(place); // discovery-ish order as the first guess
  for (const edge of edges) {
    edge.points = [edge.from];
    if (edge.back || edge.from === edge.to) continue;
    for (let r = rank.get(edge.from) + 1; r < rank.get(edge.to); r++) {
      const id = `__dummy${nodes.size}`;
      nodes.set(id, { id, dummy: true, width: DUMMY_W, height: 0 });
      rank.set(id, r);
      place(id);
      edge.points.push(id);
    }
    edge.points.push(edge.to);
  }
  for (let r = 0; r < layers.length; r++) layers[r] ??= [];

  // Neighbours in the adjacent ranks, for the barycentre sweeps.
  const up = new Map([...nodes.keys()].map((id) => [id, []]));
  const down = new Map([...nodes.keys()].map((id) => [id, []]));
  for (const edge of edges) {
    for (let i = 1; i < edge.points.length; i++) {
      down.get(edge.points[i - 1]).push(edge.points[i]);
      up.get(edge.points[i]).push(edge.points[i - 1]);
    }
  }
  const position = new Map();
  const index = () => layers.forEach((layer) => layer.forEach((id, i) => position.set(id, i)));
  index();
  for (let sweep = 0; sweep < 8; sweep++) {
    const downward = sweep % 2 === 0;
    const ranks = downward ? [...layers.keys()].slice(1) : [...layers.keys()].reverse().slice(1);
    for (const r of ranks) {
      const neighbours = downward ? up : down;
      const centre = new Map(layers[r].map((id) => {
        const around = neighbours.get(id);
        return [id, around.length ? around.reduce((sum, n) => sum + position.get(n), 0) / around.length : position.get(id)];
      }));
      layers[r].sort((a, b) => centre.get(a) - centre.get(b));
      layers[r].forEach((id, i) => position.set(id, i));
    }
  }

  const rowWidth = (layer) => layer.reduce((sum, id) => sum + nodes.get(id).width, 0) + NODE_GAP * Math.max(0, layer.length - 1);
  // Room on the right for loops drawn around the side; a nested layout keeps its margins small.
  const margin = nested ? 10 : BACK_EDGE_MARGIN;
  const loopRoom = nested ? (edges.some((edge) => edge.back || edge.from === edge.to) ? 50 : 0) : 60;
  const width = Math.max(...layers.map(rowWidth), nested ? 80 : 200) + 2 * margin + loopRoom;
  const top = nested ? 8 : 28;
  let y = top;
  const gap = nested ? RANK_GAP * 0.7 : RANK_GAP;
  layers.forEach((layer) => {
    const rankHeight = Math.max(NODE_H, ...layer.map((id) => nodes.get(id).height));
    let x = (width - loopRoom - rowWidth(layer)) / 2;
    for (const id of layer) {
      const node = nodes.get(id);
      node.x = x + node.width / 2;
      node.y = y + rankHeight / 2;
      x += node.width + NODE_GAP;
    }
    y += rankHeight + gap;
  });
  const height = y - gap + top;
  return { nodes, edges, width, height };
}

/** Where each edge leaves and enters its nodes: spread along the bottom and top, ordered by direction. */
function assignPorts(edges, nodes) {
  const outgoing = new Map();
  const incoming = new Map();
  for (const edge of edges) {
    if (edge.back || edge.from === edge.to) continue;
    (outgoing.get(edge.from) ?? outgoing.set(edge.from, []).get(edge.from)).push(edge);
    (incoming.get(edge.to) ?? incoming.set(edge.to, []).get(edge.to)).push(edge);
  }
  const spread = (node, list, pick, set) => {
    list.sort((a, b) => nodes.get(pick(a)).x - nodes.get(pick(b)).x);
    const step = node.terminal ? 0 : Math.min(26, (node.width - 24) / Math.max(1, list.length));
    list.forEach((edge, i) => set(edge, (i - (list.length - 1) / 2) * step));
  };
  for (const [id, list] of outgoing) spread(nodes.get(id), list, (edge) => edge.points[1], (edge, dx) => { edge.outDx = dx; });
  for (const [id, list] of incoming) spread(nodes.get(id), list, (edge) => edge.points.at(-2), (edge, dx) => { edge.inDx = dx; });
}

function edgePath(edge, nodes) {
  const from = nodes.get(edge.from);
  const to = nodes.get(edge.to);
  const half = (node) => (node.terminal ? 14 : node.dummy ? 0 : node.height / 2);
  if (edge.back || edge.from === edge.to) {
    const side = Math.max(from.x + from.width / 2, to.x + to.width / 2) + 40;
    const sx = from.x + from.width / 2;
    const tx = to.x + to.width / 2;
    return { d: `M${sx},${from.y} C${side},${from.y} ${side},${to.y} ${tx + 6},${to.y}`, lx: side - 4, ly: (from.y + to.y) / 2 };
  }
  const points = edge.points.map((id, i) => {
    const node = nodes.get(id);
    if (i === 0) return { x: node.x + (edge.outDx ?? 0), y: node.y + half(node) };
    if (i === edge.points.length - 1) return { x: node.x + (edge.inDx ?? 0), y: node.y - half(node) - 2 };
    return { x: node.x, y: node.y };
  });
  let d = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1];
    const q = points[i];
    const my = (p.y + q.y) / 2;
    d += ` C${p.x},${my} ${q.x},${my} ${q.x},${q.y}`;
  }
  // The label sits where the edge has room of its own: on a dummy node's slot when the edge spans
  // ranks, else halfway along its only segment.
  const middle = points.length > 2 ? points[Math.floor((points.length - 1) / 2)] : null;
  if (middle) return { d, lx: middle.x + 2, ly: middle.y + 4 };
  return { d, lx: (points[0].x + points[1].x) / 2 + 2, ly: (points[0].y + points[1].y) / 2 + 4 };
}

function renderGraph(run, outcomes, ids) {
  const lay = layout(run.definition);
  const visits = run.visits ?? [];
  const taken = new Set();
  if (visits.length) taken.add(`__start>${visits[0].name}|next`);
  visits.forEach((visit, i) => {
    const next = visits[i + 1];
    if (next) taken.add(`${visit.name}>${next.name}|${visit.status === 'caught' ? 'catch' : 'other'}`);
    else if (visit.status === 'succeeded' && run.status === 'SUCCEEDED') taken.add(`${visit.name}>__end|other`);
  });
  const top = {
    visitsOf: (name) => visits.filter((visit) => visit.name === name),
    outcomeOf: (name) => outcomes.get(name),
    isTaken: (edge) => taken.has(`${edge.from}>${edge.to}|${edge.kind === 'catch' ? 'catch' : 'other'}`)
      || (edge.from === '__start' && taken.has(`__start>${edge.to}|next`)),
    link: (name) => ids.get(name),
    parent: null,
  };
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="img" aria-label="State machine graph" width="${lay.width}" height="${lay.height}" viewBox="0 0 ${lay.width} ${lay.height}">`);
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker>'
    + '<marker id="arrow-taken" viewBox="0 0 10 10" refX="8" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#111827"/></marker></defs>');
  drawLayout(lay, run.definition, top, parts);
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * The states inside a Parallel or Map state, as the run saw them: every visit of a state nested in
 * {@code container}'s visits (at any depth), each state's outcome over all its iterations, and an
 * edge taken when the run went through both of its ends.
 */
function innerContext(container, outer) {
  const descendants = (visit) => (visit.children ?? []).flatMap((child) => [child, ...descendants(child)]);
  const visits = outer.visitsOf(container).flatMap(descendants);
  const outcomeOfInner = (name) => outcomeOf(name, visits);
  const reached = (name) => name === '__start' || outcomeOfInner(name) !== 'not-reached';
  return {
    visitsOf: (name) => visits.filter((visit) => visit.name === name),
    outcomeOf: outcomeOfInner,
    isTaken: (edge) => reached(edge.from) && (edge.kind === 'catch'
      ? ['caught'].includes(outcomeOfInner(edge.from)) && reached(edge.to)
      : edge.to === '__end' ? outcomeOfInner(edge.from) === 'succeeded' : reached(edge.to)),
    link: outer.link(container) ? () => outer.link(container) : outer.link,
    parent: container,
  };
}

/** Draws a layout's edges, then its states (a Parallel or Map state with its inner layouts inside). */
function drawLayout(lay, definition, context, parts) {
  const { nodes, edges } = lay;
  assignPorts(edges, nodes);
  const labels = [];
  for (const edge of edges) {
    const path = edgePath(edge, nodes);
    const on = context.isTaken(edge);
    if (edge.label) labels.push(`<text x="${path.lx + 4}" y="${path.ly}" class="edge-label">${esc(edge.label)}</text>`);
    parts.push(`<g class="edge ${esc(edge.kind)}${on ? ' taken' : ''}"><path d="${path.d}" marker-end="url(#${on ? 'arrow-taken' : 'arrow'})"/>`
      + `<title>${esc(`${edge.from === '__start' ? 'Start' : edge.from} → ${edge.to === '__end' ? 'End' : edge.to}${edge.errors ? ` on ${edge.errors.join(', ')}` : edge.label ? ` (${edge.label})` : ''}`)}</title></g>`);
  }
  for (const node of nodes.values()) {
    if (node.dummy) continue;
    if (node.terminal) {
      const label = node.id === '__start' ? 'Start' : 'End';
      parts.push(`<g class="terminal"><circle cx="${node.x}" cy="${node.y}" r="14"/><text x="${node.x}" y="${node.y + 4}" text-anchor="middle">${label}</text></g>`);
      continue;
    }
    const state = definition.States[node.id];
    const outcome = context.outcomeOf(node.id);
    const colours = OUTCOMES[outcome];
    const stateVisits = context.visitsOf(node.id);
    const duration = stateVisits.reduce((sum, visit) => sum + (visit.exitedAt - visit.enteredAt || 0), 0);
    const maxChars = Math.floor((Math.min(node.width, 260) - 20) / 7.6);
    const shown = node.id.length > maxChars ? `${node.id.slice(0, maxChars - 1)}…` : node.id;
    const detail = outcome === 'not-reached' ? `${state.Type} · not reached`
      : `${state.Type} · ${seconds(duration)}${stateVisits.length > 1 ? ` · ×${stateVisits.length}` : ''}`;
    const x = node.x - node.width / 2;
    const y = node.y - node.height / 2;
    const parent = context.parent === null ? '' : ` data-parent="${esc(context.parent)}"`;
    const textY = node.branches ? y + 17 : node.y - 3;
    parts.push(`<a href="#${context.link(node.id)}" class="node-link"><g class="state-node ${outcome}" data-state="${esc(node.id)}" data-outcome="${outcome}"${parent}>`
      + `<title>${esc(`${node.id} (${state.Type}${context.parent === null ? '' : ` in ${context.parent}`}): ${colours.label}`)}</title>`
      + `<rect x="${x}" y="${y}" width="${node.width}" height="${node.height}" rx="${state.Type === 'Choice' ? 18 : 7}" fill="${colours.fill}" stroke="${colours.stroke}"/>`
      + `<text x="${node.x}" y="${textY}" text-anchor="middle" class="node-name">${esc(shown)}</text>`
      + `<text x="${node.x}" y="${textY + 16}" text-anchor="middle" class="node-detail">${esc(detail)}</text></g></a>`);
    if (node.branches) {
      const inner = innerContext(node.id, context);
      const machines = innerMachines(state);
      node.branches.forEach((branch, i) => {
        const bx = x + branch.dx;
        const by = y + branch.dy;
        parts.push(`<g class="branch" transform="translate(${bx},${by})"><rect class="branch-box" x="0" y="0" width="${branch.layout.width}" height="${branch.layout.height}" rx="6"/>`
          + `<title>${esc(state.Type === 'Map' ? `${node.id}: each item` : `${node.id}: branch ${i + 1} of ${machines.length}`)}</title>`);
        drawLayout(branch.layout, machines[i], inner, parts);
        parts.push('</g>');
      });
    }
  }
  parts.push(`<g class="edge-labels">${labels.join('')}</g>`);
}

// ------------------------------------------------------------------------------------------- page

function outcomeOf(name, visits) {
  const mine = visits.filter((visit) => visit.name === name);
  if (!mine.length) return 'not-reached';
  if (mine.some((visit) => visit.status === 'failed')) return 'failed';
  if (mine.some((visit) => visit.status === 'stopped')) return 'stopped';
  if (mine.some((visit) => visit.status === 'caught')) return 'caught';
  return 'succeeded';
}

function block(title, value, { open = true, cls = '' } = {}) {
  if (value === undefined) return '';
  return `<details class="block ${cls}"${open ? ' open' : ''}><summary>${esc(title)}</summary><pre>${esc(pretty(value))}</pre></details>`;
}

function stepData(attempt) {
  if (!attempt) return null;
  if (attempt.result?.data) return attempt.result.data;
  const message = attempt.errorPayload?.errorMessage;
  if (typeof message === 'string' && message.includes('{')) {
    try {
      return JSON.parse(message.slice(message.indexOf('{'))).data ?? null;
    } catch {
      return null;
    }
  }
  return null;
}

function renderAttempt(attempt, i, count) {
  const parts = [];
  const title = count > 1 ? `Attempt ${i + 1} of ${count}` : 'Lambda call';
  const data = stepData(attempt);
  parts.push(`<div class="attempt"><h4>${esc(title)} <span class="muted">${esc(attempt.functionName)} · ${esc(seconds(attempt.finishedAt - attempt.startedAt))}</span></h4>`);
  if (data) {
    parts.push('<table class="vars"><caption>Context variables</caption><tbody>');
    for (const key of CONTEXT_VARIABLES) {
      if (key in data) parts.push(`<tr><th>data.${esc(key)}</th><td><code>${esc(data[key] === null ? 'null' : typeof data[key] === 'string' ? data[key] : JSON.stringify(data[key]))}</code></td></tr>`);
    }
    parts.push('</tbody></table>');
    if (data.invokeExecutionLog !== undefined) {
      parts.push(`<details class="block log" open><summary>Execution log (the function's)</summary><pre>${esc(data.invokeExecutionLog ?? '')}</pre></details>`);
    }
    if (data.invokeResponsePayload !== undefined) parts.push(block('data.invokeResponsePayload', data.invokeResponsePayload));
  }
  if (attempt.phases?.length || attempt.finished) {
    // An invoke step logs only its "step finished" line: its one phase is the step.
    parts.push('<table class="phases"><caption>What the step runner did</caption><thead><tr><th>Phase</th><th>Duration</th><th>Succeeded</th></tr></thead><tbody>');
    for (const phase of attempt.phases ?? []) {
      parts.push(`<tr><td>${esc(phase.phase)}</td><td>${esc(phase.durationMs)} ms</td><td>${phase.succeeded ? 'yes' : 'no'}</td></tr>`);
    }
    if (attempt.finished) parts.push(`<tr><td>step ${esc(attempt.finished.outcome)}</td><td>${esc(attempt.finished.durationMs)} ms</td><td>${attempt.finished.functionError ? `function error: ${esc(attempt.finished.functionError)}` : ''}</td></tr>`);
    parts.push('</tbody></table>');
  }
  if (attempt.errorPayload) parts.push(block('Error returned by the function', attempt.errorPayload, { cls: 'error' }));
  if (attempt.sdkError) parts.push(block('Lambda call failed', `${attempt.sdkError.name}: ${attempt.sdkError.message}`, { cls: 'error' }));
  parts.push(block('Request (the task input after Parameters)', attempt.request, { open: false }));
  if (attempt.result !== undefined && !data) parts.push(block('Result', attempt.result));
  if (attempt.runnerLog) parts.push(block(`Log tail (4 KB) of ${attempt.functionName?.split(':').slice(6).join(':') || 'the function'}`, attempt.runnerLog, { open: false, cls: 'log' }));
  parts.push('</div>');
  return parts.join('\n');
}

function renderVisit(visit, i, count, run) {
  const parts = [];
  const outcome = visit.status === 'succeeded' ? 'succeeded' : visit.status;
  if (count > 1) parts.push(`<h3 class="visit">Visit ${i + 1} of ${count}</h3>`);
  parts.push('<dl class="facts">');
  parts.push(`<dt>Outcome</dt><dd><span class="badge ${esc(outcome)}">${esc(OUTCOMES[outcome]?.label ?? outcome)}</span></dd>`);
  parts.push(`<dt>Started</dt><dd>+${esc(seconds(visit.enteredAt - (run.executionStartedAt ?? run.startedAt)))} into the execution</dd><dt>Duration</dt><dd>${esc(seconds(visit.exitedAt - visit.enteredAt))}</dd>`);
  if (visit.next) parts.push(`<dt>Next</dt><dd>${esc(visit.next)}</dd>`);
  if (visit.caughtBy) parts.push(`<dt>Caught by</dt><dd>${esc((visit.caughtBy.ErrorEquals ?? []).join(', '))} → ${esc(visit.caughtBy.Next)}</dd>`);
  parts.push('</dl>');
  if (visit.error) {
    parts.push(`<div class="error-box"><strong>${esc(visit.error)}</strong><pre>${esc(pretty(withoutName(visit.error, visit.cause)))}</pre></div>`);
  }
  if (visit.retries.length) {
    parts.push('<ul class="retries">');
    for (const retry of visit.retries) {
      parts.push(`<li>Attempt ${esc(retry.attempt)} failed at +${esc(seconds(retry.at - (run.executionStartedAt ?? run.startedAt)))}: <strong>${esc(retry.error)}</strong> ${esc(retry.cause)}; retried</li>`);
    }
    parts.push('</ul>');
  }
  visit.attempts.forEach((attempt, n) => parts.push(renderAttempt(attempt, n, visit.attempts.length)));
  if (visit.children?.length) {
    parts.push('<table class="inner"><caption>Inner states</caption><thead><tr><th>State</th><th>Iteration</th><th>Outcome</th><th>Duration</th><th>Error</th></tr></thead><tbody>');
    for (const child of visit.children) {
      parts.push(`<tr><td>${esc(child.name)}</td><td>${esc(child.index ?? '')}</td><td><span class="badge ${esc(child.status)}">${esc(child.status ?? 'running')}</span></td>`
        + `<td>${esc(seconds(child.exitedAt - child.enteredAt))}</td><td>${esc(child.error ? `${child.error}: ${child.cause}` : '')}</td></tr>`);
    }
    parts.push('</tbody></table>');
  }
  parts.push('<div class="io">');
  parts.push(block('Input', visit.input));
  parts.push(visit.output === undefined ? '<details class="block" open><summary>Output</summary><pre class="muted">(none)</pre></details>' : block('Output', visit.output));
  parts.push('</div>');
  return parts.join('\n');
}

function renderTimeline(run) {
  const start = run.executionStartedAt ?? run.startedAt;
  const end = Math.max(start + 1, ...(run.visits ?? []).map((visit) => visit.exitedAt ?? start));
  const total = end - start;
  const rows = (run.visits ?? []).map((visit) => {
    const left = ((visit.enteredAt - start) / total) * 100;
    const width = Math.max(0.4, ((visit.exitedAt - visit.enteredAt) / total) * 100);
    return `<div class="tl-row"><span class="tl-name">${esc(visit.name)}</span><span class="tl-track"><span class="tl-bar ${esc(visit.status)}" style="left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%"></span></span><span class="tl-time">${esc(seconds(visit.exitedAt - visit.enteredAt))}</span></div>`;
  });
  return rows.join('\n');
}

const CSS = `
:root { color-scheme: light; --ok:#1f8a4c; --bad:#c62828; --warn:#c27a00; --muted:#6b7280; --line:#e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #111827; background: #f9fafb; }
header { background: #111827; color: #f9fafb; padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 20px; font-weight: 600; word-break: break-all; }
header .meta { color: #d1d5db; font-size: 13px; }
header .meta span { margin-right: 18px; }
main { display: grid; grid-template-columns: minmax(320px, max-content) minmax(0, 1fr); gap: 20px; padding: 20px 24px; align-items: start; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.panel h2 { font-size: 15px; margin: 0 0 10px; }
.graph-panel { position: sticky; top: 12px; max-height: calc(100vh - 24px); overflow: auto; }
.graph { display: block; font-size: 12px; }
.graph .state-node rect { stroke-width: 1.6; }
.graph .state-node.failed rect { stroke-width: 2.6; }
.graph .node-name { font-weight: 600; fill: #111827; }
.graph .node-detail { fill: #4b5563; font-size: 11px; }
.graph .node-link:hover rect { filter: brightness(0.95); stroke-width: 2.6; }
.graph .edge path { fill: none; stroke: #9ca3af; stroke-width: 1.3; }
.graph .edge.catch path { stroke-dasharray: 5 4; }
.graph .edge.taken path { stroke: #111827; stroke-width: 2.2; }
.graph .edge-label { fill: #6b7280; font-size: 10.5px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.graph .terminal circle { fill: #374151; }
.graph .branch-box { fill: #ffffff; fill-opacity: 0.75; stroke: #9ca3af; stroke-dasharray: 3 3; }
.graph .terminal text { fill: #fff; font-size: 9.5px; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 8px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px; margin-right: 4px; border: 1.5px solid; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid; }
.badge.succeeded, .status.SUCCEEDED { background: #dcf5e3; color: #14532d; border-color: var(--ok); }
.badge.failed, .status.FAILED, .status.TIMED_OUT { background: #fde2e1; color: #7f1d1d; border-color: var(--bad); }
.badge.caught { background: #fff0d6; color: #7c4a00; border-color: var(--warn); }
.badge.stopped, .status.ABORTED { background: #ece6f6; color: #3b2a5c; border-color: #6a4c9c; }
.badge.not-reached { background: #f3f4f6; color: #4b5563; border-color: #9ca3af; }
.status { font-size: 13px; padding: 2px 10px; border-radius: 999px; border: 1px solid; font-weight: 700; margin-left: 8px; vertical-align: 3px; }
.details { display: flex; flex-direction: column; gap: 16px; min-width: 0; }
section.state { background: #fff; border: 1px solid var(--line); border-left: 5px solid #9ca3af; border-radius: 8px; padding: 12px 16px; scroll-margin-top: 12px; }
section.state.succeeded { border-left-color: var(--ok); }
section.state.failed { border-left-color: var(--bad); }
section.state.caught { border-left-color: var(--warn); }
section.state.stopped { border-left-color: #6a4c9c; }
section.state:target { outline: 3px solid #2563eb; outline-offset: 2px; }
section.state h2 { margin: 0 0 6px; font-size: 16px; word-break: break-all; }
section.state h2 .type { color: var(--muted); font-weight: 400; font-size: 13px; margin-left: 6px; }
section.state .comment { color: var(--muted); margin: 0 0 8px; }
h3.visit { font-size: 14px; margin: 14px 0 4px; border-top: 1px solid var(--line); padding-top: 10px; }
h4 { margin: 10px 0 6px; font-size: 13px; }
.muted { color: var(--muted); font-weight: 400; }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 2px 12px; margin: 4px 0 8px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
pre { margin: 0; padding: 8px 10px; background: #f3f4f6; border-radius: 6px; overflow: auto; max-height: 320px; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; white-space: pre-wrap; word-break: break-word; }
.log pre { background: #0f172a; color: #e2e8f0; }
details.block { margin: 6px 0; }
details.block > summary { cursor: pointer; color: #374151; font-weight: 600; font-size: 12.5px; margin-bottom: 4px; }
details.block.error > summary { color: var(--bad); }
.io { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.io details.block { min-width: 0; }
table { border-collapse: collapse; margin: 6px 0; font-size: 12.5px; }
table caption { text-align: left; font-weight: 600; font-size: 12.5px; color: #374151; padding-bottom: 4px; }
table th, table td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
table.vars th { font-weight: 500; color: #374151; background: #f9fafb; white-space: nowrap; }
table.vars td code { word-break: break-all; }
.error-box { background: #fef2f2; border: 1px solid #fecaca; border-radius: 6px; padding: 8px 10px; margin: 6px 0; }
.error-box strong { color: var(--bad); }
.error-box pre { background: transparent; padding: 4px 0 0; }
ul.retries { margin: 4px 0; padding-left: 18px; color: #7c4a00; }
.tl-row { display: grid; grid-template-columns: 160px 1fr 64px; gap: 8px; align-items: center; font-size: 12px; margin: 2px 0; }
.tl-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tl-track { position: relative; height: 12px; background: #f3f4f6; border-radius: 3px; }
.tl-bar { position: absolute; top: 0; bottom: 0; border-radius: 3px; background: var(--ok); }
.tl-bar.failed { background: var(--bad); } .tl-bar.caught { background: var(--warn); } .tl-bar.stopped { background: #6a4c9c; }
.tl-time { text-align: right; color: var(--muted); }
.outcome-box.FAILED, .outcome-box.ABORTED, .outcome-box.TIMED_OUT { border-left: 5px solid var(--bad); }
.outcome-box.SUCCEEDED { border-left: 5px solid var(--ok); }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } .graph-panel { position: static; max-height: none; } .io { grid-template-columns: 1fr; } }
`;

/** What each of run.timings measured, in the order they happen. */
const TIMINGS = {
  validate: 'asl-validator on the definition (while the service starts)',
  serviceStart: 'starting the local Lambda service (serve: its JVM, the HTTP server, an SDK client, the alias)',
  deployFunctions: "deploying the template's functions (while the step runner deploys)",
  runnerDeploy: 'deploying the step runner: packing the jar and CreateFunction (with Publish)',
  runnerColdStart: "the step runner's cold start: its first environment starting while the function was Pending (on AWS the first step carries it)",
  execution: 'the execution (aws-local-stepfunctions, from run to result)',
  serviceStop: 'stopping the service',
  total: 'the whole run until the report',
  report: 'writing this report',
};

/** The report page for one run (see run-workflow.mjs for the shape of {@code run}). */
export function renderReport(run) {
  const states = run.definition?.States ?? {};
  const visits = run.visits ?? [];
  const names = Object.keys(states);
  const ids = new Map(names.map((name, i) => [name, `state-${i}`]));
  const outcomes = new Map(names.map((name) => [name, outcomeOf(name, visits)]));
  const duration = (run.finishedAt ?? Date.now()) - run.startedAt;
  const executionTime = run.timings?.execution ?? duration;
  const reachedOrder = [...new Set(visits.map((visit) => visit.name))].filter((name) => name in states);
  const cardsOrder = [...reachedOrder, ...names.filter((name) => !reachedOrder.includes(name))];
  const counts = {};
  for (const outcome of outcomes.values()) counts[outcome] = (counts[outcome] ?? 0) + 1;

  const html = [];
  html.push('<!DOCTYPE html>');
  html.push('<html lang="en"><head><meta charset="utf-8">');
  html.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; base-uri 'none'; form-action 'none'">`);
  html.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  html.push(`<title>${esc(run.status)} · ${esc(run.executionName)} · ${esc(run.machineName)}</title>`);
  html.push(`<style>${CSS}</style></head>`);
  html.push(`<body data-status="${esc(run.status)}">`);
  html.push(`<header><h1>${esc(run.executionName)}<span class="status ${esc(run.status)}">${esc(run.status)}</span></h1><div class="meta">`
    + `<span>State machine <b>${esc(run.machineName)}</b> (${esc(run.definitionFile)})</span>`
    + `<span>Input ${esc(run.inputFile ?? '{}')}</span>`
    + `<span>Started ${esc(new Date(run.startedAt).toISOString())}</span>`
    + `<span>Execution ${esc(seconds(executionTime))}${run.timings?.serviceStart !== undefined ? ` (run ${esc(seconds(duration))}, with ${esc(seconds(run.timings.serviceStart + (run.timings.runnerDeploy ?? 0)))} to start the local Lambda service and deploy the step runner, and ${esc(seconds(run.timings.runnerColdStart ?? 0))} for the runner's cold start)` : ''}</span>`
    + `<span>${esc(Object.entries(counts).map(([outcome, n]) => `${n} ${OUTCOMES[outcome].label}`).join(' · '))}</span></div></header>`);
  html.push('<main>');
  html.push('<div class="panel graph-panel"><h2>Workflow</h2>');
  html.push(renderGraph(run, outcomes, ids));
  html.push(`<div class="legend">${Object.entries(OUTCOMES).map(([key, c]) => `<span><i style="background:${c.fill};border-color:${c.stroke}"></i>${esc(c.label)}</span>`).join('')}<span>── path taken · ┄ catch</span></div>`);
  html.push('</div>');
  html.push('<div class="details">');

  html.push(`<div class="panel outcome-box ${esc(run.status)}"><h2>${run.status === 'SUCCEEDED' ? 'Execution output' : `Execution ${esc(run.status.toLowerCase().replace('_', ' '))}`}</h2>`);
  if (run.status === 'SUCCEEDED') html.push(`<pre class="execution-output">${esc(pretty(run.output))}</pre>`);
  else html.push(`<div class="error-box"><strong>${esc(run.error)}</strong><pre>${esc(pretty(withoutName(run.error, run.cause)))}</pre></div>`);
  html.push(block('Execution input', run.input, { open: false }));
  html.push('</div>');

  html.push(`<div class="panel"><h2>Timeline</h2>${renderTimeline(run) || '<p class="muted">No state ran.</p>'}</div>`);

  for (const name of cardsOrder) {
    const state = states[name];
    const outcome = outcomes.get(name);
    const mine = visits.filter((visit) => visit.name === name);
    html.push(`<section class="state ${outcome}" id="${ids.get(name)}" data-state="${esc(name)}">`);
    html.push(`<h2>${esc(name)}<span class="type">${esc(state.Type)}</span> <span class="badge ${outcome}">${esc(OUTCOMES[outcome].label)}</span></h2>`);
    if (state.Comment) html.push(`<p class="comment">${esc(state.Comment)}</p>`);
    if (!mine.length) html.push('<p class="muted">Not reached in this execution.</p>');
    mine.forEach((visit, i) => html.push(renderVisit(visit, i, mine.length, run)));
    html.push(block('Definition', state, { open: false }));
    html.push('</section>');
  }

  const timings = Object.entries(run.timings ?? {})
    .sort(([a], [b]) => Object.keys(TIMINGS).indexOf(a) - Object.keys(TIMINGS).indexOf(b))
    .map(([key, ms]) => `<tr><th>${esc(TIMINGS[key] ?? key)}</th><td>${esc(seconds(ms))}</td></tr>`).join('');
  const substitutions = Object.entries(run.substitutions ?? {}).map(([key, value]) => `<tr><th>\${${esc(key)}}</th><td><code>${esc(value)}</code></td></tr>`).join('');
  html.push('<div class="panel"><h2>Run</h2>');
  if (substitutions) html.push(`<table class="vars"><caption>Definition substitutions</caption><tbody>${substitutions}</tbody></table>`);
  if (timings) html.push(`<table class="vars"><caption>Where the time went</caption><tbody>${timings}</tbody></table>`);
  html.push(block('Local Lambda service log', (run.serviceLog ?? []).join('\n'), { open: false, cls: 'log' }));
  html.push(block('State machine definition', run.definition, { open: false }));
  html.push('</div>');
  html.push('</div></main></body></html>');
  return `${html.join('\n')}\n`;
}
