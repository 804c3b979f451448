export type ServiceStatus = 'pending' | 'active' | 'disabled';

/** A dynamically registered backend service; the key only as a hash. */
export interface StoredService {
  name: string;
  type: string;
  description?: string;
  metadata?: Record<string, unknown>;
  keyHash: string;
  status: ServiceStatus;
  createdAt: string;
  /** A pending registration is dropped at this time (ms since the epoch) unless approved first. */
  expiresAt?: number;
  /** Who registered it over `/internal`: shown to the operator who approves it. */
  registrant?: Registrant;
}

export interface Registrant {
  /** The client IP of the registering socket. */
  address: string;
  /** `sha256:` and the first 16 hex digits of the key's SHA-256: the service's owner can compare it. */
  keyFingerprint: string;
}

/** Names are unique without regard to case: stores key services by this. */
export const serviceKey = (name: string) => name.toLowerCase();

export type RegisterOutcome = 'registered' | 'exists' | 'limit';

/**
 * Registered services, shared by every node and kept across restarts with the Redis engine.
 * Names match without regard to case; a pending service whose `expiresAt` is at or before the
 * caller's `now` (ms since the epoch) no longer exists.
 */
export abstract class ServiceStore {
  /** Atomically adds `service` unless its name is taken or `maxRegistered` are already stored (expired pending ones dropped first). */
  abstract register(service: StoredService, maxRegistered: number, now: number): Promise<RegisterOutcome>;
  abstract get(name: string, now: number): Promise<StoredService | undefined>;
  abstract list(now: number): Promise<StoredService[]>;
  /** Atomically changes the status (leaving `pending` clears the expiry); undefined when there is no such service. */
  abstract setStatus(name: string, status: ServiceStatus, now: number): Promise<StoredService | undefined>;
  abstract remove(name: string): Promise<boolean>;
}
