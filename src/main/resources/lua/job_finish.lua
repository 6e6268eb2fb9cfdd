-- The one place where jobs become final in Redis, shared by every script that finishes jobs (ack.lua
-- for the worker's decisions, take.lua for the sold-out fast path): LuaScript prepends this file to them.
-- Anything a finished job must leave behind (its status and answer, its retention, the finished index for
-- clean, the outcome counters) belongs here, so both paths stay the same.
--   local finisher = job_finisher(job key prefix, now (ms), result ttl (s), finished index key, stats key)
--   finisher.finish(id, status, result JSON, error code[, attempts])   -- per job; attempts when the caller sets them
--   finisher.done()                                        -- once, at the end: index and counters
local function job_finisher(prefix, now, ttl, finished_key, stats_key)
  local index, counts = {}, {}
  local finisher = {}
  local function flush_index()
    if #index > 0 then
      redis.call('ZADD', finished_key, unpack(index))
      index = {}
    end
  end
  function finisher.finish(id, status, result, error, attempts)
    local key = prefix .. id
    if attempts then
      redis.call('HSET', key, 'status', status, 'result', result, 'error', error, 'finishedAt', now, 'attempts', attempts)
    else
      redis.call('HSET', key, 'status', status, 'result', result, 'error', error, 'finishedAt', now)
    end
    redis.call('EXPIRE', key, ttl)
    index[#index + 1] = now
    index[#index + 1] = id
    if #index >= 2000 then
      flush_index()
    end
    counts[status] = (counts[status] or 0) + 1
  end
  function finisher.done()
    flush_index()
    for status, n in pairs(counts) do
      redis.call('HINCRBY', stats_key, status, n)
    end
  end
  return finisher
end

