-- One rate limit (GCRA, the generic cell rate algorithm) for one subject, and for a user's booking request
-- also the quota of open jobs. Every key belongs to the one subject and shares its hash tag, so a call
-- touches one slot; limits of different subjects (user, client IP) are separate calls in one pipeline.
-- GCRA keeps one number, the theoretical arrival time (TAT): a request is allowed when TAT - burst*interval
-- is not in the future, and moves TAT one interval on. Times are Redis's own clock, the same for every node.
-- KEYS: 1 the limit's TAT, 2 (optional) the user's open-job set (ZSET event id -> expiry, ms)
-- ARGV: 1 interval (ms per request), 2 burst; with KEYS[2]: 3 event id, 4 open-job quota, 5 hold (ms)
-- Returns {verdict, remaining, reset (ms until the burst is whole again), retry after (ms)}; verdict:
--   0 rate limited, -1 over the open-job quota, 1 allowed (the event already held an open place),
--   2 allowed and a place for the event newly reserved (the caller undoes it if no job comes of it).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then
  tat = now
end
local next_tat = tat + interval
local allowed_at = next_tat - burst * interval
if allowed_at > now then
  return {0, 0, tat - now, allowed_at - now}
end
redis.call('SET', KEYS[1], next_tat, 'PX', next_tat - now)
local remaining = math.floor((now - allowed_at) / interval)
if not KEYS[2] then
  return {1, remaining, next_tat - now, 0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZSCORE', KEYS[2], ARGV[3]) then
  return {1, remaining, next_tat - now, 0}
end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  -- A place frees when one of the user's jobs is decided, usually within moments, not when its hold
  -- expires (an hour): the user may try again after one interval of the rate.
  return {-1, remaining, next_tat - now, interval}
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[3])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]))
return {2, remaining, next_tat - now, 0}
