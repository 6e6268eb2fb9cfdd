-- Accept one booking request into a shard's FIFO, atomically: either everything below happens or nothing.
-- KEYS: 1 waiting list, 2 enqueue sequence, 3 taken sequence, 4 stats hash, 5 job hash, 6 idempotency key
-- ARGV: 1 job id, 2 user id, 3 event id, 4 seats, 5 now (ms), 6 idempotency ttl (s, 0 = no key)
-- Returns {1, job id, seq, taken} for a new job, {0, existing job id} for a repeated idempotency key.
if ARGV[6] ~= '0' then
  local existing = redis.call('GET', KEYS[6])
  if existing then
    return {0, existing}
  end
end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[5], 'user', ARGV[2], 'event', ARGV[3], 'seats', ARGV[4], 'status', 'queued',
  'seq', seq, 'enqueuedAt', ARGV[5], 'attempts', 0)
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'enqueued', 1)
if ARGV[6] ~= '0' then
  redis.call('SET', KEYS[6], ARGV[1], 'EX', ARGV[6])
end
local taken = tonumber(redis.call('GET', KEYS[3]) or '0')
return {1, ARGV[1], seq, taken}
