-- Record the outcomes of a batch in one call: the job leaves the processing set and keeps its result
-- for the retention time. A job already finished keeps its first result (redelivery is harmless).
-- Prefixed with job_finish.lua (job_finisher): it also releases what a finished job held (its live-job mark).
-- KEYS: 1 processing, 2 stats, 3 finished index
-- ARGV: 1 job key prefix, 2 now (ms), 3 result ttl (s), then per job: id, status, result JSON, error code, retries
-- Returns {user, event, user, event, ...} of the jobs recorded by this call (one pair each): the caller gives
-- their places in the users' open-job quota back (another slot, so not from here).
local finisher = job_finisher(ARGV[1], ARGV[2], ARGV[3], KEYS[3], KEYS[2])
for i = 4, #ARGV, 5 do
  local id = ARGV[i]
  local key = ARGV[1] .. id
  redis.call('ZREM', KEYS[1], id)
  local status = redis.call('HGET', key, 'status')
  if status and status ~= 'completed' and status ~= 'failed' then
    finisher.finish(id, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
    if ARGV[i + 4] ~= '0' then
      redis.call('HINCRBY', KEYS[2], 'retried', tonumber(ARGV[i + 4]))
    end
  end
end
finisher.done()
return finisher.released
