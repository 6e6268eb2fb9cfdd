-- A login attempt for one account, counted before its password is checked, so attempts sent all at once
-- are held to the same count as attempts sent one by one. A right password clears the count
-- (RateLimiter.loginSucceeded); a wrong one leaves it.
-- Up to the threshold every attempt is checked. Beyond it, one attempt per lock is let through to be
-- checked, and it sets the next lock, twice as long as the one before, up to the longest: an attacker
-- gets one guess per lock, and the owner can still get in once a lock is over.
-- KEYS: 1 attempt count, 2 lock (same hash tag: the account)
-- ARGV: 1 attempts before locks begin, 2 first lock (ms), 3 longest lock (ms)
-- Returns 0 when the attempt may be checked, else the time left of the lock (ms): refuse it.
local locked = redis.call('PTTL', KEYS[2])
if locked > 0 then
  return locked
end
local attempts = redis.call('INCR', KEYS[1])
local threshold = tonumber(ARGV[1])
local longest = tonumber(ARGV[3])
-- The count outlives the longest lock, so a patient attacker still meets the longest lock.
redis.call('PEXPIRE', KEYS[1], longest * 4)
if attempts > threshold then
  local lock = math.min(longest, tonumber(ARGV[2]) * 2 ^ math.min(attempts - threshold - 1, 30))
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(lock))
end
return 0
