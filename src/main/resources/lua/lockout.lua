-- A failed login for one account: count it, and from the threshold on lock the account for a time that
-- doubles with every further failure, up to a maximum. A success clears both (see LoginGuard).
-- KEYS: 1 failure count, 2 lock (same hash tag: the account)
-- ARGV: 1 failures before the lock, 2 first lock (ms), 3 longest lock (ms)
-- Returns the lock set now (ms), 0 when under the threshold.
local failures = redis.call('INCR', KEYS[1])
local threshold = tonumber(ARGV[1])
local longest = tonumber(ARGV[3])
-- The count outlives the longest lock, so a patient attacker still meets the longest lock.
redis.call('PEXPIRE', KEYS[1], longest * 4)
if failures < threshold then
  return 0
end
local lock = math.min(longest, tonumber(ARGV[2]) * 2 ^ math.min(failures - threshold, 30))
redis.call('SET', KEYS[2], '1', 'PX', math.floor(lock))
return math.floor(lock)
