import Sequencer from '@jest/test-sequencer';

/**
 * The order of a run: Jest's own (failed first, then slowest), except that the e2e suites which
 * measure how prompt the gateway stays under a storm or an overload run early, each while the
 * other worker works through light suites, and the suites that drive Chromium or ESLint — the
 * heaviest CPU users of the run — go last, after every timed measurement.
 */
const TIMED = [/reconnect-storm\.e2e-spec\.ts$/, /overload-shed\.e2e-spec\.ts$/];
const HEAVY = [/-page\.e2e-spec\.ts$/, /[\\/]test[\\/]lint[\\/]/];
const LIGHT_PROJECTS = new Set(['unit', 'contract', 'types', 'docs', 'deploy', 'install', 'support']);

const matches = (patterns, test) => patterns.some((p) => p.test(test.path));

export default class GatewaySequencer extends Sequencer {
  async sort(tests) {
    const ordered = await super.sort(tests);
    const timed = TIMED.flatMap((p) => ordered.filter((t) => p.test(t.path)));
    const heavy = ordered.filter((t) => matches(HEAVY, t) && !timed.includes(t));
    const light = ordered.filter((t) => !timed.includes(t) && !heavy.includes(t) && LIGHT_PROJECTS.has(t.context.config.displayName?.name));
    const rest = ordered.filter((t) => !timed.includes(t) && !heavy.includes(t) && !light.includes(t));
    // Each timed suite, then a share of the light ones to run beside it on the other worker.
    const share = Math.ceil(light.length / Math.max(timed.length, 1));
    const out = [];
    timed.forEach((t, i) => out.push(t, ...light.slice(i * share, (i + 1) * share)));
    if (timed.length === 0) out.push(...light);
    return [...out, ...rest, ...heavy];
  }
}
