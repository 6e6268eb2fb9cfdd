-- The owner of a shard shows it is alive (see claim.lua), a few times a second.
-- KEYS: 1 owner
-- ARGV: 1 the owner's epoch
-- Returns 1, or 0 when the shard has been claimed since (the caller is fenced off and must stand down).
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then
  return 0
end
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], 'seen', string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))
return 1
