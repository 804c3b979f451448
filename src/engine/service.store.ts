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
}

export type RegisterOutcome = 'registered' | 'exists' | 'limit';

/** Registered services, shared by every node and kept across restarts with the Redis engine. */
export abstract class ServiceStore {
  /** Atomically adds `service` unless its name is taken or `maxRegistered` are already stored. */
  abstract register(service: StoredService, maxRegistered: number): Promise<RegisterOutcome>;
  abstract get(name: string): Promise<StoredService | undefined>;
  abstract list(): Promise<StoredService[]>;
  /** Atomically changes the status; undefined when there is no such service. */
  abstract setStatus(name: string, status: ServiceStatus): Promise<StoredService | undefined>;
  abstract remove(name: string): Promise<boolean>;
}
