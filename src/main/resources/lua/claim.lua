-- Make the caller the owner of a shard: a new fencing epoch, so takes by any earlier owner are refused
-- from now on, and the jobs an earlier owner still had in hand go back to the front of the FIFO at once,
-- oldest first (no wait for their leases: whoever held them can no longer take, and a job decided twice
-- is found by its job id in PostgreSQL). After a graceful hand-over the processing set is empty.
-- Refused while another node owns the shard and has shown it is alive (touch.lua) within the last
-- ARGV[4] ms: a node cut off from the others, or one that froze and woke up alone, cannot take shards
-- from owners that are still working them. Times are Redis's own clock, the same for every node.
-- KEYS: 1 owner, 2 processing, 3 waiting, 4 stats
-- ARGV: 1 job key prefix, 2 node id, 3 node name, 4 owner silence (ms) after which the shard may be taken
-- Returns {epoch, jobs handed back}, or {0, 0, owner node} when refused.
local t = redis.call('TIME')
local now = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local owner = redis.call('HMGET', KEYS[1], 'node', 'seen')
if owner[1] and owner[1] ~= ARGV[2] and owner[2] and tonumber(now) - tonumber(owner[2]) < tonumber(ARGV[4]) then
  return {0, 0, owner[1]}
end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'node', ARGV[2], 'name', ARGV[3], 'since', now, 'seen', now)
local held = redis.call('ZRANGE', KEYS[2], 0, -1)
local jobs = {}
for _, id in ipairs(held) do
  redis.call('ZREM', KEYS[2], id)
  local f = redis.call('HMGET', ARGV[1] .. id, 'seq', 'status')
  if f[1] and f[2] == 'processing' then
    jobs[#jobs + 1] = {id, tonumber(f[1])}
  end
end
table.sort(jobs, function(a, b) return a[2] > b[2] end)
for _, job in ipairs(jobs) do
  redis.call('HSET', ARGV[1] .. job[1], 'status', 'queued')
  redis.call('LPUSH', KEYS[3], job[1])
end
if #jobs > 0 then
  redis.call('HINCRBY', KEYS[4], 'recovered', #jobs)
end
return {epoch, #jobs}
