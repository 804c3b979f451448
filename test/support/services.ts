/**
 * The configured backend services the tests authenticate as (INTERNAL_SERVICES): `billing`,
 * enabled and described, and `off`, disabled. Keys are long enough for the config's minimum.
 */
export const BILLING_KEY = 'billing-key-0123456789';
export const OFF_KEY = 'off-service-key-0123456789';

export const CONFIGURED_SERVICES = {
  billing: { key: BILLING_KEY, type: 'billing', description: 'Invoices', metadata: { team: 'payments' } },
  off: { key: OFF_KEY, type: 'x', enabled: false },
};

/** CONFIGURED_SERVICES as the INTERNAL_SERVICES environment variable. */
export const INTERNAL_SERVICES = JSON.stringify(CONFIGURED_SERVICES);
