import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fail } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';

export const ADMIN_UI_PATH = '/admin-ui';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** The page's files shipped in the package (`ui/dist`), by URL path below /admin-ui/; source maps left out. */
async function pageFiles(): Promise<Map<string, string>> {
  const root = join(dirname(createRequire(import.meta.url).resolve('@socket.io/admin-ui/package.json')), 'ui', 'dist');
  const files = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !(extname(entry.name) in TYPES)) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(root, path).split(sep).join('/'), path);
  }
  if (!files.has('index.html')) throw new Error('@socket.io/admin-ui ships no ui/dist/index.html: the Admin UI page cannot be served');
  return files;
}

/**
 * Serves the Admin UI's own page at /admin-ui/ so an operator needs no internet to reach it (its
 * fonts and icons still come from public CDNs when reachable). Only names found in the package at
 * start-up are served: nothing else under the path can be read. The page's asset links are
 * relative, so `/admin-ui` redirects to `/admin-ui/`.
 */
export async function registerAdminUiPage(fastify: FastifyInstance): Promise<void> {
  const files = await pageFiles();
  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    const name = path.replace(/^\/+admin-ui\/*/i, '');
    if (name === '' && !path.endsWith('/')) return reply.redirect(`${ADMIN_UI_PATH}/`, 301);
    const file = files.get(name === '' ? 'index.html' : name);
    if (!file) return reply.code(404).send(fail(new AppError(ErrorCode.NOT_FOUND, 'Route not found').toBody()));
    return reply
      .type(TYPES[extname(file)])
      .header('cache-control', name === '' ? 'no-cache' : 'public, max-age=86400')
      .send(await readFile(file));
  };
  fastify.get(ADMIN_UI_PATH, serve);
  fastify.get(`${ADMIN_UI_PATH}/*`, serve);
}
