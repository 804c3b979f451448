import { Allow } from 'class-validator';

/** Uptime Kuma's webhook body; read by fromUptimeKuma, which checks each field it uses. */
export class UptimeKumaWebhookDto {
  @Allow() heartbeat?: { status?: unknown; msg?: unknown } | null;
  @Allow() monitor?: { name?: unknown } | null;
  @Allow() msg?: unknown;
}
