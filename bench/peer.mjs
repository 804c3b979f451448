// The bare peer of `npm run bench`: what a team would write without the gateway. A Socket.IO
// server with a JWT middleware (jsonwebtoken, HS256) that joins `user:{id}` and `chat:{id}` for
// the token's `chats` claim, plus `POST /internal/emit` and `POST /internal/emit/batch` on
// node:http with a Bearer check. No connection-state recovery, no logging.
//
// Environment: PORT (required), HOST [127.0.0.1], JWT_SECRET, INTERNAL_SECRET; PEER_REDIS_URL
// to use @socket.io/redis-adapter when it is installed (it is not a dependency of the project).
// With PEER_REDIS_URL every recipient counts as sent (the peer keeps no cluster-wide presence).
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import { Server } from 'socket.io';

const { PORT, HOST = '127.0.0.1', JWT_SECRET, INTERNAL_SECRET, PEER_REDIS_URL } = process.env;
if (!PORT || !JWT_SECRET || !INTERNAL_SECRET) {
  process.stderr.write('peer: PORT, JWT_SECRET and INTERNAL_SECRET are required\n');
  process.exit(1);
}

const MAX_BODY = 1024 * 1024;
const bearer = Buffer.from(`Bearer ${INTERNAL_SECRET}`);

function authorized(header) {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  return given.length === bearer.length && timingSafeEqual(given, bearer);
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const http = createServer((req, res) => onRequest(req, res));
const io = new Server(http);

if (PEER_REDIS_URL) {
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const { Redis } = await import('ioredis');
  const pub = new Redis(PEER_REDIS_URL);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub));
}

io.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  if (typeof token !== 'string') return next(new Error('AUTH_REQUIRED'));
  try {
    const claims = jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'] });
    const userId = claims.user_id ?? claims.userId ?? claims.sub;
    if (typeof userId !== 'string' || userId === '') return next(new Error('AUTH_INVALID'));
    socket.data.userId = userId;
    socket.data.chats = Array.isArray(claims.chats) ? claims.chats.filter((c) => typeof c === 'string') : [];
    next();
  } catch {
    next(new Error('AUTH_INVALID'));
  }
});

io.on('connection', (socket) => {
  socket.join([`user:${socket.data.userId}`, ...socket.data.chats.map((c) => `chat:${c}`)]);
});

const isId = (v) => typeof v === 'string' && v.length > 0 && v.length <= 128;

/** One emit body → `{ ok, data }` or `{ ok: false, error }`. */
function emit(body) {
  if (typeof body !== 'object' || body === null) return { ok: false, error: { code: 'VALIDATION_FAILED' } };
  const { userId, userIds, room, event, payload } = body;
  const targets = [userId, userIds, room].filter((t) => t !== undefined).length;
  if (targets !== 1 || typeof event !== 'string' || event === '') return { ok: false, error: { code: 'VALIDATION_FAILED' } };
  if (room !== undefined) {
    if (!isId(room)) return { ok: false, error: { code: 'VALIDATION_FAILED' } };
    io.to(room).emit(event, payload ?? null);
    return { ok: true, data: { room } };
  }
  const ids = userIds ?? [userId];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every(isId)) return { ok: false, error: { code: 'VALIDATION_FAILED' } };
  const unique = [...new Set(ids)];
  const rooms = unique.map((u) => `user:${u}`);
  io.to(rooms).emit(event, payload ?? null);
  // Without a presence store the peer only knows its own sockets: with the Redis adapter every
  // recipient counts as sent (the bench checks deliveries on the clients anyway).
  const local = io.of('/').adapter.rooms;
  const sent = PEER_REDIS_URL ? unique.length : unique.filter((u) => local.has(`user:${u}`)).length;
  return { ok: true, data: { recipients: { total: unique.length, sent, failed: unique.length - sent } } };
}

function onRequest(req, res) {
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { ok: true });
  if (req.method !== 'POST' || (req.url !== '/internal/emit' && req.url !== '/internal/emit/batch')) {
    return send(res, 404, { ok: false, error: { code: 'NOT_FOUND' } });
  }
  if (!authorized(req.headers.authorization)) {
    req.resume();
    return send(res, 401, { ok: false, error: { code: 'UNAUTHORIZED' } });
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return send(res, 413, { ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return send(res, 400, { ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    if (req.url === '/internal/emit') {
      const result = emit(body);
      return send(res, result.ok ? 200 : 400, result);
    }
    const items = body?.items;
    if (!Array.isArray(items) || items.length === 0 || items.length > 500) {
      return send(res, 400, { ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    send(res, 200, { ok: true, data: { results: items.map(emit) } });
  });
}

http.listen(Number(PORT), HOST);
const stop = () => io.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
