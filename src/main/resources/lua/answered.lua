-- Writes the records of jobs the sold-out fast path answered (take.lua), oldest answers first: status,
-- answer, the time it was answered, retention counted from then, the finished index, and the holds let go
-- (the user's live-job mark). Until then the answer is read from the answered set itself (status.lua,
-- enqueue.lua); counters were counted by the take. Run by the worker when its shard has nothing to take.
-- Prefixed with job_finish.lua (job_finisher).
-- KEYS: 1 answered (job id -> answer time, ms), 2 finished index
-- ARGV: 1 job key prefix, 2 now (ms), 3 result ttl (s), 4 most records to write
-- Returns {answers handled (0: none left), {user, event, user, event, ...}}: the caller gives those places in
-- the users' open-job quota back (another slot, so not from here).
local popped = redis.call('ZPOPMIN', KEYS[1], tonumber(ARGV[4]))
local finisher = job_finisher(ARGV[1], ARGV[2], ARGV[3], KEYS[2], false)
for i = 1, #popped, 2 do
  local id = popped[i]
  local f = redis.call('HMGET', ARGV[1] .. id, 'user', 'event', 'status')
  -- Only a record still as the take left it; one gone has nothing left to write (and HSET would make a stub).
  if f[1] and f[3] == 'queued' then
    finisher.finish(id, 'failed', '', 'SOLD_OUT', 1, f[1], f[2], popped[i + 1])
  end
end
finisher.done()
return {#popped / 2, finisher.released}
