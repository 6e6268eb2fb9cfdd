-- The one place where jobs become final in Redis, shared by every script that finishes jobs (ack.lua
-- for the worker's decisions, answered.lua for the records of jobs the sold-out fast path of take.lua
-- answered): LuaScript prepends this file to them.
-- Anything a finished job must leave behind (its status and answer, its retention, the finished index for
-- clean, the outcome counters by status and by reason) belongs here, so both paths stay the same.
--   local finisher = job_finisher(job key prefix, now (ms), result ttl (s), finished index key, stats key)
--   finisher.finish(id, status, result JSON, error code[, attempts[, user, event[, finished at (ms)]]])
--                                                          -- per job; attempts when the caller sets them; user and
--                                                          event when it has them; the finish time when the job was
--                                                          answered before its record is written (answered.lua)
--   finisher.done()                                        -- once, at the end: index and counters (none when the
--                                                          stats key is false: the answer was counted already)
--   finisher.released                                      -- {user, event, ...} of the jobs finished: the caller
--                                                          gives their places in the users' open-job quota back
--                                                          (another slot: ShardQueue.releaseOpenJobs)
-- A finished job also lets go of the user's live-job mark for its event (enqueue.lua): the mark's key is the
-- job's, with 'live:USER:EVENT' in place of 'job:ID' (same shard tag).
local function job_finisher(prefix, now, ttl, finished_key, stats_key)
  local index, counts = {}, {}
  local finisher = {released = {}}
  local live_prefix = string.gsub(prefix, 'job:$', 'live:')
  -- The jobs whose retries ran out, for the operators' list and retry (retry.lua): the finished index's shard.
  local internal_key = string.gsub(finished_key, 'finished$', 'internal')
  local function release_holds(key, id, user, event)
    if not user then
      local f = redis.call('HMGET', key, 'user', 'event')
      user, event = f[1], f[2]
    end
    if user and event then
      local live = live_prefix .. user .. ':' .. event
      local holder = redis.call('GET', live)
      if holder == id then
        redis.call('DEL', live)
      end
      -- A newer job of the user for the event (possible once a job is answered before its record is
      -- written: answered.lua) holds the event's place in the quota now; it is that job's to give back.
      if holder == id or not holder then
        finisher.released[#finisher.released + 1] = user
        finisher.released[#finisher.released + 1] = event
      end
    end
  end
  local function flush_index()
    if #index > 0 then
      redis.call('ZADD', finished_key, unpack(index))
      index = {}
    end
  end
  function finisher.finish(id, status, result, error, attempts, user, event, finished_at)
    local key = prefix .. id
    local at, keep = now, ttl
    if finished_at then
      -- Answered earlier (the sold-out fast path): the record says when, and is kept as long from then on.
      at = finished_at
      keep = math.max(1, tonumber(ttl) - math.floor((tonumber(now) - tonumber(finished_at)) / 1000))
    end
    release_holds(key, id, user, event)
    if attempts then
      redis.call('HSET', key, 'status', status, 'result', result, 'error', error, 'finishedAt', at, 'attempts', attempts)
    else
      redis.call('HSET', key, 'status', status, 'result', result, 'error', error, 'finishedAt', at)
    end
    redis.call('EXPIRE', key, keep)
    index[#index + 1] = at
    index[#index + 1] = id
    if #index >= 2000 then
      flush_index()
    end
    counts[status] = (counts[status] or 0) + 1
    if error == 'INTERNAL' then
      redis.call('ZADD', internal_key, at, id)
    end
    if error and error ~= '' then
      -- The outcomes by reason (SOLD_OUT, WAITLISTED, INTERNAL...): what the console shows instead of one
      -- "failed" figure, since most of those are the system answering as it should.
      counts['reason:' .. error] = (counts['reason:' .. error] or 0) + 1
    end
  end
  function finisher.done()
    flush_index()
    if stats_key then
      for status, n in pairs(counts) do
        redis.call('HINCRBY', stats_key, status, n)
      end
    end
  end
  return finisher
end

