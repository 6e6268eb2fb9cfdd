-- The owner of a shard shows it is alive (see claim.lua), a few times a second.
-- KEYS: 1 owner
-- ARGV: 1 the owner's epoch, 2 its member id, 3 its node name
-- Returns 1, or 0 when the shard has been claimed since (the caller is fenced off and must stand down).
-- Only a newer epoch fences. An older or missing record means the record went back: a Redis failover
-- promoted a replica that had not yet received the latest claim (replication is asynchronous), or the
-- master came back empty. The owner restores its claim rather than stand down for good; a newer claim
-- lost with it is restored the same way by its own owner's next touch, which then fences this one.
local current = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')
if current > tonumber(ARGV[1]) then
  return 0
end
local t = redis.call('TIME')
local now = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
if current < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'node', ARGV[2], 'name', ARGV[3], 'since', now)
end
redis.call('HSET', KEYS[1], 'seen', now)
return 1
