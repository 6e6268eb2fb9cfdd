-- A page of a shard's waiting and processing jobs with what an operator wants to see of each.
-- KEYS: 1 waiting, 2 processing
-- ARGV: 1 job key prefix, 2 offset, 3 limit
local function describe(ids, deadlines)
  local out = {}
  for i, id in ipairs(ids) do
    local f = redis.call('HMGET', ARGV[1] .. id, 'event', 'user', 'seats', 'enqueuedAt', 'attempts', 'status', 'startedAt')
    out[#out + 1] = {id, f[1] or '', f[2] or '', f[3] or '', f[4] or '', f[5] or '0', f[6] or '', f[7] or '', deadlines[i] or ''}
  end
  return out
end
local first = tonumber(ARGV[2])
local last = first + tonumber(ARGV[3]) - 1
local waiting = redis.call('LRANGE', KEYS[1], first, last)
local raw = redis.call('ZRANGE', KEYS[2], first, last, 'WITHSCORES')
local processing, deadlines = {}, {}
for i = 1, #raw, 2 do
  processing[#processing + 1] = raw[i]
  deadlines[#deadlines + 1] = raw[i + 1]
end
return {describe(waiting, {}), describe(processing, deadlines)}
