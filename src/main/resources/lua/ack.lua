-- Record the outcomes of a batch in one call: the job leaves the processing set and keeps its result
-- for the retention time. A job already finished keeps its first result (redelivery is harmless).
-- KEYS: 1 processing, 2 stats, 3 finished index
-- ARGV: 1 job key prefix, 2 now (ms), 3 result ttl (s), 4 live-job key prefix,
--       then per job: id, status, result JSON, error code, retries
-- Returns {user, event, user, event, ...} of the jobs decided by this call: the caller releases their
-- places in the users' open-job quota (another slot, so not from here).

-- THE one place where a decided job lets go of what it held in this shard: the user's live job for the
-- event (see enqueue.lua). Every path that decides a job (this script, any future fast path) calls or
-- copies this. Returns user, event of the job.
local function release_holds(live_prefix, job_key, id)
  local f = redis.call('HMGET', job_key, 'user', 'event')
  if f[1] and f[2] then
    local live = live_prefix .. f[1] .. ':' .. f[2]
    if redis.call('GET', live) == id then
      redis.call('DEL', live)
    end
  end
  return f[1], f[2]
end

local released = {}
for i = 5, #ARGV, 5 do
  local id = ARGV[i]
  local key = ARGV[1] .. id
  redis.call('ZREM', KEYS[1], id)
  local status = redis.call('HGET', key, 'status')
  if status and status ~= 'completed' and status ~= 'failed' then
    redis.call('HSET', key, 'status', ARGV[i + 1], 'result', ARGV[i + 2], 'error', ARGV[i + 3], 'finishedAt', ARGV[2])
    redis.call('EXPIRE', key, ARGV[3])
    redis.call('ZADD', KEYS[3], ARGV[2], id)
    redis.call('HINCRBY', KEYS[2], ARGV[i + 1], 1)
    if ARGV[i + 4] ~= '0' then
      redis.call('HINCRBY', KEYS[2], 'retried', tonumber(ARGV[i + 4]))
    end
    local user, event = release_holds(ARGV[4], key, id)
    if user and event then
      released[#released + 1] = user
      released[#released + 1] = event
    end
  end
end
return released
