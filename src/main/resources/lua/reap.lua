-- Return jobs whose lease ran out to the front of their queue, oldest first, so a dead or stuck worker
-- loses nothing and the event keeps its first-come-first-served order.
-- KEYS: 1 processing, 2 waiting, 3 stats
-- ARGV: 1 job key prefix, 2 now (ms), 3 limit
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local jobs = {}
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[1], id)
  local f = redis.call('HMGET', ARGV[1] .. id, 'seq', 'status')
  if f[1] and f[2] == 'processing' then
    jobs[#jobs + 1] = {id, tonumber(f[1])}
  end
end
table.sort(jobs, function(a, b) return a[2] > b[2] end)
for _, job in ipairs(jobs) do
  redis.call('HSET', ARGV[1] .. job[1], 'status', 'queued')
  redis.call('LPUSH', KEYS[2], job[1])
end
if #jobs > 0 then
  redis.call('HINCRBY', KEYS[3], 'recovered', #jobs)
end
return #jobs
