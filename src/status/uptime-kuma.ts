/** The parts of an Uptime Kuma webhook body we read (`heartbeat` is null for test sends). */
export interface UptimeKumaWebhook {
  heartbeat?: { status?: unknown; msg?: unknown } | null;
  monitor?: { name?: unknown } | null;
  msg?: unknown;
}

export interface StatusReport {
  service: string;
  status: string;
  message?: string;
}

const STATUS_BY_CODE: Record<number, string> = { 0: 'down', 1: 'up', 2: 'pending', 3: 'maintenance' };

/**
 * What to do with a webhook: `ignore` Kuma's test message (`heartbeat` and `monitor` null) and
 * messages without a heartbeat or a monitor (certificate expiry and similar notices); `report`
 * a heartbeat of a monitor.
 */
export function kumaMessageKind(body: UptimeKumaWebhook): 'test' | 'notice' | 'heartbeat' {
  const heartbeat = body.heartbeat ?? null;
  const monitor = body.monitor ?? null;
  if (heartbeat === null && monitor === null) return 'test';
  return heartbeat === null || monitor === null ? 'notice' : 'heartbeat';
}

/** Maps a webhook to a status report for the monitor's name, or undefined when it carries none. */
export function fromUptimeKuma(body: UptimeKumaWebhook): StatusReport | undefined {
  const name = body.monitor?.name;
  const code = body.heartbeat?.status;
  if (typeof name !== 'string' || name.length === 0 || name.length > 128) return undefined;
  if (typeof code !== 'number' || !(code in STATUS_BY_CODE)) return undefined;
  const msg = body.heartbeat?.msg;
  return {
    service: name,
    status: STATUS_BY_CODE[code],
    ...(typeof msg === 'string' && msg.length > 0 ? { message: msg.slice(0, 1024) } : {}),
  };
}
