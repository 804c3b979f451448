import { renderChart } from '../../bench/chart.mjs';

// The chart npm run bench writes beside its JSON (docs/performance.svg is one): well-formed SVG
// that shows every ratio of the report, coloured by whether the gateway did better, and both
// fan-out ladders with their failed steps hollow.

const step = (rate: number, p99Ms: number, pass: boolean) => ({ rate, p99Ms, pass });
const report = {
  startedAt: '2026-12-06T07:00:00.000Z',
  host: { cpus: 2, node: 'v20.20.2', pinning: 'servers on CPU 0, load generator and publisher on CPU 1' },
  settings: { connections: 5000, p99LimitMs: 250 },
  results: {
    gateway: { fanout: { steps: [step(500, 3, true), step(1000, 4, true), step(2000, 9, true), step(4000, 400, false)] } },
    peer: { fanout: { steps: [step(500, 2, true), step(1000, 3, true), step(2000, 300, false)] } },
  },
  ratios: { gatewayToPeer: { handshakesPerSecond: 1.5, rssPerConnection: 0.9, cpuPerEmit: 1.4, fanoutBest: 2, broadcastLast: null, batchBest: 1.2 } },
};

describe('bench chart', () => {
  const svg = renderChart(report);

  it('is one SVG document, no element repeating an attribute (XML refuses that)', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    for (const tag of svg.match(/<[a-z]+ [^>]*>/g) ?? []) {
      const names = [...tag.matchAll(/\s([a-z-]+)="/g)].map((m) => m[1]);
      expect({ tag, repeated: names.filter((n, i) => names.indexOf(n) !== i) }).toEqual({ tag, repeated: [] });
    }
  });

  it('draws a bar per ratio present, green when the gateway did better and red when worse', () => {
    for (const label of ['1.50×', '0.90×', '1.40×', '2.00×', '1.20×']) expect(svg).toContain(`>${label}<`);
    expect(svg).not.toContain('broadcast, last socket');
    const bars = [...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="(#[0-9a-f]{6})"\/>/g)].map((m) => m[1]);
    // handshakes up (good), RSS down (good), CPU up (bad), fan-out up (good), batch up (good)
    expect(bars.filter((c) => c === '#2e9e5b')).toHaveLength(4);
    expect(bars.filter((c) => c === '#d0543c')).toHaveLength(1);
  });

  it('plots both fan-out ladders, a point per step, failed steps hollow', () => {
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    const points = [...svg.matchAll(/<circle [^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(points).toHaveLength(7);
    expect(points.filter((f) => f === '#fff')).toHaveLength(2);
    expect(svg).toContain('limit 250 ms');
  });

  it('escapes text and survives a report without figures', () => {
    const empty = renderChart({ host: { cpus: 1, node: 'v20', pinning: 'a < b & c' } });
    expect(empty).toContain('a &lt; b &amp; c');
    expect(empty).toContain('no ratio in this report');
    expect(empty).toContain('no fan-out steps in this report');
  });
});
