import type { FastifyRequest } from 'fastify';

/**
 * The path the router matched (its registered spelling), else the raw path of an unmatched
 * request. The router is case-insensitive and tolerates extra slashes, so decisions by path use
 * this: `/INTERNAL//emit/` is `/internal/emit`.
 */
export function routePath(req: FastifyRequest): string {
  const matched = req.routeOptions.url;
  if (matched !== undefined) return matched;
  const raw = req.url.split('?')[0].replace(/\/{2,}/g, '/');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
