// deploy/grafana/*.json: every PromQL query of every dashboard names only metrics that a
// running gateway's /metrics exports, so no panel stays empty after a rename.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useApp } from '../support/app.js';

const DIR = fileURLToPath(new URL('../../deploy/grafana/', import.meta.url));

/** PromQL words that are not metric names. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

/** The metric names an expression reads: identifiers that are not functions, keywords, labels or template variables. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\{?\w+\}?/g, '');
  const names = [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .filter((m) => !/^\s*\(/.test(bare.slice(m.index + m[0].length)))
    .map((m) => m[0])
    .filter((name) => !KEYWORDS.has(name.toLowerCase()));
  return [...new Set(names)];
}

interface Panel {
  title?: string;
  type?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

interface Dashboard {
  title: string;
  uid: string;
  panels: Panel[];
  templating?: { list: Array<{ name: string; definition?: string }> };
}

/** Every query of a dashboard with where it is: panel targets (rows included) and template variables. */
function queries(dashboard: Dashboard): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const walk = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) out.push({ where: `panel "${panel.title}"`, expr: target.expr });
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    const inner = /^label_values\((.*),\s*\w+\)$/.exec(variable.definition ?? '')?.[1];
    if (inner) out.push({ where: `variable $${variable.name}`, expr: inner });
  }
  return out;
}

/** Metric families the exposition declares (`# TYPE name kind`), with the sample names each one yields. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (kind === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

const dashboards = readdirSync(DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, dashboard: JSON.parse(readFileSync(`${DIR}${file}`, 'utf8')) as Dashboard }));

describe('the PromQL name extraction itself', () => {
  it('finds metric names and skips functions, labels, ranges, groupings and variables', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, event) (rate(gateway_handler_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))')).toEqual([
      'gateway_handler_duration_seconds_bucket',
    ]);
    expect(metricNames('sum(rate(a_total[5m])) / on (instance) group_left b_info or vector(0)')).toEqual(['a_total', 'b_info']);
    expect(metricNames('topk(10, sum by (event) (rate(gateway_nope_total{event!="x y"}[1m])))')).toEqual(['gateway_nope_total']);
  });
});

describe('deploy/grafana dashboards', () => {
  const app = useApp();

  it('there is one, with a uid, a title and queries', () => {
    expect(dashboards.map((d) => d.file)).toContain('realtime-gateway.json');
    for (const { dashboard } of dashboards) {
      expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
      expect(dashboard.title).toBeTruthy();
      expect(queries(dashboard).length).toBeGreaterThan(10);
    }
  });

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s queries only metrics /metrics exports', async (_file, dashboard) => {
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    const exported = exportedNames(await res.text());
    const unknown = queries(dashboard).flatMap(({ where, expr }) => metricNames(expr).filter((name) => !exported.has(name)).map((name) => `${where}: ${name}`));
    expect(unknown).toEqual([]);
    const used = new Set(queries(dashboard).flatMap(({ expr }) => metricNames(expr)));
    // The panels an operator opens first: delivery, bandwidth and the standard Node.js process metrics.
    for (const name of ['gateway_messages_delivered_total', 'gateway_outbound_bytes_total', 'gateway_connections_active', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(used).toContain(name);
    }
  });
});
