-- Drop finished job records older than a cut-off. Waiting and processing jobs are never touched.
-- KEYS: 1 finished index
-- ARGV: 1 job key prefix, 2 cut-off (ms), 3 limit
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local dropped = 0
for _, id in ipairs(old) do
  local key = ARGV[1] .. id
  local status = redis.call('HGET', key, 'status')
  if not status or status == 'completed' or status == 'failed' or status == 'waitlisted' then
    redis.call('DEL', key)
    dropped = dropped + 1
  end
  redis.call('ZREM', KEYS[1], id)
end
return {dropped, #old}
