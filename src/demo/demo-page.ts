/** What the server tells the page (embedded as JSON, never a secret outside development mode). */
export interface DemoSettings {
  /** Development mode: GET /demo/token hands out dev-user tokens, so the page connects by itself. */
  devToken: boolean;
  userId?: string;
  /** A chat the dev user belongs to (its token's `chats` claim). */
  chatId?: string;
  /** The curl that pushes `notification:new` to the user. */
  curl: string;
}

/** JSON safe inside a <script> element (no `</script>`, no HTML comment openers). */
function embed(settings: DemoSettings): string {
  return JSON.stringify(settings).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function renderDemoPage(settings: DemoSettings): string {
  return PAGE.replace('__SETTINGS__', () => embed(settings));
}

// Plain HTML and a module script: the browser loads the typed client's ESM build from
// /demo/client/ and socket.io-client's ESM bundle through the import map. No build step.
const PAGE = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Realtime gateway demo</title>
<link rel="icon" href="/demo/favicon.svg" type="image/svg+xml">
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 60rem; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.3rem; margin: 0 0 .8rem; }
  h2 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
  section { border: 1px solid #d7dbe3; border-radius: 6px; padding: .6rem .9rem; margin-bottom: .8rem; }
  #state { font-weight: 600; }
  #state[data-state="connected"] { color: #12805c; }
  #state[data-state="ended"], #state[data-state="disconnected"] { color: #b42318; }
  pre { background: #f4f6f9; padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: .3rem 0; }
  form { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; }
  input, select, button, textarea { font: inherit; padding: .25rem .4rem; }
  #text { flex: 1; min-width: 12rem; }
  #log { list-style: none; padding: 0; margin: 0; max-height: 24rem; overflow-y: auto; font: 13px/1.4 ui-monospace, monospace; }
  #log li { padding: .15rem 0; border-bottom: 1px solid #eef0f4; white-space: pre-wrap; word-break: break-all; }
  #log li.out { color: #3553b8; }
  #log li.local { color: #7a5a00; }
  .muted { color: #667085; }
  [hidden] { display: none !important; }
</style>
<script type="importmap">{ "imports": { "socket.io-client": "/demo/socket.io-client.js" } }</script>
<script type="application/json" id="demo-settings">__SETTINGS__</script>
</head>
<body>
<h1>Realtime gateway demo</h1>

<section>
  Connection: <span id="state" data-state="connecting">connecting</span>
  as <strong id="user">…</strong>
  <span class="muted" id="socket"></span>
  <form id="token-form" hidden>
    <textarea id="token" rows="2" cols="60" placeholder="paste a user token (JWT)"></textarea>
    <button type="submit">Connect</button>
  </form>
</section>

<section>
  <h2>Presence</h2>
  <form id="presence-form">
    <span>status: <strong id="presence">…</strong></span>
    <select id="status" aria-label="set status">
      <option>online</option><option>away</option><option>busy</option><option>offline</option>
    </select>
    <button type="submit">Set</button>
  </form>
</section>

<section>
  <h2>Send</h2>
  <form id="send-form">
    <select id="kind" aria-label="event">
      <option value="message:new">chat message (message:new)</option>
      <option value="send_message">direct message (send_message)</option>
    </select>
    <input id="target" aria-label="chat id or recipient ids" size="14">
    <input id="text" aria-label="message" value="Hello from the demo page">
    <button type="submit">Send</button>
  </form>
  <div class="muted" id="send-result"></div>
</section>

<section>
  <h2>Push to this user from a backend</h2>
  <pre id="curl"></pre>
</section>

<section>
  <h2>Events</h2>
  <ol id="log"></ol>
</section>

<script type="module">
import { connectGateway } from '/demo/client/index.js';

const settings = JSON.parse(document.getElementById('demo-settings').textContent);
const $ = (id) => document.getElementById(id);
let client;
let me = settings.userId;

function log(kind, event, payload) {
  const li = document.createElement('li');
  li.className = kind;
  li.dataset.event = event;
  const arrow = kind === 'out' ? '→ ' : kind === 'local' ? '· ' : '← ';
  li.textContent = new Date().toLocaleTimeString() + '  ' + arrow + event + '  ' + JSON.stringify(payload ?? null);
  $('log').prepend(li);
}

function showState(state) {
  $('state').textContent = state;
  $('state').dataset.state = state;
}

function showPresence(p) {
  if (!p) return;
  $('presence').textContent = p.status + (p.customStatus ? ' (' + p.customStatus + ')' : '');
  $('status').value = p.status;
}

function showCurl() {
  $('curl').textContent = me ? settings.curl.replace('<user id>', me) : settings.curl;
}

async function getToken() {
  if (settings.devToken) {
    const res = await fetch('/demo/token', { cache: 'no-store' });
    if (!res.ok) throw new Error('no dev token (HTTP ' + res.status + ')');
    return (await res.json()).token;
  }
  const token = $('token').value.trim();
  if (!token) throw new Error('no token pasted');
  return token;
}

function describe(err) {
  return err && err.code ? err.code + ': ' + err.message : String(err);
}

function start() {
  if (client) client.close();
  showState('connecting');
  client = connectGateway(location.origin, { getToken });
  client.on('state', showState);
  client.socket.onAny((event, payload) => log('in', event, payload));
  client.on('connected', async (p) => {
    me = p.userId;
    $('user').textContent = p.userId;
    $('socket').textContent = 'socket ' + p.socketId;
    if (!$('target').value) $('target').value = settings.chatId ?? p.userId;
    showCurl();
    try {
      const data = await client.request('presence:subscribe', { userIds: [p.userId] });
      showPresence(data.users.find((u) => u.userId === p.userId));
    } catch (err) {
      $('presence').textContent = describe(err);
    }
  });
  client.on('presence:update', (p) => {
    if (p.userId === me) showPresence(p);
  });
  client.on('token:refreshed', (info) => log('local', 'token:refreshed', info));
  client.on('token:refresh-failed', (err) => log('local', 'token:refresh-failed', { code: err.code, message: err.message }));
  client.on('session:ended', (ended) => {
    log('local', 'session:ended', ended);
    showState('ended');
    $('state').textContent = 'ended: ' + ended.code + ' (' + ended.reason + ')';
    if (!settings.devToken) $('token-form').hidden = false;
  });
}

$('presence-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = $('status').value;
  log('out', 'presence:update', { status });
  try {
    showPresence(await client.request('presence:update', { status }));
  } catch (err) {
    $('presence').textContent = describe(err);
  }
});

$('kind').addEventListener('change', () => {
  $('target').value = $('kind').value === 'message:new' ? (settings.chatId ?? '') : (me ?? '');
});

$('send-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const kind = $('kind').value;
  const target = $('target').value.trim();
  const text = $('text').value;
  const payload = kind === 'message:new'
    ? { chatId: target, content: text, messageType: 'text', tempId: 'demo-' + Date.now() }
    : { recipientIds: target.split(',').map((s) => s.trim()).filter(Boolean), message: text };
  log('out', kind, payload);
  try {
    const data = await client.request(kind, payload);
    $('send-result').textContent = 'ack: ' + JSON.stringify(data);
  } catch (err) {
    $('send-result').textContent = 'refused: ' + describe(err);
  }
});

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  $('token-form').hidden = true;
  start();
});

showCurl();
if (settings.userId) $('user').textContent = settings.userId;
if (settings.devToken) {
  start();
} else {
  showState('disconnected');
  $('state').textContent = 'not connected (paste a token)';
  $('token-form').hidden = false;
}
</script>
</body>
</html>
`;
