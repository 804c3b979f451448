import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { type Registrant, type ServiceStatus, ServiceStore, type StoredService, serviceKey } from '../engine/service.store.js';
import { hashServiceKey, serviceKeyFingerprint, verifyServiceKey } from './service-key.js';

export interface ServiceIdentity {
  name: string;
  type: string;
}

export interface ServiceView {
  name: string;
  type: string;
  description?: string;
  metadata?: Record<string, unknown>;
  status: ServiceStatus;
  source: 'config' | 'registered';
  createdAt?: string;
  /** Pending registrations: when they are dropped unless approved. */
  expiresAt?: string;
  /** Registered services: who registered them (address, key fingerprint). */
  registrant?: Registrant;
}

export interface Registration {
  serviceName: string;
  serviceKey: string;
  serviceType: string;
  description?: string;
  metadata?: Record<string, unknown>;
}

interface ConfiguredService extends ServiceView {
  keyHash: string;
}

/** A pending registration not approved within this is dropped (docs/protocol.md §6.2). */
export const PENDING_REGISTRATION_TTL_MS = 24 * 60 * 60 * 1000;
/** Pending registrations one client address may hold at once: one address cannot fill MAX_SERVICES. */
export const MAX_PENDING_PER_ADDRESS = 3;

/**
 * Backend services (docs/protocol.md §6.2): configured ones from INTERNAL_SERVICES and registered ones in
 * the store. Keys exist only as scrypt hashes once start-up has hashed the configured ones.
 */
@Injectable()
export class ServiceRegistry implements OnModuleInit {
  private readonly logger = new Logger(ServiceRegistry.name);
  private readonly configured = new Map<string, ConfiguredService>();
  /** Lower-cased configured names: registered names must differ from them without regard to case. */
  private readonly configuredKeys = new Set<string>();
  /** A hash to compare against when the name is unknown, so both cases cost one scrypt. */
  private decoyHash?: Promise<string>;

  constructor(
    private readonly config: AppConfig,
    private readonly store: ServiceStore,
  ) {}

  async onModuleInit(): Promise<void> {
    const rules = this.config.serviceRegistration;
    if (rules.enabled && this.config.internalPort === undefined) {
      this.logger.warn(
        rules.requireApproval
          ? 'SERVICE_REGISTRATION=true on the public port: anyone who reaches /internal can queue registrations under any free name ' +
              '(payments, notifier…) for an operator to approve. Set INTERNAL_PORT to a private port; check the registrant shown by ' +
              'GET /internal/services before approving.'
          : 'SERVICE_REGISTRATION=true with REQUIRE_SERVICE_APPROVAL=false on the public port: anyone who reaches /internal can ' +
              'register a service and use it at once. Set INTERNAL_PORT to a private port, or require approval.',
      );
    }
    this.decoyHash ??= hashServiceKey('decoy-key-never-valid');
    // scrypt runs on libuv's thread pool: hash all configured keys at once, not one by one.
    const entries = Object.entries(this.config.services);
    const hashes = await Promise.all(entries.map(([, def]) => hashServiceKey(def.key)));
    entries.forEach(([name, def], i) => {
      this.configured.set(name, {
        name,
        type: def.type,
        description: def.description,
        metadata: def.metadata,
        status: def.enabled ? 'active' : 'disabled',
        source: 'config',
        keyHash: hashes[i],
      });
      this.configuredKeys.add(serviceKey(name));
    });
  }

  /** AUTH_INVALID for unknown names, wrong keys, disabled or not yet approved services. */
  async authenticate(name: string, key: string): Promise<ServiceIdentity> {
    const service = this.configured.get(name) ?? (await this.store.get(name, Date.now()));
    const valid = await verifyServiceKey(key, service?.keyHash ?? (await this.decoyHash!));
    if (!service || !valid) throw new AppError(ErrorCode.AUTH_INVALID, 'Unknown service or wrong key');
    if (service.status === 'pending') throw new AppError(ErrorCode.AUTH_INVALID, 'Service is waiting for approval');
    if (service.status !== 'active') throw new AppError(ErrorCode.AUTH_INVALID, 'Service is disabled');
    return { name: service.name, type: service.type };
  }

  /** `address`: the client IP of the registering socket (recorded, and capped while pending). */
  async register(reg: Registration, address: string): Promise<{ serviceName: string; status: ServiceStatus }> {
    const rules = this.config.serviceRegistration;
    if (!rules.enabled) throw new AppError(ErrorCode.FORBIDDEN, 'Service registration is disabled');
    if (rules.allowedTypes !== 'any' && !rules.allowedTypes.includes(reg.serviceType)) {
      throw new AppError(ErrorCode.FORBIDDEN, `Service type "${reg.serviceType}" is not allowed`);
    }
    // Cheap checks first: a refused registration never costs a key hash.
    if (this.configuredKeys.has(serviceKey(reg.serviceName))) throw this.nameTaken();
    const now = Date.now();
    if (await this.store.get(reg.serviceName, now)) throw this.nameTaken();
    const maxRegistered = Math.max(0, rules.maxServices - this.configured.size);
    const stored = await this.store.list(now);
    if (stored.length >= maxRegistered) throw this.limitReached();
    const status: ServiceStatus = rules.requireApproval ? 'pending' : 'active';
    const waiting = stored.filter((s) => s.status === 'pending' && s.registrant?.address === address);
    if (status === 'pending' && waiting.length >= MAX_PENDING_PER_ADDRESS) {
      const freed = Math.min(...waiting.map((s) => s.expiresAt ?? now + PENDING_REGISTRATION_TTL_MS));
      throw new AppError(ErrorCode.RATE_LIMITED, `At most ${MAX_PENDING_PER_ADDRESS} registrations from one address may wait for approval`, {
        retryAfterMs: Math.max(0, freed - now),
      });
    }
    const service: StoredService = {
      name: reg.serviceName,
      type: reg.serviceType,
      description: reg.description,
      metadata: reg.metadata,
      keyHash: await hashServiceKey(reg.serviceKey),
      status,
      createdAt: new Date(now).toISOString(),
      ...(status === 'pending' ? { expiresAt: now + PENDING_REGISTRATION_TTL_MS } : {}),
      registrant: { address, keyFingerprint: serviceKeyFingerprint(reg.serviceKey) },
    };
    // The store re-checks both atomically: another node may have registered meanwhile.
    const outcome = await this.store.register(service, maxRegistered, Date.now());
    if (outcome === 'exists') throw this.nameTaken();
    if (outcome === 'limit') throw this.limitReached();
    return { serviceName: service.name, status };
  }

  async list(): Promise<ServiceView[]> {
    const registered = (await this.store.list(Date.now())).map((s) => this.view(s));
    return [...[...this.configured.values()].map((s) => this.view(s)), ...registered];
  }

  async approve(name: string): Promise<ServiceView> {
    if (this.configured.has(name)) throw new AppError(ErrorCode.FORBIDDEN, 'Configured services need no approval');
    const updated = await this.store.setStatus(name, 'active', Date.now());
    if (!updated) throw new AppError(ErrorCode.NOT_FOUND, `No registered service "${name}"`);
    return this.view(updated);
  }

  async remove(name: string): Promise<void> {
    if (this.configured.has(name)) throw new AppError(ErrorCode.FORBIDDEN, 'Configured services are removed from INTERNAL_SERVICES');
    if (!(await this.store.remove(name))) throw new AppError(ErrorCode.NOT_FOUND, `No registered service "${name}"`);
  }

  /** Still allowed to act: not removed, disabled or pending since it authenticated. */
  async isActive(name: string): Promise<boolean> {
    const service = this.configured.get(name) ?? (await this.store.get(name, Date.now()));
    return service?.status === 'active';
  }

  private limitReached(): AppError {
    return new AppError(ErrorCode.FORBIDDEN, `MAX_SERVICES (${this.config.serviceRegistration.maxServices}) reached`);
  }

  private nameTaken(): AppError {
    return new AppError(ErrorCode.VALIDATION_FAILED, 'Service name is taken', [{ field: 'serviceName', errors: ['serviceName is taken'] }]);
  }

  private view(s: StoredService | ConfiguredService): ServiceView {
    return {
      name: s.name,
      type: s.type,
      description: s.description,
      metadata: s.metadata,
      status: s.status,
      source: 'source' in s ? s.source : 'registered',
      createdAt: s.createdAt,
      ...('expiresAt' in s && s.expiresAt !== undefined ? { expiresAt: new Date(s.expiresAt).toISOString() } : {}),
      ...('registrant' in s && s.registrant !== undefined ? { registrant: s.registrant } : {}),
    };
  }
}
