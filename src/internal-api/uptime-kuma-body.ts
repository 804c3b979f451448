import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { isPlainObject } from '../common/json-object.js';
import { assertPayloadShape } from '../common/payload-guard.js';
import type { UptimeKumaWebhook } from '../status/uptime-kuma.js';

const notKuma = (why: string) =>
  new AppError(ErrorCode.VALIDATION_FAILED, 'Not an Uptime Kuma webhook', [{ field: 'data', errors: [why] }]);

/** Kuma's form-data webhook: one `data` field holding the JSON body. Other fields are skipped. */
async function formDataField(req: FastifyRequest): Promise<string> {
  let data: string | undefined;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      await part.toBuffer();
      continue;
    }
    if (part.fieldname === 'data' && typeof part.value === 'string') data = part.value;
  }
  if (data === undefined) throw notKuma('form-data must carry the webhook JSON in a "data" field');
  return data;
}

/**
 * The webhook as Uptime Kuma posts it (docs/protocol.md §6.1): a JSON body `{ heartbeat, monitor, msg }`, or
 * form-data whose `data` field holds that JSON. A body with none of the three keys is refused.
 */
export async function readKumaWebhook(req: FastifyRequest, body: unknown): Promise<UptimeKumaWebhook> {
  let value = body;
  if (req.isMultipart()) {
    const text = await formDataField(req);
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      throw notKuma('the "data" field is not valid JSON');
    }
  }
  if (!isPlainObject(value) || !('heartbeat' in value || 'monitor' in value || 'msg' in value)) {
    throw notKuma('expected an object with heartbeat, monitor and msg');
  }
  assertPayloadShape(value);
  return value as UptimeKumaWebhook;
}
