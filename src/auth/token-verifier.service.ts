import { createHash, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { MAX_ID_LENGTH } from '../common/validators.js';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { JwtPayload } from 'jsonwebtoken';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';

export interface VerifiedToken {
  userId: string;
  sessionId: string;
  /** False when the token names no session (`session_id`, `sid`, `jti`) and its hash stands in. */
  hasSessionClaim: boolean;
  roles: string[];
  /** Expiry in ms since the epoch, when the token has one. */
  expiresAt?: number;
  /** Chat ids granted by the `chats` claim. */
  chats: string[];
}

const MAX_TOKEN_LENGTH = 8192;
const LEEWAY_SEC = 30;
const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;

function isId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;
}

/** First claim present wins; a present claim of the wrong shape is an error, not a fallthrough. */
function firstPresent(payload: JwtPayload, names: string[]): unknown {
  for (const n of names) if (payload[n] !== undefined && payload[n] !== null) return payload[n];
  return undefined;
}

/**
 * Verifies user JWTs (docs/protocol.md §2.1): algorithm allowlist checked against the header before the
 * signature, HS* with the secret and RS/ES/PS with the public key, issuer/audience, exp,
 * and nbf/iat with 30 s leeway.
 */
@Injectable()
export class TokenVerifier {
  /** Key objects built once: jsonwebtoken would otherwise rebuild one from the text on every verify. */
  private readonly hmacKey?: KeyObject;
  private readonly publicKey?: KeyObject;

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {
    const { secret, publicKey } = config.jwt;
    this.hmacKey = secret ? createSecretKey(Buffer.from(secret)) : undefined;
    this.publicKey = publicKey ? createPublicKey(publicKey) : undefined;
  }

  verify(token: string): VerifiedToken {
    const invalid = (message: string) => new AppError(ErrorCode.AUTH_INVALID, message);
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalid('Malformed token');
    const alg = this.headerAlgorithm(token);
    if (alg === null) throw invalid('Malformed token: not a JWT (header.payload.signature)');
    const { algorithms, issuer, audience } = this.config.jwt;
    if (!alg || !(algorithms as string[]).includes(alg)) throw invalid('Token algorithm not allowed');
    const key = alg.startsWith('HS') ? this.hmacKey : this.publicKey;
    if (!key) throw invalid('Token algorithm not allowed');

    let payload: JwtPayload;
    try {
      payload = this.jwt.verify<JwtPayload>(token, {
        secret: key as unknown as string,
        algorithms: [alg as (typeof algorithms)[number]],
        issuer,
        audience,
        ignoreNotBefore: true,
        clockTolerance: 0,
      });
    } catch (err) {
      if ((err as Error).name === 'TokenExpiredError') throw new AppError(ErrorCode.AUTH_EXPIRED, 'Token expired');
      throw invalid('Token verification failed');
    }
    if (typeof payload !== 'object' || payload === null) throw invalid('Malformed token');

    // A time claim of another type would be skipped by the checks below: refuse it.
    for (const claim of TIME_CLAIMS) {
      if (payload[claim] !== undefined && typeof payload[claim] !== 'number') throw invalid(`Malformed ${claim} claim: not a number`);
    }
    const nowSec = Date.now() / 1000;
    if (typeof payload.nbf === 'number' && payload.nbf > nowSec + LEEWAY_SEC) throw invalid('Token not yet valid');
    if (typeof payload.iat === 'number' && payload.iat > nowSec + LEEWAY_SEC) throw invalid('Token issued in the future');

    const userId = firstPresent(payload, ['user_id', 'userId', 'sub']);
    if (!isId(userId)) throw invalid('Token has no valid user id');
    const sid = firstPresent(payload, ['session_id', 'sid']);
    if (sid !== undefined && !isId(sid)) throw invalid('Token has an invalid session id');
    const claimed = sid ?? (isId(payload.jti) ? payload.jti : undefined);
    const sessionId = claimed ?? createHash('sha256').update(token).digest('hex').slice(0, 32);

    return {
      userId,
      sessionId,
      hasSessionClaim: claimed !== undefined,
      roles: this.roles(payload),
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
      chats: Array.isArray(payload.chats) ? (payload.chats as unknown[]).filter(isId).slice(0, 1000) : [],
    };
  }

  /** The header's `alg`; null when the text does not decode as a JWT at all. */
  private headerAlgorithm(token: string): string | undefined | null {
    let decoded: { header?: { alg?: unknown } } | null;
    try {
      decoded = this.jwt.decode<{ header?: { alg?: unknown } } | null>(token, { complete: true });
    } catch {
      return null;
    }
    if (!decoded || typeof decoded.header !== 'object' || decoded.header === null) return null;
    const alg = decoded.header.alg;
    return typeof alg === 'string' ? alg : undefined;
  }

  private roles(payload: JwtPayload): string[] {
    if (Array.isArray(payload.roles)) return (payload.roles as unknown[]).filter((r): r is string => typeof r === 'string');
    return typeof payload.role === 'string' ? [payload.role] : [];
  }
}
