-- Withdraw a job that was enqueued in the same pipeline as its request's limits (QueueVerticle) when a
-- limit refused the request: the request leaves nothing behind. Only a job still waiting is withdrawn; one
-- a worker has taken already stands (the caller then answers the request as accepted).
-- KEYS: 1 waiting list, 2 stats hash, 3 job hash, 4 idempotency key, 5 the user's live job for the event,
--       6 withdrawn sequence numbers (ZSET seq -> id, kept until take passes them: positions stay right)
-- ARGV: 1 job id
-- Returns 1 when withdrawn, 0 when the job was no longer waiting.
local f = redis.call('HMGET', KEYS[3], 'status', 'seq')
if f[1] ~= 'queued' then
  return 0
end
-- From the tail: the job was pushed a moment ago, so few jobs are behind it.
if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 0 then
  return 0
end
redis.call('DEL', KEYS[3])
if redis.call('GET', KEYS[4]) == ARGV[1] then
  redis.call('DEL', KEYS[4])
end
if redis.call('GET', KEYS[5]) == ARGV[1] then
  redis.call('DEL', KEYS[5])
end
redis.call('HINCRBY', KEYS[2], 'enqueued', -1)
redis.call('ZADD', KEYS[6], f[2], ARGV[1])
return 1
