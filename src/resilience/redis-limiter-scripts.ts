/**
 * Lua scripts of the Redis limiter backend. Each runs atomically in Redis, so processes that
 * share a Redis never both take the last unit of a window. A window is one hash per window
 * key: field = bucket stamp (ms), value = units counted in that bucket. The same bucketed
 * sliding log as the in-memory backend (limiter-backend.ts), so both decide alike.
 * @module
 */

/** Shared helpers: drop buckets that left the window, sum the rest (sorted by stamp). */
const LIVE = `
local function live(key, now, win)
  local flat = redis.call('HGETALL', key)
  local buckets, total = {}, 0
  for j = 1, #flat, 2 do
    local s, n = tonumber(flat[j]), tonumber(flat[j + 1])
    if s + win <= now or n <= 0 then
      redis.call('HDEL', key, flat[j])
    else
      total = total + n
      buckets[#buckets + 1] = { s, n }
    end
  end
  table.sort(buckets, function(a, b) return a[1] < b[1] end)
  return buckets, total
end
local function stampOf(now, g)
  if g == 1 then return now end
  return math.floor(now / g) * g + g
end
local function add(key, stamp, n, win, g)
  redis.call('HINCRBY', key, tostring(stamp), n)
  redis.call('PEXPIRE', key, win + 2 * g + 1000)
end
`

/**
 * KEYS[1] = block key, KEYS[2..] = window keys.
 * ARGV = now, cost, hasBlock (0|1), blockName, then per window: limit, windowMs, bucketMs, name.
 * Returns {1} or {0, waitMs, name}.
 */
export const ACQUIRE = `${LIVE}
local now, cost = tonumber(ARGV[1]), tonumber(ARGV[2])
local worstWait, worstName = -1, ''
if ARGV[3] == '1' then
  local untilMs = tonumber(redis.call('GET', KEYS[1]) or '0')
  if untilMs > now then worstWait, worstName = untilMs - now, ARGV[4] end
end
for i = 2, #KEYS do
  local base = 5 + (i - 2) * 4
  local limit, win = tonumber(ARGV[base]), tonumber(ARGV[base + 1])
  local c = math.min(cost, limit)
  local buckets, total = live(KEYS[i], now, win)
  if total + c > limit then
    local excess, wait = total + c - limit, win
    for _, b in ipairs(buckets) do
      excess = excess - b[2]
      if excess <= 0 then wait = math.max(1, b[1] + win - now) break end
    end
    if wait > worstWait then worstWait, worstName = wait, ARGV[base + 3] end
  end
end
if worstWait >= 0 then return { 0, worstWait, worstName } end
for i = 2, #KEYS do
  local base = 5 + (i - 2) * 4
  local limit, win, g = tonumber(ARGV[base]), tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  add(KEYS[i], stampOf(now, g), math.min(cost, limit), win, g)
end
return { 1 }
`

/**
 * KEYS = window keys. ARGV = cost, from, to, then per window: limit, windowMs, bucketMs.
 * Moves up to `cost` units from the bucket of `from` to the bucket of `to`.
 */
export const RESTAMP = `${LIVE}
local cost, from, to = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 1, #KEYS do
  local base = 4 + (i - 1) * 3
  local limit, win, g = tonumber(ARGV[base]), tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  local old, new = stampOf(from, g), stampOf(to, g)
  if old ~= new then
    live(KEYS[i], to, win)
    local have = tonumber(redis.call('HGET', KEYS[i], tostring(old)) or '0')
    local n = math.min(cost, limit, have)
    if n > 0 then
      if have - n <= 0 then redis.call('HDEL', KEYS[i], tostring(old)) else redis.call('HINCRBY', KEYS[i], tostring(old), -n) end
      add(KEYS[i], new, n, win, g)
    end
  end
end
return 1
`

/** KEYS[1] = window key. ARGV = limit, windowMs, bucketMs, remaining, now. */
export const CLAMP = `${LIVE}
local limit, win, g, remaining, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local _, total = live(KEYS[1], now, win)
local phantom = limit - total - math.max(0, remaining)
if phantom > 0 then add(KEYS[1], stampOf(now, g), phantom, win, g) end
return phantom
`

/**
 * KEYS[1] = block key. ARGV = until (epoch ms, the caller's clock). A later block extends; an
 * earlier one is ignored. The key outlives `until` by an hour of Redis time, so a caller whose
 * clock differs from Redis's (skew, a test clock) still sees the block.
 */
export const BLOCK = `
local untilMs = tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > cur then
  local t = redis.call('TIME')
  local redisNow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('SET', KEYS[1], tostring(untilMs), 'PXAT', math.max(untilMs, redisNow) + 3600000)
end
return 1
`
