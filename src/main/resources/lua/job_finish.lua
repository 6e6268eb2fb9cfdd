-- The one place where a job becomes final in Redis, shared by every script that finishes jobs (ack.lua
-- for the worker's decisions, take.lua for the sold-out fast path): LuaScript prepends this file to them.
-- Anything a finished job must leave behind (its status and answer, its retention, the finished index for
-- clean, the outcome counters) belongs here, so both paths stay the same.
local function finish_job(job_key, id, status, result, error, now, ttl, finished_key, stats_key)
  redis.call('HSET', job_key, 'status', status, 'result', result, 'error', error, 'finishedAt', now)
  redis.call('EXPIRE', job_key, ttl)
  redis.call('ZADD', finished_key, now, id)
  redis.call('HINCRBY', stats_key, status, 1)
end

