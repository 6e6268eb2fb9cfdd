-- An operator's retry of a job whose retries ran out (failed, INTERNAL): it goes back to the front of its
-- shard's line (it was accepted before everything waiting there), keeps its attempts (so the take hands it to
-- PostgreSQL, never to the sold-out fast path: a job delivered before may have booked already and must find
-- its booking) and is no longer counted as failed, nor listed as INTERNAL. Anything else is left alone.
-- KEYS: 1 job hash, 2 waiting, 3 finished index, 4 INTERNAL jobs, 5 stats
-- ARGV: 1 job id
-- Returns {1} when retried, {0} for no such job, {-1, status, error} for a job that did not end INTERNAL.
local f = redis.call('HMGET', KEYS[1], 'status', 'error', 'user')
if not f[3] then
  return {0}
end
if f[1] ~= 'failed' or f[2] ~= 'INTERNAL' then
  return {-1, f[1] or '', f[2] or ''}
end
redis.call('HSET', KEYS[1], 'status', 'queued')
redis.call('HDEL', KEYS[1], 'result', 'error', 'finishedAt', 'admitBy')
redis.call('PERSIST', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[5], 'failed', -1)
redis.call('HINCRBY', KEYS[5], 'reason:INTERNAL', -1)
return {1}
