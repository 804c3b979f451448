/**
 * Lua for every Redis state change that must be atomic. Times are the caller's clock, passed in
 * as an argument (`now`, ms since the epoch), exactly as the memory stores take it: what a script
 * decides depends on that argument only, never on when it runs. Key expiry (PEXPIRE) is only a
 * backstop that frees idle keys, set KEY_SLACK_MS beyond the point where their contents lapse by
 * the caller's clock, so it never decides what a caller sees.
 */
export const KEY_SLACK_MS = 60_000;
const now = (argv: number) => `local now = tonumber(ARGV[${argv}])`;

/** ARGV[2] is ttlMs, ARGV[3] now. */
const SESSION_PRELUDE = `${now(3)}
local live, revoked = KEYS[1], KEYS[2]
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', revoked, '-inf', now)
redis.call('ZREMRANGEBYSCORE', live, '-inf', now - ttl)
local function revoke(list)
  for _, s in ipairs(list) do
    redis.call('ZREM', live, s)
    redis.call('ZADD', revoked, now + ttl, s)
  end
  if #list > 0 then redis.call('PEXPIRE', revoked, ttl + ${KEY_SLACK_MS}) end
end`;

/** KEYS: live, revoked. ARGV: sessionId, ttlMs, now, policy, maxPerUser. Returns {0} or {1, revoked...}. */
export const SESSION_CLAIM = `${SESSION_PRELUDE}
local sid, policy, max = ARGV[1], ARGV[4], tonumber(ARGV[5])
if redis.call('ZSCORE', revoked, sid) then return {0} end
redis.call('ZADD', live, now, sid)
local out = {}
local excess = 0
if policy == 'single' then excess = redis.call('ZCARD', live) - 1
else excess = redis.call('ZCARD', live) - max end
if excess > 0 then
  for _, s in ipairs(redis.call('ZRANGE', live, 0, -1)) do
    if #out >= excess then break end
    if s ~= sid then out[#out + 1] = s end
  end
end
revoke(out)
redis.call('PEXPIRE', live, ttl + ${KEY_SLACK_MS})
table.insert(out, 1, 1)
return out`;

/** KEYS: live, revoked. ARGV: sessionId, ttlMs, now. Returns the revoked sessions. */
export const SESSION_FORCE_ACTIVE = `${SESSION_PRELUDE}
local sid = ARGV[1]
local out = {}
for _, s in ipairs(redis.call('ZRANGE', live, 0, -1)) do
  if s ~= sid then out[#out + 1] = s end
end
revoke(out)
redis.call('ZREM', revoked, sid)
redis.call('ZADD', live, now, sid)
redis.call('PEXPIRE', live, ttl + ${KEY_SLACK_MS})
return out`;

/** KEYS: live, revoked. ARGV: unused, ttlMs, now. Returns the revoked sessions. */
export const SESSION_REVOKE_LIVE = `${SESSION_PRELUDE}
local out = redis.call('ZRANGE', live, 0, -1)
revoke(out)
return out`;

/** KEYS: window zset. ARGV: limit, windowMs, unique member, now. Returns {allowed, retryAfterMs}. */
export const RATE_HIT = `${now(4)}
local key, limit, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, math.max(1, tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', key, now, ARGV[3])
redis.call('PEXPIRE', key, window + ${KEY_SLACK_MS})
return {1, 0}`;

/** KEYS: one key. ARGV: window, now. Read-only: {hits in the window, ms until the oldest leaves it}. */
export const RATE_PEEK = `${now(2)}
local window = tonumber(ARGV[1])
local hits = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - window), '+inf', 'WITHSCORES')
if #hits == 0 then return {0, 0} end
return {#hits / 2, math.max(1, tonumber(hits[2]) + window - now)}`;

/**
 * KEYS: services hash (field: the lower-cased name). ARGV: field, service JSON, max registered, now.
 * Pending registrations past their expiresAt are dropped first. Returns registered|exists|limit.
 */
export const SERVICE_REGISTER = `${now(4)}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, s = pcall(cjson.decode, all[i + 1])
  if ok and type(s) == 'table' and s.status == 'pending' and type(s.expiresAt) == 'number' and s.expiresAt <= now then
    redis.call('HDEL', KEYS[1], all[i])
  end
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'exists' end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'limit' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'registered'`;

/**
 * KEYS: services hash. ARGV: name, the JSON read before, the JSON to write. Compare-and-set:
 * 1 written, 0 no such service, -1 changed since read (retry). The JSON is edited by the caller:
 * cjson would turn [] into {} and round numbers to 14 digits.
 */
export const SERVICE_SET_STATUS = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
if raw ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/**
 * KEYS: notifications hash (id → JSON), index zset (id by time). ARGV: id, JSON, max, ttlMs, now.
 * Adds one, drops expired ones and all but the newest `max`. Scores strictly increase per
 * user (a burst within one millisecond is scored 1 ms apart), because equal scores would
 * order by id, not by arrival.
 */
export const NOTIFICATION_ADD = `${now(5)}
local hash, idx = KEYS[1], KEYS[2]
local max, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local function drop(ids)
  if #ids > 0 then
    redis.call('HDEL', hash, unpack(ids))
    redis.call('ZREM', idx, unpack(ids))
  end
end
drop(redis.call('ZRANGEBYSCORE', idx, '-inf', now - ttl))
local score = now
local newest = redis.call('ZREVRANGE', idx, 0, 0, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) >= score then score = tonumber(newest[2]) + 1 end
redis.call('HSET', hash, ARGV[1], ARGV[2])
redis.call('ZADD', idx, score, ARGV[1])
local excess = redis.call('ZCARD', idx) - max
if excess > 0 then drop(redis.call('ZRANGE', idx, 0, excess - 1)) end
redis.call('PEXPIRE', hash, ttl + ${KEY_SLACK_MS})
redis.call('PEXPIRE', idx, ttl + ${KEY_SLACK_MS})
return 1`;

/** KEYS: hash, index. ARGV: id, ttlMs, now. Returns 1 when it was pending (stored and not expired). */
export const NOTIFICATION_REMOVE = `${now(3)}
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
if score and tonumber(score) > now - tonumber(ARGV[2]) then return 1 end
return 0`;

/**
 * KEYS: idempotency hash (until, result). ARGV: ttlMs, now. Returns {1} for the first claim,
 * {0} while the call runs, {0, result JSON} once completed. A claim past its `until` is replaced.
 * A plain string key is a claim written before claims carried their time: honoured as it is.
 */
export const IDEMPOTENCY_CLAIM = `${now(2)}
local key = KEYS[1]
if redis.call('TYPE', key).ok == 'string' then
  local legacy = redis.call('GET', key)
  if legacy == '' then return {0} end
  return {0, legacy}
end
local untilMs = tonumber(redis.call('HGET', key, 'until'))
if untilMs and untilMs > now then
  local result = redis.call('HGET', key, 'result')
  if result then return {0, result} end
  return {0}
end
redis.call('DEL', key)
redis.call('HSET', key, 'until', now + tonumber(ARGV[1]))
redis.call('PEXPIRE', key, tonumber(ARGV[1]) + ${KEY_SLACK_MS})
return {1}`;

/** KEYS: idempotency hash. ARGV: result JSON, ttlMs, now. Stores the result until now + ttlMs. */
export const IDEMPOTENCY_COMPLETE = `${now(3)}
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'until', now + tonumber(ARGV[2]), 'result', ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + ${KEY_SLACK_MS})
return 1`;

/** KEYS: chat member set. ARGV: the new members. Returns {added..., '|', removed...}. */
export const CHAT_SET_MEMBERS = `
local before = redis.call('SMEMBERS', KEYS[1])
local after = {}
for i = 1, #ARGV do after[ARGV[i]] = true end
local had = {}
local added, removed = {}, {}
for _, u in ipairs(before) do had[u] = true end
for u in pairs(after) do if not had[u] then added[#added + 1] = u end end
for _, u in ipairs(before) do if not after[u] then removed[#removed + 1] = u end end
redis.call('DEL', KEYS[1])
if #ARGV > 0 then redis.call('SADD', KEYS[1], unpack(ARGV)) end
return {added, removed}`;

/** KEYS: user's socket hash. ARGV: socketId, nodeId. Returns 1 when it is the user's first socket. */
export const CONNECTION_ADD = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('HLEN', KEYS[1]) == 1 then return 1 end
return 0`;

/**
 * KEYS: user's socket hash, the user's "may recover" marker. ARGV: socketId, keep ms (0: none),
 * the node removing it. Returns 1 when it removed the user's last socket. A socket registered on
 * another node meanwhile (recovered there under the same id) stays. With keep ms the marker is set
 * in the same step, so no publication to the user falls between "has a socket" and "may recover".
 */
export const CONNECTION_REMOVE = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[3] then return 0 end
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then return 1 end
return 0`;

/**
 * KEYS: call, ringing zset. ARGV: socketId, now. Returns the updated JSON, 0 (no call, or its
 * record lapsed at `liveUntil`) or -1 (not ringing).
 */
export const CALL_ANSWER = `${now(2)}
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local c = cjson.decode(raw)
if c.liveUntil and tonumber(c.liveUntil) <= now then return 0 end
if c.state ~= 'ringing' then return -1 end
c.state = 'active'
c.answerSocketId = ARGV[1]
local updated = cjson.encode(c)
redis.call('SET', KEYS[1], updated, 'KEEPTTL')
redis.call('ZREM', KEYS[2], c.callId)
return updated`;

/** KEYS: call, ringing zset. ARGV: callId. Returns the JSON of the removed call, or false. */
export const CALL_END = `
local raw = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return raw`;

/** KEYS: ringing zset. ARGV: call key prefix, now. Claims up to 100 calls ringing past their deadline. */
export const CALL_EXPIRE_DUE = `${now(2)}
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[1] .. id
  local raw = redis.call('GET', key)
  if raw and cjson.decode(raw).state == 'ringing' then
    redis.call('DEL', key)
    out[#out + 1] = raw
  end
end
return out`;

/**
 * The clock of kept publications (KEYS[1], a hash: `n` the last position, `s` the clock's start).
 * A new clock (first use, or Redis came back empty) starts at the server's time in microseconds,
 * so positions never repeat across clocks and one below `s` belongs to a clock that is gone.
 * Positions are formatted with %d: Lua's default number format would round them.
 */
const CLOCK_TAKE = `
local function take(clock, count)
  local n = redis.call('HINCRBY', clock, 'n', count)
  if n == count then
    local t = redis.call('TIME')
    local start = tonumber(t[1]) * 1000000 + tonumber(t[2])
    n = start + count
    redis.call('HSET', clock, 'n', string.format('%d', n), 's', string.format('%d', start))
  end
  return n
end`;

/**
 * The path between nodes, standalone Redis (docs/scaling.md): a batch of publications in one
 * call. Each kept publication takes the next position of the clock, is appended to the history
 * of each target room that someone may recover, and is published to exactly the nodes that need
 * it (`P<position>:<body>`, position 0 when not kept).
 *
 * KEYS: clock; then per publication the keys its ARGV announce.
 * ARGV: history ttl ms, history cap, node channel prefix, all channel, count; then per
 * publication: body, kept (1/0), groups. groups = 0: every node; ARGV += rooms; KEYS += that many
 * history keys. groups > 0: per group (one user) ARGV += rooms; KEYS += conn, recoverable, then
 * that many history keys (the user's target rooms).
 * Returns {n1, nodes1, n2, nodes2, …}: per publication its position and, per group, the nodes
 * holding that user's sockets (`,`-separated, groups separated by `;`), which the caller checks
 * against the nodes it knows live.
 */
export const PUBLISH = `${CLOCK_TAKE}
local ttl, cap = tonumber(ARGV[1]), ARGV[2]
local nodeChannel, allChannel = ARGV[3], ARGV[4]
local count = tonumber(ARGV[5])
local k, a = 2, 6
local out = {}
local function keep(key, message)
  redis.call('XADD', key, 'MAXLEN', '~', cap, '*', 'm', message)
  redis.call('PEXPIRE', key, ttl)
end
for _ = 1, count do
  local body, kept, groups = ARGV[a], ARGV[a + 1] == '1', tonumber(ARGV[a + 2])
  a = a + 3
  if groups == 0 then
    local rooms = tonumber(ARGV[a])
    a = a + 1
    local n = 0
    if kept then n = take(KEYS[1], 1) end
    local message = 'P' .. string.format('%d', n) .. ':' .. body
    for _ = 1, rooms do
      if kept then keep(KEYS[k], message) end
      k = k + 1
    end
    redis.call('PUBLISH', allChannel, message)
    out[#out + 1] = n
    out[#out + 1] = ''
  else
    local read, stamped = {}, false
    for g = 1, groups do
      local rooms = tonumber(ARGV[a])
      a = a + 1
      local nodes = redis.call('HVALS', KEYS[k])
      local keepIt = kept and rooms > 0 and (#nodes > 0 or redis.call('EXISTS', KEYS[k + 1]) == 1)
      read[g] = { nodes = nodes, first = k + 2, rooms = rooms, keep = keepIt }
      if keepIt then stamped = true end
      k = k + 2 + rooms
    end
    local n = 0
    if stamped then n = take(KEYS[1], 1) end
    local message = 'P' .. string.format('%d', n) .. ':' .. body
    local targets, held = {}, {}
    for g = 1, groups do
      local group = read[g]
      if group.keep then
        for j = 0, group.rooms - 1 do keep(KEYS[group.first + j], message) end
      end
      for _, node in ipairs(group.nodes) do targets[node] = true end
      held[g] = table.concat(group.nodes, ',')
    end
    for node in pairs(targets) do redis.call('PUBLISH', nodeChannel .. node .. '}', message) end
    out[#out + 1] = n
    out[#out + 1] = table.concat(held, ';')
  end
end
return out`;

/** KEYS: clock. ARGV: how many positions to take (0: none). Returns {last position, the clock's start}. */
export const CLOCK = `
${CLOCK_TAKE}
local n = take(KEYS[1], tonumber(ARGV[1]))
return {n, tonumber(redis.call('HGET', KEYS[1], 's'))}`;

/**
 * Redis Cluster: one user group of a publication, in the user's slot (the clock is in another
 * slot, so the position comes in ARGV). KEYS: conn, recoverable, history keys. ARGV: message,
 * kept (1/0), ttl, cap. Returns the nodes holding the user's sockets (the caller publishes).
 */
export const PUBLISH_GROUP = `
local nodes = redis.call('HVALS', KEYS[1])
if ARGV[2] == '1' and #KEYS > 2 and (#nodes > 0 or redis.call('EXISTS', KEYS[2]) == 1) then
  for i = 3, #KEYS do
    redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[4], '*', 'm', ARGV[1])
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[3]))
  end
end
return nodes`;

/** KEYS: one room's history. ARGV: message, ttl, cap. */
export const KEEP = `
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'm', ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1`;

/** KEYS: record. ARGV: sid, userId, sessionId, node, rooms JSON, live ttl. */
export const RECOVERY_SAVE = `
redis.call('HSET', KEYS[1], 'sid', ARGV[1], 'u', ARGV[2], 's', ARGV[3], 'node', ARGV[4], 'rooms', ARGV[5], 'state', 'live')
redis.call('HDEL', KEYS[1], 'goneAt')
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]))
return 1`;

/** KEYS: record. ARGV: node, now, window. Only the node holding the socket marks it gone. */
export const RECOVERY_GONE = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'gone', 'goneAt', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + ${KEY_SLACK_MS})
return 1`;

/** KEYS: record. ARGV: version read, node, live ttl. Returns 1 to the one claim at that version. */
export const RECOVERY_CLAIM = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'node', ARGV[2], 'state', 'live')
redis.call('HDEL', KEYS[1], 'goneAt')
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1`;

/** KEYS: nodes zset (expiry). ARGV: node, expiry. Returns the node's expiry before this beat (or nil). */
export const NODE_BEAT = `
local before = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return before`;

/**
 * KEYS: presence hash. ARGV: now, ttlMs, then field/value pairs. An entry whose `until` has passed
 * is dropped before the fields are written; the entry then lives until now + ttlMs.
 */
export const PRESENCE_SET = `
local hash, now, ttl = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local untilv = tonumber(redis.call('HGET', hash, 'until'))
if untilv and untilv <= now then redis.call('DEL', hash) end
for i = 3, #ARGV, 2 do redis.call('HSET', hash, ARGV[i], ARGV[i + 1]) end
redis.call('HSET', hash, 'until', now + ttl)
redis.call('PEXPIRE', hash, ttl + ${KEY_SLACK_MS})
return 1`;

/**
 * Every script by the name the stores call it (RedisConnections.script), with its number of
 * keys; scripts without one take it as their first argument (the count varies per call).
 */
export const SCRIPTS = {
  gwSessionClaim: { lua: SESSION_CLAIM, keys: 2 },
  gwSessionForce: { lua: SESSION_FORCE_ACTIVE, keys: 2 },
  gwSessionRevokeLive: { lua: SESSION_REVOKE_LIVE, keys: 2 },
  gwRateHit: { lua: RATE_HIT, keys: 1 },
  gwRatePeek: { lua: RATE_PEEK, keys: 1 },
  gwServiceRegister: { lua: SERVICE_REGISTER, keys: 1 },
  gwServiceSetStatus: { lua: SERVICE_SET_STATUS, keys: 1 },
  gwNotificationAdd: { lua: NOTIFICATION_ADD, keys: 2 },
  gwNotificationRemove: { lua: NOTIFICATION_REMOVE, keys: 2 },
  gwChatSetMembers: { lua: CHAT_SET_MEMBERS, keys: 1 },
  gwConnAdd: { lua: CONNECTION_ADD, keys: 1 },
  gwConnRemove: { lua: CONNECTION_REMOVE, keys: 2 },
  gwNodeBeat: { lua: NODE_BEAT, keys: 1 },
  gwCallAnswer: { lua: CALL_ANSWER, keys: 2 },
  gwCallEnd: { lua: CALL_END, keys: 2 },
  gwCallExpireDue: { lua: CALL_EXPIRE_DUE, keys: 1 },
  gwIdemClaim: { lua: IDEMPOTENCY_CLAIM, keys: 1 },
  gwIdemComplete: { lua: IDEMPOTENCY_COMPLETE, keys: 1 },
  gwPresenceSet: { lua: PRESENCE_SET, keys: 1 },
  // Standalone only (its keys span slots).
  gwPublish: { lua: PUBLISH, keys: undefined },
  gwPublishGroup: { lua: PUBLISH_GROUP, keys: undefined },
  gwClock: { lua: CLOCK, keys: 1 },
  gwKeep: { lua: KEEP, keys: 1 },
  gwRecSave: { lua: RECOVERY_SAVE, keys: 1 },
  gwRecGone: { lua: RECOVERY_GONE, keys: 1 },
  gwRecClaim: { lua: RECOVERY_CLAIM, keys: 1 },
} as const satisfies Record<string, { lua: string; keys: number | undefined }>;

export type ScriptName = keyof typeof SCRIPTS;
