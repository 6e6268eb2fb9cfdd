-- The one place where jobs become final in Redis, shared by every script that finishes jobs (ack.lua
-- for the worker's decisions, take.lua for the sold-out fast path): LuaScript prepends this file to them.
-- Anything a finished job must leave behind (its status and answer, its retention, the finished index for
-- clean, the outcome counters) belongs here, so both paths stay the same.
--   local finisher = job_finisher(job key prefix, now (ms), result ttl (s), finished index key, stats key)
--   finisher.finish(id, status, result JSON, error code[, attempts[, user, event]])   -- per job; attempts when
--                                                          the caller sets them; user and event when it has them
--   finisher.done()                                        -- once, at the end: index and counters
--   finisher.released                                      -- {user, event, ...} of the jobs finished: the caller
--                                                          gives their places in the users' open-job quota back
--                                                          (another slot: ShardQueue.releaseOpenJobs)
-- A finished job also lets go of the user's live-job mark for its event (enqueue.lua): the mark's key is the
-- job's, with 'live:USER:EVENT' in place of 'job:ID' (same shard tag).
local function job_finisher(prefix, now, ttl, finished_key, stats_key)
  local index, counts = {}, {}
  local finisher = {released = {}}
  local live_prefix = string.gsub(prefix, 'job:$', 'live:')
  local function release_holds(key, id, user, event)
    if not user then
      local f = redis.call('HMGET', key, 'user', 'event')
      user, event = f[1], f[2]
    end
    if user and event then
      local live = live_prefix .. user .. ':' .. event
      if redis.call('GET', live) == id then
        redis.call('DEL', live)
      end
      finisher.released[#finisher.released + 1] = user
      finisher.released[#finisher.released + 1] = event
    end
  end
  local function flush_index()
    if #index > 0 then
      redis.call('ZADD', finished_key, unpack(index))
      index = {}
    end
  end
  function finisher.finish(id, status, result, error, attempts, user, event)
    local key = prefix .. id
    release_holds(key, id, user, event)
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

