-- A job's record and the shard's taken sequence, read together. The taken sequence also counts the
-- withdrawn jobs (withdraw.lua) between it and the job, so seq - taken is the job's place in line.
-- KEYS: 1 job hash, 2 taken sequence, 3 withdrawn sequence numbers
local taken = tonumber(redis.call('GET', KEYS[2]) or '0')
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if seq > taken + 1 then
  taken = taken + redis.call('ZCOUNT', KEYS[3], '(' .. taken, '(' .. seq)
end
return {redis.call('HGETALL', KEYS[1]), tostring(taken)}
