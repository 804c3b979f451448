// deploy/kubernetes: the manifests parse, hang together (selectors, port names, the autoscaler's
// target), and agree with the gateway: every variable they set is one the configuration accepts
// and loads, the probes are routes a gateway so configured answers on the probed port, and the
// grace period outlasts the preStop sleep plus the drain's deadline.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET, startApp } from '../support/app.js';
import { acceptedVariables } from '../support/config-variables.js';

const DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Probe {
  httpGet?: { path: string; port: string | number };
}

interface Container {
  name: string;
  image: string;
  ports: Array<{ name: string; containerPort: number }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  env?: Array<{ name: string }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
}

interface PodSpec {
  terminationGracePeriodSeconds?: number;
  containers: Container[];
}

interface Deployment extends Resource {
  spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const resources: Resource[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(`${DIR}${file}`, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
    return doc.toJSON() as Resource;
  }),
);
const workloads = resources.filter((r) => r.kind !== 'Kustomization');

function one<T extends Resource>(kind: string, name?: string): T {
  const found = workloads.filter((r) => r.kind === kind && (name === undefined || r.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as T;
}

const deployment = one<Deployment>('Deployment');
const pod = deployment.spec.template.spec;
const gateway = pod.containers[0];
const configMap = one<Resource & { data: Record<string, string> }>('ConfigMap');
const secret = one<Resource & { stringData?: Record<string, string>; data?: Record<string, string> }>('Secret');
const secretKeys = Object.keys({ ...secret.stringData, ...secret.data });
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const portNumber = (port: string | number) => (typeof port === 'number' ? port : gateway.ports.find((p) => p.name === port)?.containerPort);

/** The environment a pod gets: the ConfigMap, then the Secret with stand-in values (its committed values are empty). */
function podEnv(): Record<string, string> {
  const stand: Record<string, string> = { JWT_SECRET: TEST_JWT_SECRET, INTERNAL_SECRET: TEST_INTERNAL_SECRET, REDIS_PASS: 'redis-password' };
  return { ...configMap.data, ...Object.fromEntries(secretKeys.map((key) => [key, stand[key] ?? 'x'])) };
}

/** SHUTDOWN_TIMEOUT_MS as the configuration reads it (a flat field, or a `shutdown` group once the drain has phases). */
function shutdownTimeoutMs(env: Record<string, string>): number {
  const config = loadConfig(env) as unknown as { shutdownTimeoutMs?: number; shutdown?: { timeoutMs: number } };
  const ms = config.shutdown?.timeoutMs ?? config.shutdownTimeoutMs;
  if (typeof ms !== 'number') throw new Error('the configuration has no shutdown timeout');
  return ms;
}

describe('deploy/kubernetes', () => {
  it('has a Deployment, Services, a PodDisruptionBudget, an autoscaler, a ConfigMap and a Secret; Redis is external', () => {
    const kinds = new Set(workloads.map((r) => r.kind));
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ConfigMap', 'Secret']) expect(kinds).toContain(kind);
    // No Redis workload: an ExternalName Service names the Redis the pods use.
    expect(workloads.filter((r) => ['StatefulSet', 'Deployment', 'DaemonSet'].includes(r.kind)).map((r) => r.metadata.name)).toEqual(['realtime-gateway']);
    const redis = workloads.find((r) => r.kind === 'Service' && (r.spec as { type?: string }).type === 'ExternalName') as Resource & { spec: { externalName: string } };
    expect(redis.metadata.name).toBe(configMap.data.REDIS_HOST);
  });

  it('lists every manifest in kustomization.yaml', () => {
    const kustomization = resources.find((r) => r.kind === 'Kustomization') as unknown as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  });

  it('sets only variables the gateway accepts, and they load as a production configuration', () => {
    const accepted = acceptedVariables();
    const named = [...Object.keys(configMap.data), ...secretKeys, ...(gateway.env ?? []).map((e) => e.name)];
    expect(named.filter((name) => !accepted.has(name))).toEqual([]);
    expect(gateway.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }]);
    const config = loadConfig(podEnv());
    expect(config.production).toBe(true);
    expect(config.engine).toBe('redis');
    expect(config.generatedSecrets).toBe(false);
  });

  it('commits no secret: the Secret has the keys and empty values, and an empty JWT_SECRET does not start', () => {
    expect(secretKeys.sort()).toEqual(['INTERNAL_SECRET', 'JWT_SECRET', 'REDIS_PASS']);
    expect(Object.values({ ...secret.stringData, ...secret.data }).filter((v) => v !== '')).toEqual([]);
    expect(() => loadConfig({ ...configMap.data, JWT_SECRET: '' })).toThrow('JWT_SECRET');
  });

  it('exposes PORT and INTERNAL_PORT as the named container ports the Services target', () => {
    expect(portNumber('http')).toBe(Number(configMap.data.PORT));
    expect(portNumber('internal')).toBe(Number(configMap.data.INTERNAL_PORT));
    const services = workloads.filter((r) => r.kind === 'Service' && (r.spec as { selector?: unknown }).selector) as Array<
      Resource & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string | number }> } }
    >;
    expect(services.length).toBe(2);
    for (const service of services) {
      expect(matches(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
      for (const port of service.spec.ports) expect(portNumber(port.targetPort)).toBeDefined();
    }
    expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
  });

  it('probes liveness and readiness on the internal port, routes a gateway so configured answers there', async () => {
    expect(gateway.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'internal' });
    expect(gateway.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'internal' });
    expect(gateway.startupProbe?.httpGet?.port).toBe('internal');
    // The pod's configuration on the memory engine, on free ports: the probed paths answer on
    // INTERNAL_PORT (off the public port's listen backlog) and on PORT alike.
    const { REDIS_HOST: _host, REDIS_PORT: _port, REDIS_PASS: _pass, ...env } = podEnv();
    const app = await startApp({ ...env, PORT: '0', INTERNAL_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error' });
    try {
      for (const probe of [gateway.livenessProbe, gateway.readinessProbe, gateway.startupProbe]) {
        expect((await fetch(`${app.internalUrl}${probe?.httpGet?.path}`)).status).toBe(200);
        expect((await fetch(`${app.url}${probe?.httpGet?.path}`)).status).toBe(200);
      }
    } finally {
      await app.close();
    }
  });

  it("points Prometheus's scrape annotations at the port and path that serve /metrics", async () => {
    const annotations = (deployment.spec.template.metadata as { annotations?: Record<string, string> }).annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    const { REDIS_HOST: _host, REDIS_PORT: _port, REDIS_PASS: _pass, ...env } = podEnv();
    const app = await startApp({ ...env, PORT: '0', INTERNAL_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error' });
    try {
      const byPort: Record<string, string | undefined> = { [configMap.data.PORT]: app.url, [configMap.data.INTERNAL_PORT]: app.internalUrl };
      const url = byPort[annotations['prometheus.io/port']];
      expect(url).toBeDefined();
      const res = await fetch(`${url}${annotations['prometheus.io/path']}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('# TYPE gateway_');
    } finally {
      await app.close();
    }
  });

  it('gives the drain its time: grace period ≥ preStop sleep + SHUTDOWN_TIMEOUT_MS + 5 s', () => {
    const preStop = gateway.lifecycle?.preStop;
    const command = preStop?.exec?.command ?? [];
    const sleepSeconds = preStop?.sleep?.seconds ?? (command[0] === 'sleep' ? Number(command[1]) : NaN);
    expect(sleepSeconds).toBeGreaterThan(0);
    const timeoutSeconds = shutdownTimeoutMs(podEnv()) / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleepSeconds + timeoutSeconds + 5);
  });

  it('lets a disruption take one pod at a time and never scales below two', () => {
    const pdb = one<Resource & { spec: { maxUnavailable?: number; minAvailable?: number; selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget');
    const hpa = one<Resource & { spec: { minReplicas: number; maxReplicas: number; scaleTargetRef: { kind: string; name: string } } }>('HorizontalPodAutoscaler');
    expect(matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    expect(pdb.spec.maxUnavailable ?? hpa.spec.minReplicas - (pdb.spec.minAvailable ?? 0)).toBe(1);
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });
});
