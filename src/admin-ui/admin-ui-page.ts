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
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
};

/** The Material Design Icons the page's CSS link fetched from a CDN, served from the @mdi/font package instead. */
const ICONS_DIR = 'mdi';
const ICONS_CSS = `${ICONS_DIR}/css/materialdesignicons.min.css`;

/** What the page needs from the server it is served by. */
export interface AdminUiPageSettings {
  /** ADMIN_UI_READONLY: the page's read-only toggle starts as the server's mode. */
  readonly: boolean;
}

const packageDir = (name: string): string => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

/** Every file of `root` with a served type, by its path below `root` (forward slashes, `prefix` first). */
async function filesOf(root: string, prefix = ''): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !(extname(entry.name) in TYPES)) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(prefix + relative(root, path).split(sep).join('/'), path);
  }
  return files;
}

/** The page's files shipped in the package (`ui/dist`, source maps left out) and the icon font's CSS and fonts. */
async function pageFiles(): Promise<Map<string, string>> {
  const files = await filesOf(join(packageDir('@socket.io/admin-ui'), 'ui', 'dist'));
  if (!files.has('index.html')) throw new Error('@socket.io/admin-ui ships no ui/dist/index.html: the Admin UI page cannot be served');
  const icons = packageDir('@mdi/font');
  for (const [name, path] of await filesOf(join(icons, 'fonts'), `${ICONS_DIR}/fonts/`)) files.set(name, path);
  files.set(ICONS_CSS, join(icons, 'css', 'materialdesignicons.min.css'));
  return files;
}

/**
 * index.html as served: no request leaves for a CDN (the Roboto font link is dropped, the page
 * falls back to the system's sans-serif; the icon font comes from /admin-ui/mdi/), and a first
 * script prefills what the UI reads from localStorage: the server URL (this origin, where the
 * `/admin` namespace is) when none is saved yet, and the read-only toggle (the server's mode).
 * Throws when the package's page still names another host, so an upgrade cannot bring one back.
 */
export function rewriteIndex(html: string, settings: AdminUiPageSettings): string {
  let out = html.replace(/<link[^>]*href="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>/g, '');
  out = out.replace(/(<link[^>]*href=")https:\/\/cdn\.jsdelivr\.net\/npm\/@mdi\/font@[^/"]+\/css\/materialdesignicons\.min\.css("[^>]*>)/, `$1${ICONS_CSS}$2`);
  const external = /(?:href|src)="(?:https?:)?\/\/[^"]*"/.exec(out);
  if (external) throw new Error(`the @socket.io/admin-ui page loads ${external[0]}: serve it from the gateway or drop it (src/admin-ui/admin-ui-page.ts)`);
  const prefill =
    '<script>try{var s=window.localStorage;' +
    "if(!s.getItem('server_url'))s.setItem('server_url',location.origin);" +
    `s.setItem('readonly','${settings.readonly}')}catch(e){}</script>`;
  if (!out.includes('</title>')) throw new Error('the @socket.io/admin-ui page has no <title>: cannot place the settings script');
  return out.replace('</title>', `</title>${prefill}`);
}

/** The sockets table's columns in the package's app bundle: `#` (the socket id), then the address. */
const SOCKET_COLUMNS = '{text:"#",value:"id",align:"start"},{text:this.$t("sockets.address"),value:"handshake.address"}';

/**
 * The app bundle as served: the sockets table shows each socket's user (`socket.data.userId`,
 * which the package sends with every socket) between its id and its address. Throws when the
 * bundle no longer has that table, so an upgrade of the package is noticed at start-up.
 */
export function rewriteApp(js: string): string {
  if (!js.includes(SOCKET_COLUMNS)) throw new Error('the @socket.io/admin-ui app bundle has no sockets table as expected: cannot add the user column (src/admin-ui/admin-ui-page.ts)');
  return js.replace(SOCKET_COLUMNS, '{text:"#",value:"id",align:"start"},{text:"User",value:"data.userId"},{text:this.$t("sockets.address"),value:"handshake.address"}');
}

/**
 * Serves the Admin UI's own page at /admin-ui/ so an operator needs no internet to reach it: the
 * package's page, with its CDN links replaced as above. Only names found at start-up are served:
 * nothing else under the path can be read. The page's asset links are relative, so `/admin-ui`
 * redirects to `/admin-ui/`.
 */
export async function registerAdminUiPage(fastify: FastifyInstance, settings: AdminUiPageSettings): Promise<void> {
  const files = await pageFiles();
  const rewritten = new Map<string, Buffer>();
  rewritten.set('index.html', Buffer.from(rewriteIndex(await readFile(files.get('index.html')!, 'utf8'), settings)));
  const apps = [...files.keys()].filter((name) => /^js\/app\.[\w]+\.js$/.test(name));
  if (apps.length !== 1) throw new Error(`@socket.io/admin-ui ships ${apps.length} app bundles (js/app.*.js), expected one`);
  rewritten.set(apps[0], Buffer.from(rewriteApp(await readFile(files.get(apps[0])!, 'utf8'))));

  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    const name = path.replace(/^\/+admin-ui\/*/i, '');
    if (name === '' && !path.endsWith('/')) return reply.redirect(`${ADMIN_UI_PATH}/`, 301);
    const key = name === '' ? 'index.html' : name;
    const file = files.get(key);
    if (!file) return reply.code(404).send(fail(new AppError(ErrorCode.NOT_FOUND, 'Route not found').toBody()));
    return reply
      .type(TYPES[extname(file)])
      .header('cache-control', key === 'index.html' ? 'no-cache' : 'public, max-age=86400')
      .send(rewritten.get(key) ?? (await readFile(file)));
  };
  fastify.get(ADMIN_UI_PATH, serve);
  fastify.get(`${ADMIN_UI_PATH}/*`, serve);
}
