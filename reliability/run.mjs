// npm run reliability — faults against real processes, with figures and a verdict per scenario
// (docs/reliability.md). Gateway nodes are `node dist/main.js` (build first: `npm run build`,
// which `npm run reliability` does), Redis a private redis-server, HAProxy in front when it is
// installed; everything on 127.0.0.1 and free ports, every load bounded.
//
//   npm run reliability                              # every scenario, 500 clients
//   npm run reliability -- drain --clients 500       # one scenario
//   npm run reliability -- storm overload --clients 5000 --workers 4
//
// Options: --clients N [500] (clients of the fleet scenarios), --rate R [1] (numbered messages a
// second to everybody in kill and drain: each client receives R a second, the load of the issue's
// fault runs; docs/reliability.md has the drain at 5), --cycles C [100000] (churn),
// --workers W [2] (client processes),
// --client plain|typed|mixed [mixed] (socket.io-client, the typed client, or half each),
// --quick (short delays and phases: the smoke test), --out FILE (the figures as JSON),
// --env NAME=VALUE (repeatable: a setting for every gateway node, e.g. --env INTAKE_MAX_IN_FLIGHT=2000).
// Exit 0 when every check of every scenario passed, 1 otherwise, 2 when a scenario could not run.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MAIN, cleanup, stopAll } from './processes.mjs';
import { SCENARIOS, overrideNodeEnv } from './scenarios.mjs';
import { existsSync } from 'node:fs';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '500' },
    rate: { type: 'string', default: '1' },
    cycles: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '2' },
    client: { type: 'string', default: 'mixed' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});

const say = (line = '') => process.stdout.write(`${line}\n`);
const fail = (message) => {
  process.stderr.write(`reliability: ${message}\n`);
  process.exit(2);
};

if (opts.help) {
  say('npm run reliability -- [scenario ...] [--clients N] [--rate R] [--cycles C] [--workers W] [--client plain|typed|mixed] [--quick] [--out FILE] [--env NAME=VALUE ...]');
  for (const [name, s] of Object.entries(SCENARIOS)) say(`  ${name.padEnd(14)} ${s.what}`);
  process.exit(0);
}

const int = (name, min, max) => {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer in ${min}..${max}`);
  return n;
};
const names = positionals.length > 0 ? positionals : Object.keys(SCENARIOS);
for (const name of names) if (!SCENARIOS[name]) fail(`unknown scenario "${name}" (${Object.keys(SCENARIOS).join(', ')})`);
if (!['plain', 'typed', 'mixed'].includes(opts.client)) fail('--client must be plain, typed or mixed');
if (!existsSync(MAIN)) fail(`${MAIN} is missing: run npm run build`);

const nodeEnv = {};
for (const pair of opts.env) {
  const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
  if (!match) fail(`--env takes NAME=VALUE, got "${pair}"`);
  nodeEnv[match[1]] = match[2];
}

overrideNodeEnv(nodeEnv);
const settings = {
  nodeEnv,
  clients: int('clients', 2, 50_000),
  rate: int('rate', 1, 1000),
  cycles: int('cycles', 100, 10_000_000),
  workers: int('workers', 1, 16),
  clientKind: opts.client,
  quick: opts.quick,
};

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopping = true;
    say(`\n${signal}: stopping every process the harness started`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Runs one scenario with its own cleanup list; resolves with its result. */
async function runScenario(name) {
  const owned = [];
  const own = (thing) => {
    const register = (t) => (owned.push(t), t);
    return thing && typeof thing.then === 'function' ? thing.then(register) : register(thing);
  };
  const started = Date.now();
  try {
    const result = await SCENARIOS[name].run({ ...settings, own });
    return { ...result, seconds: Math.round((Date.now() - started) / 100) / 10 };
  } catch (err) {
    return { error: err?.stack ?? String(err), figures: {}, checks: [], seconds: Math.round((Date.now() - started) / 100) / 10 };
  } finally {
    for (const t of owned.reverse()) await (t.close?.() ?? t.stop?.())?.catch?.(() => undefined);
    await stopAll();
  }
}

function print(name, result) {
  say(`== ${name}: ${SCENARIOS[name].what} (${result.seconds} s) ==`);
  if (result.skipped) return say(`  SKIPPED: ${result.skipped}\n`);
  if (result.error) return say(`  ERROR: ${result.error}\n`);
  for (const [k, v] of Object.entries(result.figures)) say(`  ${k}: ${JSON.stringify(v)}`);
  for (const note of result.notes ?? []) say(`  note: ${note}`);
  for (const c of result.checks) say(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  say(`  verdict: ${verdict(result)}\n`);
}

const verdict = (r) => (r.skipped ? 'SKIPPED' : r.error ? 'ERROR' : r.checks.every((c) => c.ok) ? 'PASS' : 'FAIL');

const extra = Object.entries(nodeEnv).map(([k, v]) => `${k}=${v}`).join(' ');
say(`reliability: ${names.join(', ')} · ${settings.clients} clients · ${settings.rate} msg/s · ${settings.workers} client workers${settings.quick ? ' · quick' : ''}${extra ? ` · ${extra}` : ''}\n`);
const results = {};
for (const name of names) {
  if (stopping) break;
  results[name] = await runScenario(name);
  print(name, results[name]);
}
say('summary:');
for (const [name, r] of Object.entries(results)) say(`  ${verdict(r).padEnd(8)} ${name}`);
if (opts.out) writeFileSync(opts.out, `${JSON.stringify({ at: new Date().toISOString(), settings, results }, null, 2)}\n`);
await cleanup();
const verdicts = Object.values(results).map(verdict);
process.exit(verdicts.includes('ERROR') ? 2 : verdicts.includes('FAIL') ? 1 : 0);
