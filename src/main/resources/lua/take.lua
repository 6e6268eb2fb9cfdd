-- Move up to N jobs from the head of a shard's FIFO to its processing set, each with a lease deadline.
-- Job hashes are addressed by prefix..id: they carry the same hash tag, so the script stays in one slot.
-- KEYS: 1 waiting, 2 processing, 3 taken sequence, 4 paused flag, 5 paused events set, 6 owner
-- ARGV: 1 job key prefix, 2 N, 3 lease deadline (ms), 4 now (ms), 5 the caller's fencing epoch ('0': unfenced)
-- Returns {{id, user, event, seats, attempts, enqueuedAt}, ...}; empty when paused or idle.
-- Fails with FENCED when the shard has been claimed with a newer epoch than the caller's (see claim.lua).
if ARGV[5] ~= '0' and redis.call('HGET', KEYS[6], 'epoch') ~= ARGV[5] then
  return redis.error_reply('FENCED shard claimed by a newer owner')
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  return {}
end
local n = tonumber(ARGV[2])
local ids
if redis.call('SCARD', KEYS[5]) == 0 then
  ids = redis.call('LPOP', KEYS[1], n)
  if not ids then
    return {}
  end
else
  -- Some events of this shard are paused: their jobs keep their place, the others go ahead.
  ids = {}
  local window = redis.call('LRANGE', KEYS[1], 0, n * 8 - 1)
  for _, id in ipairs(window) do
    local event = redis.call('HGET', ARGV[1] .. id, 'event')
    if not event or redis.call('SISMEMBER', KEYS[5], event) == 0 then
      redis.call('LREM', KEYS[1], 1, id)
      ids[#ids + 1] = id
      if #ids >= n then
        break
      end
    end
  end
end
local out = {}
local taken = tonumber(redis.call('GET', KEYS[3]) or '0')
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local f = redis.call('HMGET', key, 'user', 'event', 'seats', 'seq', 'enqueuedAt', 'status')
  -- A record dropped by clean (or expired) leaves nothing to decide; a finished one is not done twice.
  if f[1] and f[6] ~= 'completed' and f[6] ~= 'failed' then
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    local attempts = redis.call('HINCRBY', key, 'attempts', 1)
    redis.call('HSET', key, 'status', 'processing', 'startedAt', ARGV[4])
    local seq = tonumber(f[4])
    if seq > taken then
      taken = seq
    end
    out[#out + 1] = {id, f[1], f[2], f[3], attempts, f[5]}
  end
end
redis.call('SET', KEYS[3], taken)
return out
