-- A job's record and the shard's taken sequence, read together.
-- KEYS: 1 job hash, 2 taken sequence
return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]) or '0'}
