-- Return jobs whose lease ran out to the front of their queue, in arrival order, so a dead or stuck worker
-- loses nothing and the event keeps its first-come-first-served order.
-- Jobs handed back by an earlier call may still wait at the front (a batch whose lease ran out a round
-- before this one's, or the part of a take-over beyond one call's limit): the jobs returned now are merged
-- with those by sequence number instead of being pushed in front of them, so a later batch returned last
-- never overtakes an earlier one. When nothing handed back waits, this costs one read of the head job.
-- KEYS: 1 processing, 2 waiting, 3 stats
-- ARGV: 1 job key prefix, 2 now (ms), 3 limit
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local jobs = {}
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[1], id)
  local f = redis.call('HMGET', ARGV[1] .. id, 'seq', 'status')
  if f[1] and f[2] == 'processing' then
    redis.call('HSET', ARGV[1] .. id, 'status', 'queued')
    jobs[#jobs + 1] = {id, tonumber(f[1])}
  end
end
if #jobs == 0 then
  return 0
end
local last = 0
for _, job in ipairs(jobs) do
  if job[2] > last then
    last = job[2]
  end
end

-- The front of the waiting list that arrived before the latest job returned now: earlier hand-backs (and
-- jobs of paused events left in place). The rest of the list arrived later and stays behind.
local ahead, chunk, done = 0, 256, false
repeat
  local window = redis.call('LRANGE', KEYS[2], ahead, ahead + chunk - 1)
  for _, id in ipairs(window) do
    local seq = tonumber(redis.call('HGET', ARGV[1] .. id, 'seq') or '0')
    if seq > last then
      done = true
      break
    end
    jobs[#jobs + 1] = {id, seq}
    ahead = ahead + 1
  end
until done or #window < chunk
if ahead > 0 then
  redis.call('LTRIM', KEYS[2], ahead, -1)
end

table.sort(jobs, function(a, b) return a[2] > b[2] end)
for _, job in ipairs(jobs) do
  redis.call('LPUSH', KEYS[2], job[1])
end
local returned = #jobs - ahead
redis.call('HINCRBY', KEYS[3], 'recovered', returned)
return returned
