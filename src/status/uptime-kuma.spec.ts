import { fromUptimeKuma, kumaMessageKind } from './uptime-kuma.js';

/** Shaped like Uptime Kuma's webhook: `heartbeat` and `monitor` objects plus a text `msg`. */
function webhook(status: number, msg = 'timeout of 48000ms exceeded') {
  return {
    heartbeat: { monitorID: 7, status, time: '2026-11-22 18:00:00.000', msg, ping: null, important: true, duration: 60, timezone: 'UTC', localDateTime: '2026-11-22 18:00:00' },
    monitor: { id: 7, name: 'Billing API', url: 'https://billing.example/health', type: 'http', interval: 60, active: true },
    msg: `[Billing API] [${status === 1 ? 'Up' : 'Down'}] ${msg}`,
  };
}

describe('fromUptimeKuma', () => {
  it.each([
    [1, 'up'],
    [0, 'down'],
    [2, 'pending'],
    [3, 'maintenance'],
  ])('maps heartbeat.status %i to %s for the monitor name', (code, status) => {
    expect(fromUptimeKuma(webhook(code))).toEqual({ service: 'Billing API', status, message: 'timeout of 48000ms exceeded' });
  });

  it('omits an empty message', () => {
    expect(fromUptimeKuma(webhook(1, ''))).toEqual({ service: 'Billing API', status: 'up' });
  });

  it.each([
    [{ heartbeat: null, monitor: null, msg: 'Sending test notification' }],
    [{ ...webhook(1), heartbeat: { status: 9 } }],
    [{ ...webhook(1), heartbeat: { status: '1' } }],
    [{ ...webhook(1), monitor: { name: '' } }],
    [{}],
  ])('returns undefined for %j', (body) => {
    expect(fromUptimeKuma(body)).toBeUndefined();
  });
});

describe('kumaMessageKind', () => {
  it('is test for the Test button (heartbeat and monitor null)', () => {
    expect(kumaMessageKind({ heartbeat: null, monitor: null, msg: 'Uptime Kuma Webhook Testing' })).toBe('test');
  });

  it.each([
    [{ heartbeat: null, monitor: webhook(1).monitor, msg: 'Certificate will expire' }],
    [{ ...webhook(0), monitor: null }],
    [{ monitor: webhook(1).monitor, msg: 'no heartbeat key at all' }],
  ])('is notice without a heartbeat or a monitor: %j', (body) => {
    expect(kumaMessageKind(body)).toBe('notice');
  });

  it('is heartbeat with both', () => {
    expect(kumaMessageKind(webhook(1))).toBe('heartbeat');
  });
});
