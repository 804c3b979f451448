import { type Browser, chromium, type Page } from 'playwright-core';
import { startApp, type TestApp, TEST_INTERNAL_SECRET, userToken } from '../support/app.js';
import { closeAllClients, connectUser, nextEvent } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { assertBuilt, type Gateway, killAllGateways, spawnGateway } from '../support/node-process.js';
import { freePort } from '../support/redis-server.js';

// GET /demo in a real Chromium (Debian's, never a downloaded one): the page connects as the dev
// user by itself, shows what the printed curl pushes, and sends chat and direct messages.

const CHROMIUM = '/usr/bin/chromium';
const UI_WAIT_MS = 20_000;

interface Banner {
  demoUrl: string;
  token: string;
  curl: string;
  url: string;
  auth: string;
  body: string;
}

function parseBanner(out: string): Banner {
  const demoUrl = /demo page[^\n]*\n\s*(\S+)/.exec(out)?.[1];
  const token = /user token for "[^"]+"[^\n]*\n\s*(\S+)/.exec(out)?.[1];
  const curl = /curl .*/.exec(out)?.[0];
  const url = curl && /-X POST (\S+)/.exec(curl)?.[1];
  const auth = curl && /-H 'Authorization: ([^']+)'/.exec(curl)?.[1];
  const body = curl && /-d '([^']+)'/.exec(curl)?.[1];
  if (!demoUrl || !token || !curl || !url || !auth || !body) throw new Error(`unexpected banner:\n${out}`);
  return { demoUrl, token, curl, url, auth, body };
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

/** Waits until `selector`'s text satisfies `accept` (the page updates it from socket events). */
async function untilText(page: Page, selector: string, accept: (text: string) => boolean, what: string): Promise<string> {
  return eventually(what, () => text(page, selector), accept, { timeoutMs: UI_WAIT_MS, intervalMs: 50 });
}

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await killAllGateways();
});
afterEach(() => closeAllClients());

describe('/demo on a development-mode gateway (npm start without JWT_SECRET)', () => {
  let gw: Gateway;
  let banner: Banner;

  beforeAll(async () => {
    assertBuilt();
    gw = await spawnGateway({ PORT: String(await freePort()), HOST: '127.0.0.1' });
    await eventually('the dev banner', async () => gw.stdout(), (out) => /curl .*\n/.test(out), { timeoutMs: 40_000 });
    banner = parseBanner(gw.stdout());
  });

  it('connects as the dev user, shows the printed curl, and shows the event that curl pushes', async () => {
    const page = await browser.newPage();
    await page.goto(banner.demoUrl);
    await untilText(page, '#state', (t) => t === 'connected', 'the page to show "connected"');
    expect(await text(page, '#user')).toBe('dev-user');
    await untilText(page, '#presence', (t) => t === 'online', 'the dev user online');
    expect(await text(page, '#curl')).toBe(banner.curl);

    const res = await fetch(banner.url, { method: 'POST', headers: { Authorization: banner.auth, 'Content-Type': 'application/json' }, body: banner.body });
    expect(res.status).toBe(200);

    const pushed = JSON.parse(banner.body) as { event: string; payload: { title: string } };
    const entry = await untilText(page, `#log li[data-event="${pushed.event}"]`, (t) => t.includes(pushed.payload.title), 'the pushed event in the log').catch(
      async (err: Error) => {
        throw new Error(`${err.message}; log: ${await text(page, '#log')}`);
      },
    );
    expect(entry).toContain(JSON.stringify(pushed.payload));
    await page.close();
  });

  it('sends a chat message (message:new) and a direct message (send_message) from the form to another socket', async () => {
    const page = await browser.newPage();
    await page.goto(banner.demoUrl);
    await untilText(page, '#state', (t) => t === 'connected', 'the page to show "connected"');
    // Another device of the dev user (the banner's token): in the dev chat and a recipient of its DMs.
    const other = await connectUser(new URL(banner.url).origin, banner.token);

    const chat = nextEvent<{ chatId: string; senderId: string; content: string }>(other, 'message:new');
    const content = `chat from the page ${Date.now()}`;
    await page.fill('#text', content);
    await page.click('#send-form button[type="submit"]');
    await expect(chat).resolves.toMatchObject({ chatId: 'demo', senderId: 'dev-user', content });
    await untilText(page, '#send-result', (t) => t.startsWith('ack:'), 'the ack on the page');

    const direct = nextEvent<{ from: string; message: string }>(other, 'message');
    await page.selectOption('#kind', 'send_message');
    expect(await page.inputValue('#target')).toBe('dev-user');
    const message = `dm from the page ${Date.now()}`;
    await page.fill('#text', message);
    await page.click('#send-form button[type="submit"]');
    await expect(direct).resolves.toMatchObject({ from: 'dev-user', message });
    await page.close();
  });
});

describe('/demo outside development mode', () => {
  let apps: TestApp[] = [];

  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
  });

  async function start(env: Record<string, string>): Promise<TestApp> {
    const app = await startApp(env);
    apps.push(app);
    return app;
  }

  it('does not exist with NODE_ENV=production', async () => {
    const app = await start({ NODE_ENV: 'production' });
    for (const path of ['/demo', '/demo/token', '/demo/client/index.js', '/demo/socket.io-client.js']) {
      expect((await fetch(`${app.url}${path}`)).status).toBe(404);
    }
  });

  it('does not exist with DEMO_PAGE=false in development', async () => {
    const app = await start({ DEMO_PAGE: 'false' });
    expect((await fetch(`${app.url}/demo`)).status).toBe(404);
  });

  it('is served with NODE_ENV=production and DEMO_PAGE=true, without a token or a secret, and connects with a pasted token', async () => {
    const app = await start({ NODE_ENV: 'production', DEMO_PAGE: 'true' });
    const res = await fetch(`${app.url}/demo`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).not.toContain(TEST_INTERNAL_SECRET);
    expect(html).toContain('$INTERNAL_SECRET');
    expect((await fetch(`${app.url}/demo/token`)).status).toBe(404);
    expect((await fetch(`${app.url}/demo/client/index.js`)).status).toBe(200);

    const page = await browser.newPage();
    await page.goto(`${app.url}/demo`);
    await untilText(page, '#state', (t) => t.startsWith('not connected'), 'the page to ask for a token');
    await page.fill('#token', userToken('alice'));
    await page.click('#token-form button[type="submit"]');
    await untilText(page, '#state', (t) => t === 'connected', 'the page to show "connected"');
    // The state shows before the 'connected' handler fills in the user: wait for that, not the state.
    await untilText(page, '#user', (t) => t === 'alice', 'the page to show the user "alice"');
    expect(await text(page, '#curl')).toContain('"userId":"alice"');
    await page.close();
  });
});
