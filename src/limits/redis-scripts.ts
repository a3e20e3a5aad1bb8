// The Lua scripts the Redis store runs. Each runs atomically on the server and
// reads time from the server (TIME), never from the caller, so that machines
// whose clocks differ still agree on every window. Key types are checked before
// anything is written: Redis does not roll a script back, and a key of another
// type found halfway would leave a call charged on some limits only.

export interface Script {
  source: string;
}

function script(source: string): Script {
  return { source };
}

const NOW = `
local function ms(x) return string.format('%.0f', x) end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/** Returns {'wrongtype', index, type} for the first key that is neither missing nor of the wanted type. */
const CHECK_TYPES = `
local function check_types(wanted)
  for i = 1, #KEYS do
    local found = redis.call('TYPE', KEYS[i])['ok']
    if found ~= 'none' and found ~= wanted(i) then return {'wrongtype', i, found} end
  end
end
`;

/** Calls in the window after pruning, and when the set's last member leaves it (ms from now). */
const PRUNE = `
local function prune(calls, window, now)
  redis.call('ZREMRANGEBYSCORE', calls, '-inf', string.format('%.0f', now - window))
  return redis.call('ZCARD', calls)
end
local function retry_after(calls, used, max, window, now)
  local nth = redis.call('ZRANGE', calls, used - max, used - max, 'WITHSCORES')
  if nth[2] == nil then return 0 end
  return math.max(0, tonumber(nth[2]) + window - now)
end
local function keep_for(calls, window, now)
  local last = redis.call('ZRANGE', calls, -1, -1, 'WITHSCORES')[2]
  local newest = now
  if last ~= nil and tonumber(last) > now then newest = tonumber(last) end
  return newest + window - now
end
`;

/**
 * All limits admit the call and each gets one member (the charge id, scored by
 * now), or none does. KEYS: per limit its definition hash and calls set, then
 * the grant's revoked set. ARGV: charge, then per limit windowMs, max,
 * definedAt, grant, counter, scope. Replies {'ok', now}, {'refused', now, (i,
 * used, retryAfterMs)...}, {'conflict', now, (i, storedWindowMs, storedMax)...},
 * {'revoked', now} or {'wrongtype', keyIndex, type}.
 */
export const ADMIT = script(`${CHECK_TYPES}${PRUNE}
local bad = check_types(function(i) if i < #KEYS and i % 2 == 1 then return 'hash' end return 'zset' end)
if bad then return bad end
${NOW}
local charge = ARGV[1]
if redis.call('ZSCORE', KEYS[#KEYS], charge) then return {'revoked', now} end
local n = (#KEYS - 1) / 2
local conflicts, refusals = {'conflict', now}, {'refused', now}
for i = 1, n do
  local def, calls, a = KEYS[2 * i - 1], KEYS[2 * i], 2 + (i - 1) * 6
  local window, max, defined_at = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local stored = redis.call('HMGET', def, 'window_ms', 'max', 'defined_at')
  local counts = true
  if stored[1] == false then
    redis.call('HSET', def, 'window_ms', ARGV[a], 'max', ARGV[a + 1], 'defined_at', ARGV[a + 2],
      'grant', ARGV[a + 3], 'counter', ARGV[a + 4], 'scope', ARGV[a + 5])
  elseif tonumber(stored[1]) ~= window or tonumber(stored[2]) ~= max then
    if tonumber(stored[3]) >= defined_at then
      counts = false
      table.insert(conflicts, i)
      table.insert(conflicts, tonumber(stored[1]))
      table.insert(conflicts, tonumber(stored[2]))
    else
      redis.call('HSET', def, 'window_ms', ARGV[a], 'max', ARGV[a + 1], 'defined_at', ARGV[a + 2])
    end
  end
  if counts then
    local used = prune(calls, window, now)
    if used > 0 then redis.call('PEXPIRE', calls, ms(keep_for(calls, window, now))) end
    if ARGV[a + 5] == 'session' then redis.call('PEXPIRE', def, ms(keep_for(calls, window, now))) end
    if used >= max then
      table.insert(refusals, i)
      table.insert(refusals, used)
      table.insert(refusals, retry_after(calls, used, max, window, now))
    end
  end
end
if #conflicts > 2 then return conflicts end
if #refusals > 2 then return refusals end
for i = 1, n do
  local def, calls, a = KEYS[2 * i - 1], KEYS[2 * i], 2 + (i - 1) * 6
  local window = tonumber(ARGV[a])
  redis.call('ZADD', calls, ms(now), charge)
  redis.call('PEXPIRE', calls, ms(keep_for(calls, window, now)))
  if ARGV[a + 5] == 'session' then redis.call('PEXPIRE', def, ms(keep_for(calls, window, now))) end
end
return {'ok', now}
`);

/**
 * What ADMIT would answer now, writing nothing (asked before a person is asked
 * to approve a call). KEYS: per limit its definition hash and calls set.
 * ARGV: per limit windowMs, max, definedAt. Replies {'ok', now}, {'refused',
 * now, (i, used, retryAfterMs)...}, {'conflict', now, (i, storedWindowMs,
 * storedMax)...} or {'wrongtype', keyIndex, type}.
 */
export const PEEK = script(`${CHECK_TYPES}
local bad = check_types(function(i) if i % 2 == 1 then return 'hash' end return 'zset' end)
if bad then return bad end
${NOW}
local conflicts, refusals = {'conflict', now}, {'refused', now}
for i = 1, #KEYS / 2 do
  local def, calls, a = KEYS[2 * i - 1], KEYS[2 * i], 1 + (i - 1) * 3
  local window, max, defined_at = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local stored = redis.call('HMGET', def, 'window_ms', 'max', 'defined_at')
  if stored[1] ~= false and (tonumber(stored[1]) ~= window or tonumber(stored[2]) ~= max) and tonumber(stored[3]) >= defined_at then
    table.insert(conflicts, i)
    table.insert(conflicts, tonumber(stored[1]))
    table.insert(conflicts, tonumber(stored[2]))
  else
    local since = '(' .. ms(now - window)
    local used = redis.call('ZCOUNT', calls, since, '+inf')
    if used >= max then
      local nth = redis.call('ZRANGEBYSCORE', calls, since, '+inf', 'WITHSCORES', 'LIMIT', used - max, 1)
      local retry = 0
      if nth[2] ~= nil then retry = math.max(0, tonumber(nth[2]) + window - now) end
      table.insert(refusals, i)
      table.insert(refusals, used)
      table.insert(refusals, retry)
    end
  end
end
if #conflicts > 2 then return conflicts end
if #refusals > 2 then return refusals end
return {'ok', now}
`);

/**
 * Removes one charge from calls sets and remembers it as given back, so that a
 * copy of its admission still on its way (a timed-out script, a reconnect
 * mid-script) finds it revoked and adds nothing. KEYS: calls sets, then the
 * revoked set. ARGV: charge, how long to remember (ms). Replies members removed.
 */
export const REVOKE = script(`${CHECK_TYPES}
local bad = check_types(function(i) return 'zset' end)
if bad then return bad end
${NOW}
local charge, keep = ARGV[1], tonumber(ARGV[2])
local removed = 0
for i = 1, #KEYS - 1 do removed = removed + redis.call('ZREM', KEYS[i], charge) end
local revoked = KEYS[#KEYS]
redis.call('ZADD', revoked, ms(now), charge)
redis.call('ZREMRANGEBYSCORE', revoked, '-inf', ms(now - keep))
redis.call('PEXPIRE', revoked, ms(keep))
return removed
`);

/**
 * One bucket brought to now, for `counters`. KEYS: definition, calls. Replies
 * {'row', grant, counter, scope, used, max, windowMs, retryAfterMs}, {'gone'}
 * when it vanished meanwhile, or {'wrongtype', keyIndex, type}.
 */
export const INSPECT = script(`${CHECK_TYPES}${PRUNE}
local bad = check_types(function(i) if i == 1 then return 'hash' end return 'zset' end)
if bad then return bad end
${NOW}
local d = redis.call('HMGET', KEYS[1], 'grant', 'counter', 'scope', 'window_ms', 'max')
if d[1] == false or d[4] == false or d[5] == false then return {'gone'} end
local window, max = tonumber(d[4]), tonumber(d[5])
local used = prune(KEYS[2], window, now)
local retry = 0
if used >= max then retry = retry_after(KEYS[2], used, max, window, now) end
return {'row', d[1], d[2], d[3], used, max, window, retry}
`);
