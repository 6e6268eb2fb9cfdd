-- Make the caller the owner of a shard: a new fencing epoch, so takes by any earlier owner are refused
-- from now on, and the jobs an earlier owner still had in hand go back to the front of the FIFO at once,
-- oldest first (no wait for their leases: whoever held them can no longer take, and a job decided twice
-- is found by its job id in PostgreSQL). After a graceful hand-over the processing set is empty.
-- Refused while another node owns the shard and has shown it is alive (touch.lua) within the last
-- ARGV[3] ms: a node cut off from the others, or one that froze and woke up alone, cannot take shards
-- from owners that are still working them. Times are Redis's own clock, the same for every node.
-- KEYS: 1 owner, 2 processing
-- ARGV: 1 member id (the cluster manager's id of the node), 2 node name, 3 owner silence (ms) after which the shard may be taken
-- Returns {epoch, leases ended}, or {0, 0, owner node} when refused.
local t = redis.call('TIME')
local now = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local owner = redis.call('HMGET', KEYS[1], 'node', 'seen')
if owner[1] and owner[1] ~= ARGV[1] and owner[2] and tonumber(now) - tonumber(owner[2]) < tonumber(ARGV[3]) then
  return {0, 0, owner[1]}
end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'node', ARGV[1], 'name', ARGV[2], 'since', now, 'seen', now)
-- The earlier owner's leases end now; reap.lua (called right after) returns their jobs to the front.
local held = redis.call('ZRANGE', KEYS[2], 0, -1)
for _, id in ipairs(held) do
  redis.call('ZADD', KEYS[2], 'XX', 0, id)
end
return {epoch, #held}
