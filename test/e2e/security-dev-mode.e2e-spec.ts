// SPEC §7: development mode binds 127.0.0.1 unless HOST is set, and shows or prints only the
// secrets it generated itself: a configured INTERNAL_SECRET, AUTH_TOKEN or SECRET_KEY never
// appears in the banner, the demo page or a log. GET /demo/token answers local callers only and
// issues no admin role.
import { networkInterfaces } from 'node:os';
import jwt from 'jsonwebtoken';
import { eventually } from '../support/eventually.js';
import { assertBuilt, type Gateway, httpStatus, killAllGateways, spawnGateway, untilLive } from '../support/node-process.js';
import { freePort } from '../support/redis-server.js';

afterAll(() => killAllGateways());

/** A non-loopback IPv4 address of this machine: the address a neighbour on the network would use. */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    const v4 = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address: the binding tests need one');
}

async function devGateway(env: Record<string, string> = {}): Promise<Gateway> {
  assertBuilt();
  const gw = await spawnGateway({ PORT: String(await freePort()), ...env });
  await untilLive(gw);
  await eventually('the dev banner', async () => gw.stdout(), (out) => /curl .*\n/.test(out), { timeoutMs: 40_000 });
  return gw;
}

describe('development mode binding', () => {
  it('listens on 127.0.0.1 only when HOST is not set', async () => {
    const gw = await devGateway();
    expect(await httpStatus(`http://127.0.0.1:${gw.port}`, '/health/live')).toBe(200);
    expect(await httpStatus(`http://${lanAddress()}:${gw.port}`, '/health/live')).toBe('refused');
  });

  it('listens where HOST says when it is set', async () => {
    const gw = await devGateway({ HOST: '0.0.0.0' });
    expect(await httpStatus(`http://${lanAddress()}:${gw.port}`, '/health/live')).toBe(200);
  });
});

describe.each([
  ['INTERNAL_SECRET', 'configured-internal-secret-5f1c'],
  ['AUTH_TOKEN', 'configured-auth-token-8d2e'],
  ['SECRET_KEY', 'configured-secret-key-0b7a'],
])('development mode with %s configured', (variable, value) => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await devGateway({ [variable]: value, LOG_LEVEL: 'debug' });
  });

  it('never shows it: not in the banner, the demo page, the dev token answer or a log line', async () => {
    const page = await (await fetch(`${gw.url}/demo`)).text();
    const token = await (await fetch(`${gw.url}/demo/token`)).text();
    expect(page).toContain('$INTERNAL_SECRET');
    for (const [where, text] of [
      ['stdout', gw.stdout()],
      ['stderr', gw.stderr()],
      ['/demo', page],
      ['/demo/token', token],
    ]) {
      expect({ where, shows: text.includes(value) }).toEqual({ where, shows: false });
    }
    // The banner says where the secret comes from instead.
    expect(gw.stdout()).toContain('$INTERNAL_SECRET');
  });

  it('the configured secret still opens the internal API', async () => {
    const res = await fetch(`${gw.url}/internal/presence?userIds=dev-user`, { headers: { Authorization: `Bearer ${value}` } });
    expect(res.status).toBe(200);
  });
});

describe('GET /demo/token', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await devGateway({ HOST: '0.0.0.0' });
  });

  it('gives a local caller a dev-user token without the admin role', async () => {
    const res = await fetch(`http://127.0.0.1:${gw.port}/demo/token`);
    expect(res.status).toBe(200);
    const claims = jwt.decode(((await res.json()) as { token: string }).token) as { sub: string; roles?: string[] };
    expect(claims.sub).toBe('dev-user');
    expect(claims.roles ?? []).not.toContain('admin');
  });

  it('refuses a caller from another machine, whatever X-Forwarded-For says; its /demo page asks for a token', async () => {
    const lan = `http://${lanAddress()}:${gw.port}`;
    const res = await fetch(`${lan}/demo/token`, { headers: { 'X-Forwarded-For': '127.0.0.1' } });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toMatch(/eyJ/);
    const page = await (await fetch(`${lan}/demo`)).text();
    expect(page).toContain('"devToken":false');
  });
});
