import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/error-codes.js';
import { EmitService } from '../delivery/emit.service.js';
import { EngineBus } from '../engine/engine-bus.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SessionService } from '../session/session.service.js';
import { ControlCodec } from './control-codec.js';
import { CONTROL_CHANNELS, type ControlChannel, type ControlCommand, ControlMessageError, parseControlMessage, SEALED_WINDOW_MS } from './control-message.js';

/** How long a message's claim (and our count of identical copies) is remembered. */
const CLAIM_TTL_MS = 60_000;
/** A sealed id is remembered while a message carrying it can still pass the `ts` check (±60 s). */
const SEALED_ID_TTL_MS = 2 * SEALED_WINDOW_MS + 5_000;

/**
 * Subscribes to `{prefix}:emit|force-logout|kick` (docs/protocol.md §5). Every node receives every
 * message, so nodes race for a claim on the engine bus and only the winner acts; its actions reach
 * all nodes through the adapter, so each target socket is affected exactly once. Identical
 * messages published twice are told apart by how many copies this node has already seen.
 */
@Injectable()
export class ControlBusService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ControlBusService.name);
  private readonly codec: ControlCodec;
  private readonly channels: Map<string, ControlChannel>;
  private readonly copies = new Map<string, { count: number; at: number }>();

  constructor(
    private readonly config: AppConfig,
    private readonly bus: EngineBus,
    private readonly emitter: EmitService,
    private readonly sessions: SessionService,
    private readonly metrics: MetricsService,
  ) {
    this.codec = new ControlCodec({ secretKey: config.controlBus.secretKey, secretIv: config.controlBus.secretIv });
    this.channels = new Map(CONTROL_CHANNELS.map((c) => [bus.channelName(c), c]));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.warnUnsealed();
    const onMessage = (channel: string, message: string) => {
      const name = this.channels.get(channel);
      if (name) void this.handle(name, message);
    };
    await this.bus.subscribe([...this.channels.keys()], onMessage).catch((err: Error) => {
      // ioredis re-subscribes by itself once Redis answers.
      this.logger.warn({ reason: err.message }, 'Control bus subscribe failed; will retry on reconnect');
    });
  }

  /**
   * With SECRET_KEY set, producers can seal their messages; while plaintext or legacy (per-field)
   * messages are still accepted, anyone who can publish on Redis can still act without the key,
   * and a captured legacy message can be replayed or spliced. The defaults keep old producers
   * working, so say so at start-up (docs/security.md says how to turn both off).
   */
  private warnUnsealed(): void {
    const { secretKey, allowPlaintext, allowLegacy } = this.config.controlBus;
    if (!secretKey || (!allowPlaintext && !allowLegacy)) return;
    const open = [allowPlaintext ? 'CONTROL_ALLOW_PLAINTEXT' : undefined, allowLegacy ? 'CONTROL_ALLOW_LEGACY' : undefined].filter(Boolean).join(' and ');
    this.logger.warn(
      `SECRET_KEY is set but ${open} still accept${open.includes(' and ') ? '' : 's'} unsealed control messages: ` +
        'anyone who can publish on Redis can act without the key, and legacy messages can be replayed. ' +
        'Once every producer seals its messages, set CONTROL_ALLOW_PLAINTEXT=false and CONTROL_ALLOW_LEGACY=false.',
    );
  }

  /** Handles one raw message; never throws. Exposed for tests and the internal namespace. */
  async handle(channel: ControlChannel, raw: string): Promise<void> {
    const outcome = await this.process(channel, raw).catch((err: unknown) => {
      if (err instanceof ControlMessageError) {
        this.logger.warn({ channel, reason: err.reason, field: err.field }, 'Control message dropped');
        return err.reason;
      }
      if (err instanceof AppError) {
        this.logger.warn({ channel, reason: err.code }, 'Control message refused');
        return err.code.toLowerCase();
      }
      this.logger.error({ channel, reason: (err as Error)?.message }, 'Control message failed');
      return 'error';
    });
    this.metrics.controlBus.inc({ channel, outcome });
  }

  private async process(channel: ControlChannel, raw: string): Promise<string> {
    const { allowPlaintext, allowLegacy } = this.config.controlBus;
    const channelName = this.bus.channelName(channel);
    const command = parseControlMessage(channel, raw, this.codec, allowPlaintext, { channelName, allowLegacy, now: Date.now() });
    if (command.channel === 'emit' && !this.emitter.isAllowed(command.emit.event)) {
      throw new ControlMessageError('invalid_field', 'event');
    }
    if (command.sealedId !== undefined) {
      // Every node sees the message; the first claim of its id applies it, any replay is dropped.
      if (!(await this.emitter.claimOnce(`control-sealed:${command.sealedId}`, SEALED_ID_TTL_MS))) return 'duplicate';
    } else if (!(await this.claim(channel, raw))) return 'duplicate';
    await this.apply(command);
    return 'applied';
  }

  private async claim(channel: string, raw: string): Promise<boolean> {
    const now = Date.now();
    const digest = createHash('sha256').update(channel).update('\0').update(raw).digest('hex');
    const seen = this.copies.get(digest);
    const copy = seen && now - seen.at < CLAIM_TTL_MS ? seen.count + 1 : 1;
    this.copies.set(digest, { count: copy, at: now });
    if (this.copies.size > 10_000) {
      for (const [k, v] of this.copies) if (now - v.at >= CLAIM_TTL_MS) this.copies.delete(k);
    }
    return this.bus.claim(`${digest}:${copy}`, this.config.nodeId, CLAIM_TTL_MS);
  }

  private async apply(command: ControlCommand): Promise<void> {
    switch (command.channel) {
      case 'emit':
        await this.emitter.emit(command.emit);
        return;
      case 'force-logout':
        await this.sessions.forceLogout(command.userId, command.sessionId);
        return;
      case 'kick':
        await this.sessions.kick(command.userId, command.reason, command.invalidateSession);
        return;
    }
  }
}
