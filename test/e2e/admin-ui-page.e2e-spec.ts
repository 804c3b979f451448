import bcrypt from 'bcryptjs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { fresh, startApp, type TestApp, userToken } from '../support/app.js';
import { closeAllClients, connectUser } from '../support/client.js';
import { eventually } from '../support/eventually.js';

// The Admin UI page in a real Chromium with every request off the gateway's origin blocked, as on
// a machine without internet: it renders with its icons, its server URL is filled in, its
// sockets table names each socket's user, and its read-only toggle shows the server's mode.

const CHROMIUM = '/usr/bin/chromium';
const USERNAME = 'operator';
const PASSWORD = 'operator-password-0123';
// The socket list is shown in development mode only (ADMIN_UI_MODE defaults to production).
const ADMIN_ENV = { ADMIN_UI: 'true', ADMIN_UI_MODE: 'development', ADMIN_UI_USERNAME: USERNAME, ADMIN_UI_PASSWORD_HASH: bcrypt.hashSync(PASSWORD, 4) };
const UI_WAIT_MS = 20_000;

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
});
afterEach(() => closeAllClients());

interface Visit {
  page: Page;
  /** Requests for another origin, blocked. */
  offsite: string[];
  /** Requests of the gateway's origin that did not answer 2xx/3xx. */
  failed: string[];
}

/** Opens /admin-ui/ with the network limited to the gateway's origin. */
async function visit(app: TestApp): Promise<Visit> {
  const page = await browser.newPage();
  const origin = new URL(app.url).origin;
  const offsite: string[] = [];
  const failed: string[] = [];
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin || url.startsWith('data:')) return route.continue();
    offsite.push(url);
    return route.abort('internetdisconnected');
  });
  page.on('response', (res) => {
    if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
  });
  await page.goto(`${app.url}/admin-ui/`);
  return { page, offsite, failed };
}

/** Fills the connection form's credentials (the server URL is prefilled) and submits it. */
async function logIn(page: Page): Promise<void> {
  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Connect' }).click();
}

async function readonlySwitch(page: Page): Promise<boolean> {
  return page.getByRole('switch', { name: 'Read-only?' }).isChecked();
}

describe('the Admin UI page (ADMIN_UI=true, read-only by default)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(ADMIN_ENV);
  });
  afterAll(() => app.close());

  it('loads nothing from another origin, prefills the server URL, and shows each socket\'s user', async () => {
    const userId = fresh('admin-listed');
    const user = await connectUser(app.url, userToken(userId));
    const { page, offsite, failed } = await visit(app);

    expect(await page.getByLabel('Server URL').inputValue()).toBe(new URL(app.url).origin);
    await logIn(page);
    await page.goto(`${app.url}/admin-ui/#/sockets/`);
    const row = page.locator('tr', { hasText: user.id! });
    await row.waitFor({ timeout: UI_WAIT_MS });
    expect(await page.locator('th', { hasText: 'User' }).count()).toBe(1);
    expect(await row.textContent()).toContain(userId);

    // The icons are the local Material Design Icons font, loaded and in use.
    await eventually('the icon font', () => page.evaluate<boolean>(`document.fonts.check('24px "Material Design Icons"')`), (ok) => ok, { timeoutMs: UI_WAIT_MS });
    const glyph = await page.evaluate<string>("getComputedStyle(document.querySelector('.mdi'), '::before').fontFamily");
    expect(glyph).toContain('Material Design Icons');
    expect(offsite).toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  });

  it('shows the read-only toggle on, as the server is', async () => {
    const { page } = await visit(app);
    await logIn(page);
    await eventually('the read-only toggle', () => readonlySwitch(page), (on) => on, { timeoutMs: UI_WAIT_MS });
    await page.close();
  });
});

describe('the Admin UI page with ADMIN_UI_READONLY=false', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ ...ADMIN_ENV, ADMIN_UI_READONLY: 'false' });
  });
  afterAll(() => app.close());

  it('shows the read-only toggle off', async () => {
    const { page } = await visit(app);
    await logIn(page);
    await page.getByRole('switch', { name: 'Read-only?' }).waitFor({ timeout: UI_WAIT_MS });
    expect(await readonlySwitch(page)).toBe(false);
    await page.close();
  });
});
