import { AppError, ErrorCode } from '../common/error-codes.js';
import type { AppConfig } from '../config/app-config.js';
import { type Env, loadConfig } from '../config/load-config.js';
import { MemoryServiceStore } from '../engine/memory/memory-service.store.js';
import { BILLING_KEY, INTERNAL_SERVICES, OFF_KEY } from '../../test/support/services.js';
import { ServiceRegistry, type Registration } from './service-registry.service.js';


interface Built {
  sut: ServiceRegistry;
  config: AppConfig;
  store: MemoryServiceStore;
}

/** A registry over the real memory store, initialised like Nest would (onModuleInit). */
async function build(env: Env = {}): Promise<Built> {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(20), INTERNAL_SERVICES, SERVICE_REGISTRATION: 'true', ...env });
  const store = new MemoryServiceStore();
  const sut = new ServiceRegistry(config, store);
  await sut.onModuleInit();
  return { sut, config, store };
}

let n = 0;
const reg = (over: Partial<Registration> = {}): Registration => {
  n += 1;
  return { serviceName: `svc-${n}`, serviceKey: `svc-key-${n}-0123456789`, serviceType: 'billing', ...over };
};

/** Resolves with the AppError a promise rejects with; fails the test when it resolves. */
async function appError(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    (value) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected an AppError, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(AppError);
  return outcome.error as AppError;
}

describe('ServiceRegistry', () => {
  describe('onModuleInit', () => {
    // The plaintext stays where it came from (INTERNAL_SERVICES in the environment); the
    // registry keeps only hashes and never writes to the injected config.
    it('leaves the injected config as it was', async () => {
      const { config } = await build();
      expect(config.services.billing.key).toBe(BILLING_KEY);
      expect(config.services.off.key).toBe(OFF_KEY);
    });

    it('authenticates against the hash taken at start-up', async () => {
      const { sut } = await build();
      await expect(sut.authenticate('billing', BILLING_KEY)).resolves.toEqual({ name: 'billing', type: 'billing' });
    });
  });

  describe('authenticate', () => {
    let built: Built;
    beforeAll(async () => {
      built = await build({ REQUIRE_SERVICE_APPROVAL: 'true' });
    });

    it('returns the identity of a configured service with the right key', async () => {
      await expect(built.sut.authenticate('billing', BILLING_KEY)).resolves.toEqual({ name: 'billing', type: 'billing' });
    });

    it('refuses a wrong key with AUTH_INVALID', async () => {
      expect((await appError(built.sut.authenticate('billing', `${BILLING_KEY}x`))).code).toBe(ErrorCode.AUTH_INVALID);
      expect((await appError(built.sut.authenticate('billing', ''))).code).toBe(ErrorCode.AUTH_INVALID);
    });

    it("refuses another service's key with AUTH_INVALID", async () => {
      expect((await appError(built.sut.authenticate('billing', OFF_KEY))).code).toBe(ErrorCode.AUTH_INVALID);
    });

    it('refuses an unknown service with AUTH_INVALID', async () => {
      expect((await appError(built.sut.authenticate('nobody', BILLING_KEY))).code).toBe(ErrorCode.AUTH_INVALID);
    });

    it('refuses a disabled configured service with AUTH_INVALID even with its right key', async () => {
      expect((await appError(built.sut.authenticate('off', OFF_KEY))).code).toBe(ErrorCode.AUTH_INVALID);
    });

    it('refuses a pending registered service with AUTH_INVALID, and accepts it once approved', async () => {
      const r = reg();
      await built.sut.register(r, '127.0.0.1');
      expect((await appError(built.sut.authenticate(r.serviceName, r.serviceKey))).code).toBe(ErrorCode.AUTH_INVALID);
      await built.sut.approve(r.serviceName);
      await expect(built.sut.authenticate(r.serviceName, r.serviceKey)).resolves.toEqual({ name: r.serviceName, type: 'billing' });
    });

    it('refuses a registered service with a wrong key', async () => {
      const r = reg();
      await built.sut.register(r, '127.0.0.1');
      await built.sut.approve(r.serviceName);
      expect((await appError(built.sut.authenticate(r.serviceName, `${r.serviceKey}x`))).code).toBe(ErrorCode.AUTH_INVALID);
    });

    it('refuses a registered service that was disabled in the store', async () => {
      const r = reg();
      await built.sut.register(r, '127.0.0.1');
      await built.store.setStatus(r.serviceName, 'disabled', Date.now());
      expect((await appError(built.sut.authenticate(r.serviceName, r.serviceKey))).code).toBe(ErrorCode.AUTH_INVALID);
    });
  });

  describe('register', () => {
    it('refuses a taken name (any case) or a full registry before the store is asked to register (no key hash)', async () => {
      const { sut, store } = await build({ MAX_SERVICES: '3' });
      await sut.register(reg({ serviceName: 'acme' }), '127.0.0.1');
      let registerCalls = 0;
      const register = store.register.bind(store);
      store.register = (...args) => {
        registerCalls += 1;
        return register(...args);
      };
      expect((await appError(sut.register(reg({ serviceName: 'ACME' }), '127.0.0.1'))).code).toBe(ErrorCode.VALIDATION_FAILED);
      expect((await appError(sut.register(reg({ serviceName: 'BILLING' }), '127.0.0.1'))).code).toBe(ErrorCode.VALIDATION_FAILED);
      expect((await appError(sut.register(reg(), '127.0.0.1')))).toMatchObject({ code: ErrorCode.FORBIDDEN, message: expect.stringMatching(/MAX_SERVICES/) });
      expect(registerCalls).toBe(0);
    });

    it('gives a pending registration a 24 h expiry, and none when approval is off', async () => {
      const { sut, store } = await build();
      const before = Date.now();
      await sut.register(reg({ serviceName: 'waits' }), '127.0.0.1');
      expect((await store.get('waits', Date.now()))?.expiresAt).toBeGreaterThanOrEqual(before + 24 * 3600 * 1000);
      const open = await build({ REQUIRE_SERVICE_APPROVAL: 'false' });
      await open.sut.register(reg({ serviceName: 'open' }), '127.0.0.1');
      expect((await open.store.get('open', Date.now()))?.expiresAt).toBeUndefined();
    });

    it('is FORBIDDEN when SERVICE_REGISTRATION is off', async () => {
      const { sut, store } = await build({ SERVICE_REGISTRATION: 'false' });
      expect((await appError(sut.register(reg(), '127.0.0.1'))).code).toBe(ErrorCode.FORBIDDEN);
      expect(await store.list(Date.now())).toEqual([]);
    });

    it('is FORBIDDEN for a type outside ALLOWED_SERVICE_TYPES', async () => {
      const { sut, store } = await build({ ALLOWED_SERVICE_TYPES: 'billing, analytics' });
      expect((await appError(sut.register(reg({ serviceType: 'mailer' }), '127.0.0.1'))).code).toBe(ErrorCode.FORBIDDEN);
      expect(await store.list(Date.now())).toEqual([]);
      await expect(sut.register(reg({ serviceType: 'analytics' }), '127.0.0.1')).resolves.toMatchObject({ status: 'pending' });
    });

    it('is VALIDATION_FAILED for the name of a configured service', async () => {
      const { sut, store } = await build();
      expect((await appError(sut.register(reg({ serviceName: 'billing' }), '127.0.0.1'))).code).toBe(ErrorCode.VALIDATION_FAILED);
      expect((await appError(sut.register(reg({ serviceName: 'off' }), '127.0.0.1'))).code).toBe(ErrorCode.VALIDATION_FAILED);
      expect(await store.list(Date.now())).toEqual([]);
      // and the configured service keeps its own key
      await expect(sut.authenticate('billing', BILLING_KEY)).resolves.toEqual({ name: 'billing', type: 'billing' });
    });

    it('is VALIDATION_FAILED for a name already registered, keeping the first key', async () => {
      const { sut } = await build({ REQUIRE_SERVICE_APPROVAL: 'false' });
      const first = reg();
      await sut.register(first, '127.0.0.1');
      const err = await appError(sut.register({ ...first, serviceKey: 'a-different-key-0123456789' }, '127.0.0.1'));
      expect(err.code).toBe(ErrorCode.VALIDATION_FAILED);
      await expect(sut.authenticate(first.serviceName, first.serviceKey)).resolves.toMatchObject({ name: first.serviceName });
      expect((await appError(sut.authenticate(first.serviceName, 'a-different-key-0123456789'))).code).toBe(ErrorCode.AUTH_INVALID);
    });

    it('counts configured services against MAX_SERVICES (FORBIDDEN beyond it)', async () => {
      // 2 configured + 1 registered = 3
      const { sut, store } = await build({ MAX_SERVICES: '3' });
      await expect(sut.register(reg(), '127.0.0.1')).resolves.toMatchObject({ status: 'pending' });
      expect((await appError(sut.register(reg(), '127.0.0.1'))).code).toBe(ErrorCode.FORBIDDEN);
      expect(await store.list(Date.now())).toHaveLength(1);
    });

    it('is FORBIDDEN at once when the configured services alone reach MAX_SERVICES', async () => {
      const { sut, store } = await build({ MAX_SERVICES: '1' });
      expect((await appError(sut.register(reg(), '127.0.0.1'))).code).toBe(ErrorCode.FORBIDDEN);
      expect(await store.list(Date.now())).toEqual([]);
    });

    it('leaves a service pending until approved when approval is required (the default)', async () => {
      const { sut } = await build();
      const r = reg();
      await expect(sut.register(r, '127.0.0.1')).resolves.toEqual({ serviceName: r.serviceName, status: 'pending' });
      expect(await sut.isActive(r.serviceName)).toBe(false);
      await expect(sut.approve(r.serviceName)).resolves.toMatchObject({ name: r.serviceName, status: 'active' });
      expect(await sut.isActive(r.serviceName)).toBe(true);
    });

    it('activates at once with REQUIRE_SERVICE_APPROVAL=false', async () => {
      const { sut } = await build({ REQUIRE_SERVICE_APPROVAL: 'false' });
      const r = reg();
      await expect(sut.register(r, '127.0.0.1')).resolves.toEqual({ serviceName: r.serviceName, status: 'active' });
      await expect(sut.authenticate(r.serviceName, r.serviceKey)).resolves.toEqual({ name: r.serviceName, type: 'billing' });
    });

    it('stores only a hash of the key', async () => {
      const { sut, store } = await build();
      const r = reg();
      await sut.register(r, '127.0.0.1');
      const stored = await store.get(r.serviceName, Date.now());
      expect(stored?.keyHash).toMatch(/^scrypt\$/);
      expect(JSON.stringify(stored)).not.toContain(r.serviceKey);
    });
  });

  describe('list', () => {
    it('lists configured and registered services without any key or hash', async () => {
      const { sut } = await build();
      const r = reg({ description: 'Reports', metadata: { v: 1 } });
      await sut.register(r, '127.0.0.1');
      const list = await sut.list();
      expect(list.map((s) => [s.name, s.status, s.source])).toEqual([
        ['billing', 'active', 'config'],
        ['off', 'disabled', 'config'],
        [r.serviceName, 'pending', 'registered'],
      ]);
      expect(list[0]).toMatchObject({ type: 'billing', description: 'Invoices', metadata: { team: 'payments' } });
      expect(list[2]).toMatchObject({ description: 'Reports', metadata: { v: 1 }, createdAt: expect.any(String) });
      for (const s of list) expect(s).not.toHaveProperty('keyHash');
      const text = JSON.stringify(list);
      expect(text).not.toContain('scrypt$');
      expect(text).not.toContain(r.serviceKey);
      expect(text).not.toContain(BILLING_KEY);
    });
  });

  describe('approve', () => {
    it('is NOT_FOUND for an unknown service', async () => {
      const { sut } = await build();
      expect((await appError(sut.approve('nobody'))).code).toBe(ErrorCode.NOT_FOUND);
    });

    it('is FORBIDDEN for a configured service, which stays as configured', async () => {
      const { sut } = await build();
      expect((await appError(sut.approve('off'))).code).toBe(ErrorCode.FORBIDDEN);
      expect(await sut.isActive('off')).toBe(false);
    });

    it('returns the approved service view without its hash', async () => {
      const { sut } = await build();
      const r = reg();
      await sut.register(r, '127.0.0.1');
      const view = await sut.approve(r.serviceName);
      expect(view).toMatchObject({ name: r.serviceName, type: 'billing', status: 'active', source: 'registered' });
      expect(view).not.toHaveProperty('keyHash');
    });
  });

  describe('remove', () => {
    it('is NOT_FOUND for an unknown service', async () => {
      const { sut } = await build();
      expect((await appError(sut.remove('nobody'))).code).toBe(ErrorCode.NOT_FOUND);
    });

    it('is FORBIDDEN for a configured service, which keeps working', async () => {
      const { sut } = await build();
      expect((await appError(sut.remove('billing'))).code).toBe(ErrorCode.FORBIDDEN);
      await expect(sut.authenticate('billing', BILLING_KEY)).resolves.toMatchObject({ name: 'billing' });
    });

    it('removes a registered service: it can no longer authenticate and a second remove is NOT_FOUND', async () => {
      const { sut } = await build({ REQUIRE_SERVICE_APPROVAL: 'false' });
      const r = reg();
      await sut.register(r, '127.0.0.1');
      await sut.remove(r.serviceName);
      expect(await sut.isActive(r.serviceName)).toBe(false);
      expect((await appError(sut.authenticate(r.serviceName, r.serviceKey))).code).toBe(ErrorCode.AUTH_INVALID);
      expect((await appError(sut.remove(r.serviceName))).code).toBe(ErrorCode.NOT_FOUND);
    });

    it('frees a slot under MAX_SERVICES and the name for a new registration', async () => {
      const { sut } = await build({ MAX_SERVICES: '3' });
      const r = reg();
      await sut.register(r, '127.0.0.1');
      await sut.remove(r.serviceName);
      await expect(sut.register({ ...r, serviceKey: 'the-new-key-0123456789' }, '127.0.0.1')).resolves.toMatchObject({ serviceName: r.serviceName });
    });
  });

  describe('isActive', () => {
    let built: Built;
    beforeAll(async () => {
      built = await build();
    });

    it('is true for an enabled configured service and false for a disabled one', async () => {
      expect(await built.sut.isActive('billing')).toBe(true);
      expect(await built.sut.isActive('off')).toBe(false);
    });

    it('is false for an unknown service', async () => {
      expect(await built.sut.isActive('nobody')).toBe(false);
    });

    it('follows the status of a registered service', async () => {
      const r = reg();
      await built.sut.register(r, '127.0.0.1');
      expect(await built.sut.isActive(r.serviceName)).toBe(false);
      await built.sut.approve(r.serviceName);
      expect(await built.sut.isActive(r.serviceName)).toBe(true);
      await built.store.setStatus(r.serviceName, 'disabled', Date.now());
      expect(await built.sut.isActive(r.serviceName)).toBe(false);
    });
  });
});
