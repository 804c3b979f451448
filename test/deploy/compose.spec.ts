// Pins the deployment topology: docker-compose.yml, the Dockerfile, the
// HAProxy config and .env.example. Nothing is started; the files are parsed.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target?: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: string | string[] };
  depends_on?: string[] | Record<string, { condition?: string }>;
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

const GATEWAYS = ['gateway-1', 'gateway-2'];

/** Compose accepts both `KEY: value` maps and `KEY=value` lists. */
function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value ?? '')]));
}

/** Resolves `${VAR:-default}` / `${VAR-default}` to their defaults and required `${VAR:?message}` to `required[VAR]`. */
function withDefaults(text: string, required: Record<string, string> = {}): string {
  return text
    .replace(/\$\{(\w+)(:?-)([^}]*)\}/g, (_match, _name: string, _op: string, fallback: string) => fallback)
    .replace(/\$\{(\w+):\?[^}]*\}/g, (_match, name: string) => required[name] ?? '');
}

/** Every `${VAR…}` reference in the file: the variable and how it is resolved. */
function references(text: string): Array<{ name: string; op: string }> {
  return [...text.matchAll(/\$\{(\w+)(:?[-?])?[^}]*\}/g)].map((m) => ({ name: m[1], op: m[2] ?? '' }));
}

/** `40s`, `1m30s`, `500ms` in seconds. */
function durationSeconds(value: string): number {
  let seconds = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) seconds += Number(amount) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
  return seconds;
}

function commandOf(service: ComposeService): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

function healthcheckOf(service: ComposeService): string {
  const test = service.healthcheck?.test ?? [];
  return Array.isArray(test) ? test.join(' ') : test;
}

function dependencyCondition(service: ComposeService, name: string): string | undefined {
  const deps = service.depends_on;
  if (!deps) return undefined;
  if (Array.isArray(deps)) return deps.includes(name) ? 'service_started' : undefined;
  return deps[name] ? (deps[name].condition ?? 'service_started') : undefined;
}

function volumeSources(service: ComposeService): string[] {
  return (service.volumes ?? []).map((volume) =>
    typeof volume === 'string' ? volume.split(':')[0] : (volume.source ?? ''),
  );
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as ComposeFile;
  const services = compose.services;

  it('has redis, two gateway nodes and a load balancer', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['redis', ...GATEWAYS, 'lb']));
  });

  it('runs Redis 7 with a password and a healthcheck', () => {
    const redis = services.redis;
    expect(redis.image).toMatch(/^redis:7/);
    const command = commandOf(redis);
    const passwordAt = command.indexOf('--requirepass');
    expect(passwordAt).toBeGreaterThanOrEqual(0);
    expect(command[passwordAt + 1]).toMatch(/^\$\{REDIS_PASSWORD:\?.+\}$/);
    expect(healthcheckOf(redis)).toMatch(/ping/i);
  });

  it('refuses to start without REDIS_PASSWORD, JWT_SECRET or INTERNAL_SECRET: no default secret', () => {
    const refs = references(read('docker-compose.yml'));
    for (const name of ['REDIS_PASSWORD', 'JWT_SECRET', 'INTERNAL_SECRET']) {
      const uses = refs.filter((r) => r.name === name);
      expect(uses.length).toBeGreaterThan(0);
      expect(uses.map((r) => r.op)).toEqual(uses.map(() => ':?'));
    }
  });

  describe.each(GATEWAYS)('%s', (name) => {
    const gateway = (): ComposeService => services[name];

    it('builds from the repo Dockerfile', () => {
      const build = gateway().build;
      const context = typeof build === 'string' ? build : build?.context;
      const dockerfile = typeof build === 'string' ? undefined : build?.dockerfile;
      expect(context).toBe('.');
      expect(dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    });

    it('runs in production mode and requires its secrets', () => {
      const env = environmentOf(gateway());
      expect(env.NODE_ENV).toBe('production');
      expect(env.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?.+\}$/);
      expect(env.INTERNAL_SECRET).toMatch(/^\$\{INTERNAL_SECRET:\?.+\}$/);
    });

    it('uses the redis service with its password', () => {
      const required = { REDIS_PASSWORD: 'a-url-safe-password' };
      const url = new URL(withDefaults(environmentOf(gateway()).REDIS_URL, required));
      const command = commandOf(services.redis);
      const password = withDefaults(command[command.indexOf('--requirepass') + 1], required);
      expect(password).toBe('a-url-safe-password');
      expect(url.protocol).toBe('redis:');
      expect(url.hostname).toBe('redis');
      expect(url.port).toBe('6379');
      expect(decodeURIComponent(url.password)).toBe(password);
    });

    it('waits SHUTDOWN_TIMEOUT_MS plus a margin before SIGKILL', () => {
      const timeoutMs = Number(environmentOf(gateway()).SHUTDOWN_TIMEOUT_MS);
      expect(timeoutMs).toBeGreaterThan(0);
      expect(durationSeconds(gateway().stop_grace_period ?? '10s')).toBeGreaterThanOrEqual(timeoutMs / 1000 + 5);
    });

    it('checks readiness on /health/ready and waits for a healthy redis', () => {
      const check = healthcheckOf(gateway());
      expect(check).toContain('node');
      expect(check).toContain('http://127.0.0.1:3000/health/ready');
      expect(dependencyCondition(gateway(), 'redis')).toBe('service_healthy');
    });
  });

  it('gives both gateway nodes the same REDIS_URL', () => {
    const urls = GATEWAYS.map((name) => environmentOf(services[name]).REDIS_URL);
    expect(urls[0]).toBeTruthy();
    expect(urls[1]).toBe(urls[0]);
  });

  it('publishes the haproxy load balancer with deploy/haproxy.cfg', () => {
    const lb = services.lb;
    expect(lb.image).toMatch(/^haproxy(:|$)/);
    expect(lb.ports?.length).toBeGreaterThan(0);
    expect(volumeSources(lb)).toContain('./deploy/haproxy.cfg');
  });
});

describe('deploy/haproxy.cfg', () => {
  const config = read('deploy/haproxy.cfg');
  const lines = config.split('\n').map((line) => line.replace(/#.*/, '').trim());

  it('balances over both gateway nodes on port 3000', () => {
    for (const name of GATEWAYS) {
      expect(lines.some((line) => new RegExp(`^server\\s+\\S+\\s+${name}:3000(\\s|$)`).test(line))).toBe(true);
    }
  });

  it('listens on the port the lb service publishes', () => {
    const published = (parse(read('docker-compose.yml')) as ComposeFile).services.lb.ports ?? [];
    const target = published.map((port) =>
      typeof port === 'object' ? String(port.target) : String(port).split(':').pop(),
    )[0];
    expect(lines).toContain(`bind :${target}`);
  });

  it('keeps WebSockets open, sticks long-polling sessions and checks readiness', () => {
    expect(lines.some((line) => /^timeout tunnel\s+\S+/.test(line))).toBe(true);
    expect(lines.some((line) => /^cookie\s+\S+\s+insert\b/.test(line) || /^balance\s+source\b/.test(line))).toBe(
      true,
    );
    expect(lines).toContain('option httpchk');
    expect(config).toMatch(/http-check send meth GET uri \/health\/ready/);
  });
});

describe('Dockerfile', () => {
  it('exists, builds with npm and runs dist/main.js as the node user', () => {
    expect(existsSync(`${root}Dockerfile`)).toBe(true);
    const lines = read('Dockerfile')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(lines.filter((line) => /^FROM node:20-bookworm-slim\b/.test(line))).toHaveLength(2);
    expect(lines).toContain('RUN npm run build');
    expect(lines).toContain('USER node');
    expect(lines).toContain('EXPOSE 3000');
    const cmd = lines.filter((line) => line.startsWith('CMD ')).pop() ?? '';
    expect(JSON.parse(cmd.slice('CMD '.length))).toEqual(['node', 'dist/main.js']);
  });

  it('has a HEALTHCHECK on /health/live run with node (the slim image has no curl)', () => {
    const text = read('Dockerfile').replace(/\\\n\s*/g, ' ');
    const check = text.split('\n').find((line) => line.startsWith('HEALTHCHECK ')) ?? '';
    const command = JSON.parse(/ CMD (\[.*\])\s*$/.exec(check)?.[1] ?? '[]') as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain('/health/live');
    expect(check).not.toMatch(/\b(curl|wget)\b/);
  });

  it('builds the client package beside the gateway: the runtime image carries its dist for /demo', () => {
    const lines = read('Dockerfile').split('\n').map((line) => line.trim());
    expect(lines).toContain('COPY packages/client/package.json ./packages/client/');
    expect(lines).toContain('COPY --from=build /app/packages/client/dist ./packages/client/dist');
  });
});

describe('.env.example', () => {
  const example = read('.env.example');
  const names = `PORT HOST NODE_ENV JWT_SECRET JWT_PUBLIC_KEY JWT_ALGORITHMS JWT_ISSUER JWT_AUDIENCE
    ALLOW_QUERY_TOKEN CORS_ORIGIN REDIS_URL REDIS_HOST REDIS_PORT REDIS_PASS REDIS_CLUSTER_NODES
    SOCKET_CONTROL_PREFIX INTERNAL_SECRET SECRET_KEY SECRET_IV CONTROL_ALLOW_PLAINTEXT CONTROL_ALLOW_LEGACY EMIT_ALLOWED_EVENTS
    SESSION_POLICY MAX_SESSIONS_PER_USER SESSION_REVOKE_TTL INTERNAL_PORT INTERNAL_SERVICES
    SERVICE_REGISTRATION REQUIRE_SERVICE_APPROVAL MAX_SERVICES ALLOWED_SERVICE_TYPES
    SERVICE_SESSION_EXPIRY SERVICE_SESSION_IDLE_TIMEOUT SOCKETIO_PING_INTERVAL SOCKETIO_PING_TIMEOUT
    SOCKETIO_MAX_BUFFER_SIZE RECOVERY_WINDOW_MS RECOVERY_BUFFER_BYTES MAX_IDLE_TIME RATE_LIMIT_CONNECTION_WINDOW
    RATE_LIMIT_MAX_CONNECTIONS RATE_LIMITS TRUST_PROXY PRESENCE_NODE_TTL_MS PRESENCE_TTL TYPING_TIMEOUT_MS
    CALL_RING_TIMEOUT_MS NOTIFICATIONS_MAX_PENDING NOTIFICATIONS_TTL SHUTDOWN_DRAIN_DELAY_MS SHUTDOWN_SPREAD_MS SHUTDOWN_TIMEOUT_MS SOCKET_MAX_BUFFERED_BYTES LOG_LEVEL
    LOG_FORMAT METRICS_ENABLED DEMO_PAGE ADMIN_UI ADMIN_UI_USERNAME ADMIN_UI_PASSWORD_HASH ADMIN_UI_MODE ADMIN_UI_READONLY`.split(/\s+/);

  it.each(names)('documents %s', (name) => {
    expect(example).toMatch(new RegExp(`^(# ?)?${name}=`, 'm'));
  });
});
