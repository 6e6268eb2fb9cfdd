-- Move up to N jobs from the head of a shard's FIFO to its processing set, each with a lease deadline,
-- and answer SOLD_OUT at once (the sold-out fast path) to jobs of events the worker has seen sell out.
-- Job hashes are addressed by prefix..id: they carry the same hash tag, so the script stays in one slot.
-- KEYS: 1 waiting, 2 processing, 3 taken sequence, 4 paused flag, 5 paused events set, 6 owner,
--       7 answered (job id -> answer time, ms), 8 stats, 9 sold-out marks (event -> 'epoch:startsAtMillis'),
--       10 seat epochs (event -> n), 11 withdrawn sequence numbers (withdraw.lua; those the taken sequence has
--       passed are dropped here)
-- ARGV: 1 job key prefix, 2 N, 3 lease deadline (ms), 4 now (ms), 5 the caller's fencing epoch ('0': unfenced),
--       6 most jobs to answer SOLD_OUT in this call (0: fast path off)
-- Returns {taken, answered}: taken = {{id, user, event, seats, attempts, enqueuedAt, seatEpoch, waitlist, traceparent
-- or ''}, ...} to decide
-- in PostgreSQL, answered = {id, event, enqueuedAt, user, id, event, ...} (flat: one reply value less per job)
-- failed as SOLD_OUT here; both empty when paused or idle.
-- Fails with FENCED when the shard has been claimed with a newer epoch than the caller's (see claim.lua).
--
-- An event's jobs are answered here only while its sold-out mark carries the event's current seat epoch:
-- the worker writes the mark (sold_out.lua) with the epoch it read here before its transaction, and every
-- change that may bring seats back (a cancellation, a capacity or date change) bumps the epoch inside its
-- own transaction, before it commits. So a mark can never outlive a seat coming back, and the next job
-- goes to PostgreSQL, which gives the freed seat to the first job still waiting. Jobs delivered before
-- (attempts > 0) always go to PostgreSQL: one may have booked already and must find its booking. So do jobs
-- that asked for a waitlist place (their 'waitlist' field): the place is written in PostgreSQL by the worker.
--
-- An answer costs one read of the job and its place in the answered set (one ZADD per thousand jobs): the
-- answer is final from here on (status.lua and enqueue.lua read it from the set), while the job's record
-- itself is written later, in bulk, by answered.lua (with its live-job mark and retention). Counted here.
-- Only a newer epoch fences: a record behind the caller's went back in a Redis failover (touch.lua restores it).
if ARGV[5] ~= '0' and tonumber(redis.call('HGET', KEYS[6], 'epoch') or '0') > tonumber(ARGV[5]) then
  return redis.error_reply('FENCED shard claimed by a newer owner')
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  return {{}, {}}
end
local n = tonumber(ARGV[2])
local fast_limit = tonumber(ARGV[6])
local now = tonumber(ARGV[4])
local taken = tonumber(redis.call('GET', KEYS[3]) or '0')
local out, answered, n_answered = {}, {}, 0
local answers = {}
local epochs, sold_out = {}, {}
-- Lease deadlines go to the processing set in one ZADD per 1,000 jobs, not one call per job.
local leases = {}
local function flush_leases()
  if #leases > 0 then
    redis.call('ZADD', KEYS[2], unpack(leases))
    leases = {}
  end
end

local function seat_epoch(event)
  local epoch = epochs[event]
  if epoch == nil then
    epoch = redis.call('HGET', KEYS[10], event) or '0'
    epochs[event] = epoch
  end
  return epoch
end

local function is_sold_out(event)
  local known = sold_out[event]
  if known == nil then
    known = false
    local mark = fast_limit > 0 and redis.call('HGET', KEYS[9], event)
    if mark then
      local epoch, starts = string.match(mark, '^(%d+):(%d+)$')
      -- A started event is answered EVENT_STARTED by PostgreSQL, not SOLD_OUT: the mark ends with the start.
      known = epoch == seat_epoch(event) and tonumber(starts) > now
    end
    sold_out[event] = known
  end
  return known
end

-- Takes the job at the head (of what is left): false when it does not fit in this call, so it stays first.
local function take_one(id)
  local key = ARGV[1] .. id
  local f = redis.call('HMGET', key, 'user', 'event', 'seats', 'seq', 'enqueuedAt', 'status', 'attempts', 'admitBy',
    'waitlist', 'tp')
  -- A record dropped by clean (or expired) leaves nothing to decide; a finished one is not done twice.
  if not f[1] or f[6] == 'completed' or f[6] == 'failed' or f[6] == 'waitlisted' then
    return true
  end
  -- Its request's limits are not known yet (enqueue.lua, confirm.lua, withdraw.lua): it and all behind wait.
  if f[8] and tonumber(f[8]) > now then
    return false
  end
  local fast = (f[7] or '0') == '0' and not f[9] and is_sold_out(f[2])
  if fast then
    if n_answered >= fast_limit then
      return false
    end
    answers[#answers + 1] = ARGV[4]
    answers[#answers + 1] = id
    if #answers >= 2000 then
      redis.call('ZADD', KEYS[7], unpack(answers))
      answers = {}
    end
    answered[#answered + 1] = id
    answered[#answered + 1] = f[2]
    answered[#answered + 1] = f[5]
    answered[#answered + 1] = f[1]
    n_answered = n_answered + 1
  else
    if #out >= n then
      return false
    end
    leases[#leases + 1] = ARGV[3]
    leases[#leases + 1] = id
    if #leases >= 2000 then
      flush_leases()
    end
    local attempts = tonumber(f[7] or '0') + 1
    redis.call('HSET', key, 'status', 'processing', 'startedAt', ARGV[4], 'attempts', attempts)
    out[#out + 1] = {id, f[1], f[2], f[3], attempts, f[5], seat_epoch(f[2]), f[9] or '0', f[10] or ''}
  end
  local seq = tonumber(f[4])
  if seq > taken then
    taken = seq
  end
  return true
end

if redis.call('SCARD', KEYS[5]) == 0 then
  -- Read the head a chunk at a time; what was taken is a prefix of the list, cut off at the end.
  local consumed, chunk, full = 0, math.max(n, 128), false
  repeat
    local window = redis.call('LRANGE', KEYS[1], consumed, consumed + chunk - 1)
    for _, id in ipairs(window) do
      if not take_one(id) then
        full = true
        break
      end
      consumed = consumed + 1
    end
  until full or #window < chunk
  if consumed > 0 then
    redis.call('LTRIM', KEYS[1], consumed, -1)
  end
else
  -- Some events of this shard are paused: their jobs keep their place, the others go ahead. (LREM is
  -- O(queue), so this slower path answers at most N sold-out jobs per call.)
  fast_limit = math.min(fast_limit, n)
  local window = redis.call('LRANGE', KEYS[1], 0, n * 8 - 1)
  for _, id in ipairs(window) do
    local event = redis.call('HGET', ARGV[1] .. id, 'event')
    if not event or redis.call('SISMEMBER', KEYS[5], event) == 0 then
      if not take_one(id) then
        break
      end
      redis.call('LREM', KEYS[1], 1, id)
    end
  end
end
flush_leases()
if #answers > 0 then
  redis.call('ZADD', KEYS[7], unpack(answers))
end
if n_answered > 0 then
  redis.call('HINCRBY', KEYS[8], 'failed', n_answered)
  redis.call('HINCRBY', KEYS[8], 'soldOutFast', n_answered)
  redis.call('HINCRBY', KEYS[8], 'reason:SOLD_OUT', n_answered)
end
redis.call('SET', KEYS[3], taken)
redis.call('ZREMRANGEBYSCORE', KEYS[11], '-inf', taken)
return {out, answered}
