// The chart of a bench run (npm run bench): an SVG with, on the left, each figure as a ratio
// gateway / peer (a bar per figure, the line at 1 is parity, each bar says which way is better),
// and on the right the targeted fan-out ladder: p99 delivery latency at each rate step, gateway
// and peer, up to the step that failed. Plain SVG text, no dependency; `renderChart(report)`
// takes the JSON report run.mjs writes.

const WIDTH = 960;
const HEIGHT = 420;
const COLORS = { gateway: '#2f6fdf', peer: '#9aa3ad', good: '#2e9e5b', bad: '#d0543c', grid: '#e3e6ea', text: '#20242a' };
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

/** Which way each figure of run.mjs's table is better, and a short name for the chart. */
const FIGURES = [
  { key: 'handshakesPerSecond', name: 'handshakes / s', higherIsBetter: true },
  { key: 'rssPerConnection', name: 'RSS per connection', higherIsBetter: false },
  { key: 'cpuPerEmit', name: 'CPU per emit', higherIsBetter: false },
  { key: 'fanoutBest', name: 'targeted fan-out', higherIsBetter: true },
  { key: 'broadcastLast', name: 'broadcast, last socket', higherIsBetter: false },
  { key: 'batchBest', name: 'batch fan-out', higherIsBetter: true },
];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A text element; `attrs` may set font-size and fill, which otherwise default (no attribute twice). */
const text = (x, y, s, attrs = '') => {
  const size = /font-size=/.test(attrs) ? '' : ' font-size="12"';
  const fill = /\bfill=/.test(attrs) ? '' : ` fill="${COLORS.text}"`;
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT}${size}${fill}${attrs ? ` ${attrs}` : ''}>${esc(s)}</text>`;
};
const line = (x1, y1, x2, y2, color, attrs = '') => `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${color}" ${attrs}/>`;

/** Bars of gateway/peer ratios, on a log scale from 1/4 to 4 around parity. */
function ratioPanel(ratios, x0, y0, w, h) {
  const out = [text(x0, y0 - 12, 'gateway / bare Socket.IO peer (same run)', 'font-weight="600"')];
  const labelW = 150;
  const plotX = x0 + labelW;
  const plotW = w - labelW - 40;
  const span = Math.log(4);
  const xOf = (r) => plotX + plotW / 2 + (Math.max(-span, Math.min(span, Math.log(r))) / span) * (plotW / 2);
  for (const tick of [0.25, 0.5, 1, 2, 4]) {
    out.push(line(xOf(tick), y0, xOf(tick), y0 + h, tick === 1 ? COLORS.text : COLORS.grid, tick === 1 ? 'stroke-width="1.5"' : ''));
    out.push(text(xOf(tick), y0 + h + 16, `${tick}×`, 'text-anchor="middle" font-size="11"'));
  }
  const rows = FIGURES.filter((f) => typeof ratios?.[f.key] === 'number' && Number.isFinite(ratios[f.key]) && ratios[f.key] > 0);
  const rowH = rows.length ? h / rows.length : h;
  rows.forEach((f, i) => {
    const r = ratios[f.key];
    const y = y0 + i * rowH + rowH * 0.2;
    const good = f.higherIsBetter ? r >= 1 : r <= 1;
    const [a, b] = [xOf(1), xOf(r)];
    const [left, width] = [Math.min(a, b).toFixed(1), Math.max(1, Math.abs(b - a)).toFixed(1)];
    out.push(`<rect x="${left}" y="${y.toFixed(1)}" width="${width}" height="${(rowH * 0.6).toFixed(1)}" fill="${good ? COLORS.good : COLORS.bad}"/>`);
    out.push(text(x0, y + rowH * 0.3 + 4, f.name));
    out.push(text(x0, y + rowH * 0.3 + 17, f.higherIsBetter ? 'higher is better' : 'lower is better', `font-size="10" fill="#6b7280"`));
    out.push(text(b + (r >= 1 ? 4 : -4), y + rowH * 0.3 + 4, `${r.toFixed(2)}×`, r >= 1 ? '' : 'text-anchor="end"'));
  });
  if (rows.length === 0) out.push(text(x0, y0 + 20, 'no ratio in this report'));
  return out.join('\n');
}

/** p99 latency per rate step of the fan-out ladder, one polyline per server (log-scaled y). */
function ladderPanel(results, limitMs, x0, y0, w, h) {
  const out = [text(x0, y0 - 12, 'targeted fan-out ladder: p99 delivery latency', 'font-weight="600"')];
  const series = [
    ['gateway', results?.gateway?.fanout?.steps ?? [], COLORS.gateway],
    ['peer', results?.peer?.fanout?.steps ?? [], COLORS.peer],
  ].filter(([, steps]) => steps.length > 0);
  const rates = [...new Set(series.flatMap(([, steps]) => steps.map((s) => s.rate)))].sort((a, b) => a - b);
  if (rates.length === 0) return [...out, text(x0, y0 + 20, 'no fan-out steps in this report')].join('\n');
  const plotX = x0 + 44;
  const plotW = w - 60;
  const xOf = (rate) => plotX + (rates.length === 1 ? plotW / 2 : (rates.indexOf(rate) / (rates.length - 1)) * plotW);
  const [lo, hi] = [1, 1000];
  const yOf = (ms) => y0 + h - ((Math.log10(Math.max(lo, Math.min(hi, ms))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h;
  for (const ms of [1, 10, 100, 1000]) {
    out.push(line(plotX, yOf(ms), plotX + plotW, yOf(ms), COLORS.grid));
    out.push(text(plotX - 6, yOf(ms) + 4, `${ms} ms`, 'text-anchor="end" font-size="11"'));
  }
  out.push(line(plotX, yOf(limitMs), plotX + plotW, yOf(limitMs), COLORS.bad, 'stroke-dasharray="4 3"'));
  out.push(text(plotX + plotW, yOf(limitMs) - 4, `limit ${limitMs} ms`, `text-anchor="end" font-size="11" fill="${COLORS.bad}"`));
  for (const rate of rates) out.push(text(xOf(rate), y0 + h + 16, rate >= 1000 ? `${rate / 1000}k` : String(rate), 'text-anchor="middle" font-size="11"'));
  out.push(text(plotX + plotW / 2, y0 + h + 32, 'messages per second offered', 'text-anchor="middle" font-size="11"'));
  series.forEach(([name, steps, color], i) => {
    const points = steps.filter((s) => typeof s.p99Ms === 'number').map((s) => `${xOf(s.rate).toFixed(1)},${yOf(s.p99Ms).toFixed(1)}`);
    out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const s of steps) {
      if (typeof s.p99Ms !== 'number') continue;
      out.push(`<circle cx="${xOf(s.rate).toFixed(1)}" cy="${yOf(s.p99Ms).toFixed(1)}" r="3.5" fill="${s.pass ? color : '#fff'}" stroke="${color}" stroke-width="1.5"/>`);
    }
    out.push(`<rect x="${plotX + 8}" y="${y0 + 6 + i * 16}" width="10" height="10" fill="${color}"/>`);
    out.push(text(plotX + 24, y0 + 15 + i * 16, `${name}${name === 'gateway' ? '' : ' (bare Socket.IO)'}`, 'font-size="11"'));
  });
  out.push(text(plotX + 8, y0 + 15 + series.length * 16, 'hollow: the step failed', 'font-size="10" fill="#6b7280"'));
  return out.join('\n');
}

/** The SVG of one bench report (the JSON run.mjs writes). */
export function renderChart(report) {
  const when = report?.startedAt ? String(report.startedAt).slice(0, 10) : '';
  const host = report?.host ? `${report.host.cpus} CPU, Node ${report.host.node}` : '';
  const sockets = report?.settings?.connections ? `${report.settings.connections} sockets` : '';
  const subtitle = [when, sockets, host, report?.host?.pinning].filter(Boolean).join(' · ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    text(20, 26, 'npm run bench: the gateway against a bare Socket.IO server', 'font-size="15" font-weight="700"'),
    text(20, 44, subtitle, 'font-size="11" fill="#6b7280"'),
    ratioPanel(report?.ratios?.gatewayToPeer, 20, 84, 470, 270),
    ladderPanel(report?.results, report?.settings?.p99LimitMs ?? 250, 520, 84, 420, 270),
    '</svg>',
    '',
  ].join('\n');
}
