-- bucket.lua: one scope's budget, kept in Redis. A faithful port of the
-- in-memory bucket of package ratelimit (memstore.go); names and structure
-- follow it function by function, so the two can be read side by side.
--
-- Times are microseconds on Redis's clock (TIME); durations are
-- microseconds. A zero time means "unset", which compares as the far past,
-- as the zero time.Time does in Go.
--
-- KEYS[1]  the state hash
-- KEYS[2]  the sorted set of requests in flight (member seq, score admission)
-- ARGV     op, jitter, burst, hasRand, inflightExpiry, ttlMargin, nrand, rand...,
--          nitems, items (ITEM fields each: kind, age, epoch, seq, status,
--          limit, remaining, hasRemaining, reset, hasReset, window,
--          retryAfter, hasRetryAfter, rtt, settled)
-- op       1 take, 2 flush (apply the items only), 3 backoff, 4 snapshot
-- kind     1 report, 2 cancel; age is how long ago (caller's clock) it happened
if redis.replicate_commands then pcall(redis.replicate_commands) end

local SEC = 1000000
local RESET_TOL, MIN_PROBE, MAX_PROBE = SEC, SEC, 10 * SEC
local BACKOFF_BASE, BACKOFF_MAX = 500000, 60 * SEC
local MAX_CONC, MAX_SPREAD = 4096, SEC
local MAX_DELAY = 24 * 3600 * SEC
local ITEM = 15

local function num(x) return string.format('%.17g', x) end
local function idiv(a, d) -- Go's integer division: truncates toward zero
	local q = a / d
	if q >= 0 then return math.floor(q) end
	return math.ceil(q)
end

local tm = redis.call('TIME')
local T = tonumber(tm[1]) * SEC + tonumber(tm[2])

local op = tonumber(ARGV[1])
local J = tonumber(ARGV[2])
local B = tonumber(ARGV[3])
local hasRand = ARGV[4] == '1'
local inflightExpiry = tonumber(ARGV[5])
local ttlMargin = tonumber(ARGV[6])
local nrand = tonumber(ARGV[7])
local rands = {}
for i = 1, nrand do rands[i] = tonumber(ARGV[7 + i]) end
local ri = 0
local function rnd()
	if nrand == 0 then return 0.5 end
	ri = ri % nrand + 1
	return rands[ri]
end
local base = 8 + nrand
local nitems = tonumber(ARGV[base])

local FIELDS = {'epoch', 'seq', 'settled', 'known', 'avail', 'limit', 'window',
	'windowStated', 'reset', 'wake', 'stateSeq', 'low', 'lost', 'lostMark', 'freshAvail', 'nextSlot', 'lastAdmit',
	'interval', 'everHeaders', 'epochSeq', 'cwnd', 'ssthresh', 'aimdIv',
	'firstAdmit', 'sinceOverrun', 'throttles', 'throttleSeq', 'srtt'}
local b, old = {}, {}
local vals = redis.call('HMGET', KEYS[1], unpack(FIELDS))
if not vals[1] then
	-- A new state (or one that expired): a new epoch, so that tickets of
	-- the old one are never mistaken for tickets of this one.
	redis.call('DEL', KEYS[2])
	for _, k in ipairs(FIELDS) do b[k] = 0 end
	b.epoch = T % 1048573 + 1
	b.cwnd = 1
	b.ssthresh = -1 -- infinity
else
	for i, k in ipairs(FIELDS) do
		b[k] = tonumber(vals[i]) or 0
		old[k] = b[k]
	end
end

-- Requests in flight longer than inflightExpiry count as lost (their process
-- died): settled, so they stop holding the budget.
local expired = redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', num(T - inflightExpiry))
b.settled = b.settled + expired
local inflight = redis.call('ZCARD', KEYS[2])

local function jitter(d)
	if J <= 0 or not hasRand or d <= 0 then return d end
	return math.floor(d * (1 + J * (2 * rnd() - 1)))
end

local function longRun()
	if b.window <= 0 or b.limit <= 0 then return 0 end
	return idiv(b.window, b.limit)
end

local function spread()
	if J <= 0 or not hasRand then return 0 end
	local unit = MAX_SPREAD
	local iv = longRun()
	if iv > 0 and iv < unit then unit = iv end
	return math.floor(rnd() * J * unit)
end

local function probeWait()
	return math.min(math.max(3 * b.srtt, MIN_PROBE), MAX_PROBE)
end

local function burst()
	local quota = b.limit
	if quota <= 0 then quota = b.freshAvail end
	return math.max(1, math.floor(quota * B))
end

local function pace(now)
	local iv = 0
	if b.avail > 0 and b.reset ~= 0 then
		local ttr = b.reset - now
		if ttr > 0 then iv = idiv(ttr, b.avail) end
	end
	local lr = longRun()
	if lr > 0 and ((iv == 0 and b.reset == 0) or iv > lr) then iv = lr end
	return iv
end

local function backoffAt(n)
	local d = BACKOFF_BASE
	local i = 1
	while i < n and d < BACKOFF_MAX do
		d = d * 2
		i = i + 1
	end
	d = math.min(d, BACKOFF_MAX)
	if hasRand then d = math.floor(d * (0.5 + 0.5 * rnd())) end
	return d
end

local function rollover(now)
	if b.known == 0 or b.wake == 0 or now < b.wake then return end
	b.reset, b.wake = 0, 0
	b.epochSeq = b.seq
	if b.avail > 0 then return end
	b.known = 0
end

-- unspent is what a server that said remaining has left for the client:
-- minus the requests in flight and those lost, which it may count later.
local function unspent(remaining)
	return math.max(remaining - inflight - b.lost, 0)
end

local function setWindow(now, reset, avail)
	b.known = 1
	b.avail, b.freshAvail = avail, avail
	b.reset = reset
	b.wake = reset + spread()
	local iv = pace(now)
	if iv < b.interval and b.lastAdmit + iv < b.nextSlot then
		b.nextSlot = b.lastAdmit + iv
	end
end

local function grow()
	if b.throttles > 0 then b.throttles = b.throttles - 1 end
	b.sinceOverrun = b.sinceOverrun + 1
	if b.aimdIv > 0 then b.aimdIv = b.aimdIv - idiv(b.aimdIv, 100) end
	if b.ssthresh < 0 or b.cwnd < b.ssthresh then
		b.cwnd = b.cwnd + 1
	else
		b.cwnd = b.cwnd + 1 / b.cwnd
	end
	b.cwnd = math.min(b.cwnd, MAX_CONC)
end

local function slowDown(now)
	local rate = 0
	if b.aimdIv > 0 then
		rate = SEC / b.aimdIv
	elseif now > b.firstAdmit and b.sinceOverrun > 0 then
		rate = b.sinceOverrun / ((now - b.firstAdmit) / SEC)
	end
	if rate > 0 then
		local iv = math.floor(2 * SEC / rate)
		b.aimdIv = math.min(math.max(iv, 1000), BACKOFF_MAX)
	end
	b.sinceOverrun = 0
end

-- settle removes seq from the requests in flight; it reports whether seq
-- was still counted there.
local function settle(same, seq)
	if not same then return false end
	if redis.call('ZREM', KEYS[2], num(seq)) == 0 then return false end
	b.settled = b.settled + 1
	inflight = inflight - 1
	return true
end

local function throttled(now, seq, r)
	if seq > b.throttleSeq then
		b.throttleSeq = b.seq
		b.throttles = b.throttles + 1
		b.cwnd = math.max(1, b.cwnd / 2)
		b.ssthresh = b.cwnd
		slowDown(now)
	end
	local d
	if r.hasRetry then
		d = r.retry
	elseif r.hasReset and r.reset > 0 then -- a refusal "resetting now" is no hint
		d = r.reset
	else
		d = backoffAt(b.throttles)
	end
	if r.hasRem or r.hasReset or r.hasRetry then b.everHeaders = 1 end
	-- A refusal of a request sent before the current state was set, whose
	-- wait ends well before the current reset, was about an ended window.
	if b.known == 1 and seq <= b.stateSeq and b.reset ~= 0 and now + d < b.reset - RESET_TOL then
		return
	end
	-- Every request sent so far predates this refusal.
	b.stateSeq = math.max(b.stateSeq, b.seq)
	b.low = 0
	local reset = now + d
	if not r.hasRetry and not r.hasReset and b.known == 1 and b.reset > reset then
		reset = b.reset
	end
	setWindow(now, reset, 0)
end

local function report(now, same, seq, r)
	settle(same, seq)
	if r.rtt > 0 then
		if b.srtt == 0 then
			b.srtt = r.rtt
		else
			b.srtt = b.srtt + idiv(r.rtt - b.srtt, 8)
		end
	end
	rollover(now)
	if r.limit > 0 then b.limit = r.limit end
	if r.window > 0 then
		b.window, b.windowStated = r.window, 1
	end
	if not same then seq = 0 end -- a ticket of an earlier state: the oldest
	if r.status == 429 then
		throttled(now, seq, r)
		return
	end
	if r.status > 0 and r.status < 500 then grow() end
	if not r.hasRem then
		if r.status == 0 then
			-- Failed after it was sent: the server may count it at any
			-- time. Spent until a request sent after now answers.
			b.lost = b.lost + 1
			b.lostMark = b.seq
		end
		return
	end
	b.everHeaders = 1
	local resetAt = 0
	if r.hasReset then resetAt = now + r.reset end
	-- Of the responses seen, the one with the lowest remaining (low) was
	-- processed last; every request in flight may come after it. A
	-- response to a request admitted before low was set (older) that says
	-- more is already counted; one that says less is news.
	local older = seq <= b.stateSeq
	if b.known == 0 and seq <= b.epochSeq then
		if r.remaining == 0 and r.hasReset and r.reset > 0 then
			b.low = 0
			-- Answers to requests sent so far may only lower it now.
			b.stateSeq = math.max(b.stateSeq, b.seq)
			setWindow(now, resetAt, 0)
		end
		return
	end
	if b.known == 1 and older then
		-- An earlier reset means an ended window only after a rollover (a
		-- token bucket's reset moves both ways).
		local ended = seq <= b.epochSeq and r.hasReset and b.reset ~= 0 and resetAt < b.reset - RESET_TOL and resetAt <= now + RESET_TOL
		if ended or r.remaining >= b.low then
			b.avail = unspent(b.low)
			return
		end
	end
	if seq > b.lostMark then b.lost = 0 end -- processed after every lost request was sent
	local estimate = unspent(r.remaining)
	b.low = r.remaining
	b.stateSeq = b.seq
	if r.hasReset then
		-- A reset clamped to MAX_DELAY says nothing of the window.
		if b.windowStated == 0 and r.reset > b.window and r.reset < MAX_DELAY then b.window = r.reset end
		setWindow(now, resetAt, estimate)
	elseif estimate == 0 and (b.known == 0 or b.reset == 0) then
		setWindow(now, now + backoffAt(math.max(b.throttles, 1)), 0)
	else
		b.known, b.avail, b.freshAvail = 1, estimate, estimate
	end
end

local function cancel(now, same, seq)
	settle(same, seq)
	if b.known == 1 then b.avail = unspent(b.low) end
	if same and seq == b.seq and b.nextSlot > now then b.nextSlot = b.nextSlot - b.interval end
end

local function admit(now)
	if b.seq == 0 then b.firstAdmit = now end
	b.seq = b.seq + 1
	inflight = inflight + 1
	redis.call('ZADD', KEYS[2], num(now), num(b.seq))
	b.lastAdmit = now
	return {1, b.seq, b.settled, 0, 0, b.interval}
end

-- take returns {ok, seq, settled, wait, waitKnown, interval}.
local function take(now)
	rollover(now)
	if b.known == 1 then
		if b.avail <= 0 then
			if b.wake == 0 then b.wake = now + backoffAt(b.throttles) end
			return {0, 0, 0, b.wake - now, 1, b.interval}
		end
		local iv = pace(now)
		local earliest = b.nextSlot - math.min((burst() - 1) * iv, MAX_DELAY)
		if now < earliest then return {0, 0, 0, earliest - now, 1, iv} end
		b.interval = iv
		b.avail = b.avail - 1
		if iv > 0 then -- unpaced, nextSlot stays behind
			if b.nextSlot < now then b.nextSlot = now end
			b.nextSlot = b.nextSlot + jitter(iv)
		end
		return admit(now)
	end
	local capacity = 1
	if b.everHeaders == 0 then capacity = math.floor(b.cwnd) end
	if inflight >= capacity then
		local late = b.lastAdmit + probeWait()
		if now < late then return {0, 0, 0, late - now, 0, probeWait()} end
	end
	if now < b.nextSlot then return {0, 0, 0, b.nextSlot - now, 1, b.aimdIv} end
	if b.everHeaders == 0 and b.aimdIv > 0 then
		b.interval = b.aimdIv
		b.nextSlot = now + jitter(b.aimdIv)
	end
	return admit(now)
end

local function backoff(now)
	if b.known == 1 and b.avail <= 0 and now < b.wake then return {b.wake - now} end
	return {backoffAt(math.max(b.throttles, 1))}
end

-- snapshot returns {limit, known, remaining, reset (from now, -1 if
-- unknown), window, inflight, interval, concurrency*1000, throttles}.
local function snapshot(now)
	rollover(now)
	local reset, iv, conc = -1, 0, b.cwnd
	if b.reset ~= 0 then reset = b.reset - now end
	if b.known == 1 then
		iv = pace(now)
	elseif b.everHeaders == 1 then
		conc = 1
	end
	return {b.limit, b.known, b.avail, reset, b.window, inflight, iv, math.floor(conc * 1000), b.throttles}
end

for i = 0, nitems - 1 do
	local a = base + 1 + i * ITEM
	local kind = tonumber(ARGV[a])
	local now = T - tonumber(ARGV[a + 1])
	local same = tonumber(ARGV[a + 2]) == b.epoch
	local seq = tonumber(ARGV[a + 3])
	if kind == 1 then
		report(now, same, seq, {
			status = tonumber(ARGV[a + 4]), limit = tonumber(ARGV[a + 5]),
			remaining = tonumber(ARGV[a + 6]), hasRem = ARGV[a + 7] == '1',
			reset = tonumber(ARGV[a + 8]), hasReset = ARGV[a + 9] == '1',
			window = tonumber(ARGV[a + 10]), retry = tonumber(ARGV[a + 11]),
			hasRetry = ARGV[a + 12] == '1', rtt = tonumber(ARGV[a + 13]),
			settled = tonumber(ARGV[a + 14])})
	else
		cancel(now, same, seq)
	end
end

local out
if op == 1 then
	out = take(T)
elseif op == 3 then
	out = backoff(T)
elseif op == 4 then
	out = snapshot(T)
else
	out = {}
end
table.insert(out, 1, b.epoch)

-- Only what changed is written. Numbers go to Redis as they are: Redis
-- formats them exactly (shortest round trip since 7.0, %.17g before).
local kv = {}
for _, k in ipairs(FIELDS) do
	if b[k] ~= old[k] then
		kv[#kv + 1] = k
		kv[#kv + 1] = b[k]
	end
end
if #kv > 0 then redis.call('HSET', KEYS[1], unpack(kv)) end
-- Expire on their own: after the longest of the window, the time to the
-- reset and the in-flight expiry, plus a margin; refreshed on every call.
local ttl = math.max(b.window, b.reset - T, inflightExpiry) + ttlMargin
local ms = num(math.ceil(ttl / 1000))
redis.call('PEXPIRE', KEYS[1], ms)
redis.call('PEXPIRE', KEYS[2], ms)
return out
