-- Record the outcomes of a batch in one call: the job leaves the processing set and keeps its result
-- for the retention time. A job already finished keeps its first result (redelivery is harmless).
-- Prefixed with job_finish.lua (job_finisher): it also releases what a finished job held (its live-job mark).
-- KEYS: 1 processing, 2 stats, 3 finished index
-- ARGV: 1 job key prefix, 2 now (ms), 3 result ttl (s), then per job: id, status, result JSON, error code, retries
-- Returns {user, event, user, event, ...} of the jobs recorded by this call (one pair each): the caller gives
-- their places in the users' open-job quota back (another slot, so not from here).
local finisher = job_finisher(ARGV[1], ARGV[2], ARGV[3], KEYS[3], KEYS[2])
-- The jobs leave the processing set in one ZREM per 1,000 jobs; each record is read once (its status, and
-- the user and event whose holds the finisher releases).
local leaving = {}
local function flush_leaving()
  if #leaving > 0 then
    redis.call('ZREM', KEYS[1], unpack(leaving))
    leaving = {}
  end
end
for i = 4, #ARGV, 5 do
  local id = ARGV[i]
  local key = ARGV[1] .. id
  leaving[#leaving + 1] = id
  if #leaving >= 1000 then
    flush_leaving()
  end
  local f = redis.call('HMGET', key, 'status', 'user', 'event')
  local status = f[1]
  if status and status ~= 'completed' and status ~= 'failed' and status ~= 'waitlisted' then
    finisher.finish(id, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], nil, f[2], f[3])
    if ARGV[i + 4] ~= '0' then
      redis.call('HINCRBY', KEYS[2], 'retried', tonumber(ARGV[i + 4]))
    end
  end
end
flush_leaving()
finisher.done()
return finisher.released
