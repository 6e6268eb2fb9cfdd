-- A job's record and the shard's taken sequence, read together, with the time the sold-out fast path
-- answered the job ('' when it did not, or its record has been written since: see answered.lua).
-- KEYS: 1 job hash, 2 taken sequence, 3 answered (job id -> answer time, ms)
-- ARGV: 1 job id
return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]) or '0', redis.call('ZSCORE', KEYS[3], ARGV[1]) or ''}
