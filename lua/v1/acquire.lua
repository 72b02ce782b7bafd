-- sniper acquire, ABI v1. Decides one signal and counts it, atomically, on the Redis clock.
--
-- EVALSHA <sha> 1 <ns> <hourly_cap> <daily_cap> <mtf_required> <mtf_confirmed> <signal_id> <now_ms> <window> <deadline_ms>
--   KEYS[1]  namespace, e.g. sniper_signals or {sniper_signals} in Redis Cluster
--   ARGV[1]  hourly cap, 0..1000000000, 0 = no cap            (omitted: 0)
--   ARGV[2]  daily cap,  0..1000000000, 0 = no cap            (omitted: 0)
--   ARGV[3]  1 if the policy requires MTF confirmation, else 0 (omitted: 0)
--   ARGV[4]  1 if this signal is MTF-confirmed, else 0         (omitted: 0)
--   ARGV[5]  signal id for idempotency and release, or empty   (omitted: none)
--   ARGV[6]  now in epoch ms, or empty for Redis TIME          (omitted: TIME)
--   ARGV[7]  fixed (also empty) or sliding                     (omitted: fixed)
--   ARGV[8]  epoch ms after which the caller no longer waits, or empty (omitted: none); a call that
--            runs later (a timed-out command the server ran late) does nothing and errors
--   ARGV[9..] scopes (omitted: none), up to 8 triples <dimension>=<value>, hourly cap, daily cap: each is
--            one more layer with its own buckets, decided with the fleet's, all or nothing. One more
--            triple may be the caller's identity: @who=<guard_id>, <runner>, <audit_max_entries>[:<max_age_ms>]
--            (the audit's bounds: entries, and age by the entries' ids, omitted: none); and one the
--            room kept for runners not yet seen (fleet_size): @room, <hourly_room>, <daily_room>, 0..1000000000
--            each, taken off the fleet's caps that apply (the stored policy's or these)
-- Reply: {allowed, reason, hour_count, day_count, retry_after_ms, server_time_ms, replayed}, plus
--   layer when scopes (or @who or @room) were given: 'fleet' or '<dimension>=<value>' when a cap blocked,
--   else ''; with @who (or @room) also policy_version ('' when none is stored) and halt (the halt's text,
--   or ''); with @room also room: the room kept when it alone blocked (the fleet's cap itself had room), else 0.
-- Control (lua/README.md, "Fleet policy, halt, audit"): <ns>:policy (kept by control.lua) replaces the caps
--   passed; <ns>:halt blocks everything with SNIPER_HALTED, counting nothing; every admission is appended
--   to the stream <ns>:audit (XADD MAXLEN ~ audit_max_entries, default 100000; XTRIM MINID ~ by max_age_ms) in
--   this same call.
-- Keys: <ns>:hour:<now//3600000>, <ns>:day:<now//86400000> (TTL 2 windows, set at creation);
--       <ns>:op:<signal_id> holds the decision: 172800 s when admitted, until the blocking bucket ends
--       (retry_after_ms) when blocked by a cap, 60 s when blocked by MTF; <ns>:held (read only, kept by
--       heartbeat.lua): what guards that may be deciding locally may admit, held back here;
--       <ns>:scope:<dimension>=<value>:hour:<bucket> and :day:<bucket> for each scope (TTL 2 windows).
-- Errors start with "ERR sniper:" and write nothing. Runs on Redis 6.2 and 7.x.
--
-- Performance: this runs on Redis's single thread for every signal of the fleet, so the common path
-- avoids what costs there: tables, closures, tonumber (it parses twice; `s + 0` once, used only on
-- validated digits), number-to-string through `..` (%.14g; string.format('%d') is cheaper), and
-- any Redis call beyond TIME, one MGET and the two writes. Measured by ServerCost (benchmarks/README.md).

local HOUR_MS, DAY_MS = 3600000, 86400000
local OP_TTL_MS, MTF_BLOCK_TTL_MS = 172800000, 60000
local AUDIT_MAX_DEFAULT = 100000
local ns = KEYS[1]
if ns == nil or ns == '' then
  return redis.error_reply('ERR sniper: KEYS[1] must be the namespace (e.g. sniper_signals), got none')
end

-- Arguments: validate everything before touching a key. A cap converts only once it is known to be
-- 1..10 digits, so `and` yields the number or false.
local hcap_s, dcap_s = ARGV[1] or '0', ARGV[2] or '0'
local hcap = #hcap_s <= 10 and string.find(hcap_s, '^%d+$') and hcap_s + 0
if not hcap or hcap > 1000000000 then
  return redis.error_reply('ERR sniper: hourly_cap (ARGV[1]) must be an integer 0..1000000000, got "' .. hcap_s .. '"')
end
local dcap = #dcap_s <= 10 and string.find(dcap_s, '^%d+$') and dcap_s + 0
if not dcap or dcap > 1000000000 then
  return redis.error_reply('ERR sniper: daily_cap (ARGV[2]) must be an integer 0..1000000000, got "' .. dcap_s .. '"')
end
local mtf_required, mtf_confirmed = ARGV[3] or '0', ARGV[4] or '0'
if mtf_required ~= '0' and mtf_required ~= '1' then
  return redis.error_reply('ERR sniper: mtf_required (ARGV[3]) must be 0 or 1, got "' .. mtf_required .. '"')
end
if mtf_confirmed ~= '0' and mtf_confirmed ~= '1' then
  return redis.error_reply('ERR sniper: mtf_confirmed (ARGV[4]) must be 0 or 1, got "' .. mtf_confirmed .. '"')
end
local signal_id = ARGV[5] or ''
if #signal_id > 256 then
  return redis.error_reply('ERR sniper: signal_id (ARGV[5]) must be at most 256 bytes, got ' .. #signal_id)
end
local now_s = ARGV[6] or ''
if now_s ~= '' and (#now_s > 15 or not string.find(now_s, '^%d+$')) then
  return redis.error_reply('ERR sniper: now_ms (ARGV[6]) must be empty or epoch milliseconds, got "' .. now_s .. '"')
end
local window = ARGV[7] or ''
local sliding = window == 'sliding'
if not sliding and window ~= '' and window ~= 'fixed' then
  return redis.error_reply('ERR sniper: window (ARGV[7]) must be fixed or sliding, got "' .. window .. '"')
end
local deadline_s = ARGV[8] or ''
if deadline_s ~= '' and (#deadline_s > 15 or not string.find(deadline_s, '^%d+$')) then
  return redis.error_reply('ERR sniper: deadline_ms (ARGV[8]) must be empty or epoch milliseconds, got "' .. deadline_s .. '"')
end
-- Scopes: ARGV[9..] in threes. Checked in full before anything is read or written; a scope names one
-- value of a dimension (one per dimension), so its keys derive from the namespace and share its hash slot.
-- scopes[i] is the i-th scope, dims[i] its dimension, caps[2i-1] and caps[2i] its hourly and daily cap.
-- A triple starting @who= is the caller's identity for the audit, and one @room the room kept: neither is a scope.
local nscopes = 0
local scopes, dims, caps
local who, who_guard, who_runner, audit_max, audit_age = false, '-', '-', AUDIT_MAX_DEFAULT, 0
local has_room, room_hour, room_day = false, 0, 0
if #ARGV > 8 then
  if (#ARGV - 8) % 3 ~= 0 then
    return redis.error_reply('ERR sniper: scopes (ARGV[9..]) come in threes: scope, hourly_cap, daily_cap; got '
      .. (#ARGV - 8) .. ' arguments')
  end
  -- Sized up front (a constructor's nils size the array part), so storing the scopes never rehashes.
  scopes, dims = {nil, nil, nil, nil, nil, nil, nil, nil}, {nil, nil, nil, nil, nil, nil, nil, nil}
  caps = {nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil}
  for at = 9, #ARGV, 3 do
    local scope, sh, sd = ARGV[at], ARGV[at + 1], ARGV[at + 2]
    -- '@' (64) first: a scope starts with a letter, so only an identity pays for the substring.
    if string.byte(scope) == 64 and string.sub(scope, 1, 5) == '@who=' then
      if who or #scope < 6 or #scope > 261 or #sh > 256 then
        return redis.error_reply('ERR sniper: identity (ARGV[' .. at .. ']) must be @who=<guard_id> (1..256 bytes),'
          .. ' once, followed by the runner (up to 256 bytes) and audit_max_entries')
      end
      -- The audit's bound: <max_entries>, or <max_entries>:<max_age_ms>.
      local me, ma = string.match(sd, '^([1-9]%d*):([1-9]%d*)$')
      if not me then me = string.match(sd, '^[1-9]%d*$') end
      local m = me and #me <= 9 and me + 0
      local a = ma and (#ma <= 11 and ma + 0 or -1) or 0
      if not m or m > 100000000 or a < 0 or a > 31622400000 then
        return redis.error_reply('ERR sniper: audit_max_entries (ARGV[' .. (at + 2) .. ']) must be an integer'
          .. ' 1..100000000, optionally :<max_age_ms> 1..31622400000, got "' .. string.sub(sd, 1, 32) .. '"')
      end
      who, who_guard, who_runner, audit_max, audit_age = true, string.sub(scope, 6), sh, m, a
    elseif scope == '@room' then
      local h = #sh <= 10 and string.find(sh, '^%d+$') and sh + 0
      local d = #sd <= 10 and string.find(sd, '^%d+$') and sd + 0
      if has_room or not h or h > 1000000000 or not d or d > 1000000000 then
        return redis.error_reply('ERR sniper: room (ARGV[' .. at .. '..' .. (at + 2) .. ']) must be @room'
          .. ' and the hourly and daily room, integers 0..1000000000, once; got "' .. string.sub(sh, 1, 32)
          .. '", "' .. string.sub(sd, 1, 32) .. '"')
      end
      has_room, room_hour, room_day = true, h, d
    else
      local dim = #scope <= 97 and string.match(scope, '^([a-z][a-z0-9_]*)=[%w%._/:%-]+$')
      if not dim or #dim > 32 or #scope - #dim - 1 > 64 then
        return redis.error_reply('ERR sniper: scope (ARGV[' .. at .. ']) must be <dimension>=<value>: dimension a-z'
          .. ' 0-9 _ from a letter, up to 32 bytes; value A-Z a-z 0-9 . _ / : -, 1..64 bytes; got "'
          .. string.sub(scope, 1, 100) .. '"')
      end
      for j = 1, nscopes do
        if dims[j] == dim then
          return redis.error_reply('ERR sniper: scope (ARGV[' .. at .. ']) repeats dimension "' .. dim
            .. '": one value per dimension')
        end
      end
      local h = #sh <= 10 and string.find(sh, '^%d+$') and sh + 0
      if not h or h > 1000000000 then
        return redis.error_reply('ERR sniper: hourly_cap (ARGV[' .. (at + 1) .. ']) of scope ' .. scope
          .. ' must be an integer 0..1000000000, got "' .. sh .. '"')
      end
      local d = #sd <= 10 and string.find(sd, '^%d+$') and sd + 0
      if not d or d > 1000000000 then
        return redis.error_reply('ERR sniper: daily_cap (ARGV[' .. (at + 2) .. ']) of scope ' .. scope
          .. ' must be an integer 0..1000000000, got "' .. sd .. '"')
      end
      nscopes = nscopes + 1
      if nscopes > 8 then
        return redis.error_reply('ERR sniper: at most 8 scopes per signal, got '
          .. ((#ARGV - 8) / 3 - (who and 1 or 0) - (has_room and 1 or 0)))
      end
      scopes[nscopes], dims[nscopes], caps[2 * nscopes - 1], caps[2 * nscopes] = scope, dim, h, d
    end
  end
end
-- The reply's shape follows the call: 7 elements, 8 with scopes, 10 with @who, 11 with @room.
local shape = has_room and 11 or who and 10 or (nscopes > 0 and 8 or 7)

-- An id decided before gets its stored decision back, and nothing is counted.
local op_key
if signal_id ~= '' then
  op_key = ns .. ':op:' .. signal_id
  local stored = redis.pcall('GET', op_key)
  if type(stored) == 'table' then
    return redis.error_reply('ERR sniper: key ' .. op_key .. ' holds a value of another type')
  end
  if stored then
    -- A decision made with scopes goes on with |<blocking layer>|<scope>|<scope>...
    local a, r, h, d, ra, t, tail = string.match(stored, '^([01])|([%u_]+)|(%d+)|(%d+)|(%d+)|(%d+)|%d+|%d+|[01](.*)$')
    -- A decision made without scopes names no layer: the fleet's, when a cap blocked it.
    local layer = a and (tail ~= '' and string.match(tail, '^|([^|]*)')
      or tail == '' and (a == '0' and r ~= 'SNIPER_MTF_REQUIRED' and 'fleet' or ''))
    if not layer then
      return redis.error_reply('ERR sniper: key ' .. op_key .. ' holds a corrupt decision')
    end
    if shape == 11 then
      return {tonumber(a), r, tonumber(h), tonumber(d), tonumber(ra), tonumber(t), 1, layer, '', '', 0}
    elseif shape == 10 then
      return {tonumber(a), r, tonumber(h), tonumber(d), tonumber(ra), tonumber(t), 1, layer, '', ''}
    elseif shape == 8 then
      return {tonumber(a), r, tonumber(h), tonumber(d), tonumber(ra), tonumber(t), 1, layer}
    end
    return {tonumber(a), r, tonumber(h), tonumber(d), tonumber(ra), tonumber(t), 1}
  end
end

local now
if now_s == '' then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
else
  now = now_s + 0
end
if deadline_s ~= '' and now > deadline_s + 0 then
  return redis.error_reply('ERR sniper: deadline_ms passed (' .. deadline_s .. '), the caller gave up; nothing counted')
end
local hour, day = math.floor(now / HOUR_MS), math.floor(now / DAY_MS)
-- string.format('%d'), not `..` on a number: `..` formats with %.14g, slower (and 1e+14 form for 15 digits).
local hour_key = ns .. ':hour:' .. string.format('%d', hour)
local day_key = ns .. ':day:' .. string.format('%d', day)

-- Read every bucket the decision needs in one call; MGET answers nil for a missing key and for a
-- key of another type, so a nil is checked with EXISTS (rare: once per bucket) before any write.
-- With scopes the same MGET reads each scope's buckets after the fleet's (keys listed in `all`).
-- After the buckets come <ns>:held, <ns>:policy and <ns>:halt (absent on the common path).
local raw, prev_hour_key, prev_day_key, all
local policy_key, halt_key = ns .. ':policy', ns .. ':halt'
if sliding then
  prev_hour_key = ns .. ':hour:' .. string.format('%d', hour - 1)
  prev_day_key = ns .. ':day:' .. string.format('%d', day - 1)
  if nscopes == 0 then
    raw = redis.call('MGET', hour_key, day_key, prev_hour_key, prev_day_key, ns .. ':held', policy_key, halt_key)
  else
    all = {hour_key, day_key, prev_hour_key, prev_day_key, ns .. ':held', policy_key, halt_key}
  end
elseif nscopes == 0 then
  raw = redis.call('MGET', hour_key, day_key, ns .. ':held', policy_key, halt_key)
else
  all = {hour_key, day_key, ns .. ':held', policy_key, halt_key}
end
if nscopes > 0 then
  local h, d = string.format(':hour:%d', hour), string.format(':day:%d', day)
  local n, p = #all, ns .. ':scope:'
  if sliding then
    local ph, pd = string.format(':hour:%d', hour - 1), string.format(':day:%d', day - 1)
    for i = 1, nscopes do
      local scope = scopes[i]
      all[n + 1], all[n + 2], all[n + 3], all[n + 4] = p .. scope .. h, p .. scope .. d, p .. scope .. ph, p .. scope .. pd
      n = n + 4
    end
  else
    for i = 1, nscopes do
      local scope = scopes[i]
      all[n + 1], all[n + 2] = p .. scope .. h, p .. scope .. d
      n = n + 2
    end
  end
  raw = redis.call('MGET', unpack(all))
end
-- i = 1 hour, 2 day, 3 previous hour, 4 previous day: keys and counts live in locals picked by i,
-- not in tables, because a table per call costs more than the comparisons.
local hour_count, day_count, hour_prev, day_prev = 0, 0, 0, 0
for i = 1, sliding and 4 or 2 do
  local key = hour_key
  if i == 2 then key = day_key elseif i == 3 then key = prev_hour_key elseif i == 4 then key = prev_day_key end
  local v = raw[i]
  if v then
    -- '0' or digits without a leading zero: INCR refuses '007', and nothing may be written before an error.
    if #v > 15 or not (v == '0' or string.find(v, '^[1-9]%d*$')) then
      return redis.error_reply('ERR sniper: key ' .. key .. ' holds "' .. string.sub(v, 1, 32) .. '", not a count')
    end
    if i == 1 then hour_count = v + 0 elseif i == 2 then day_count = v + 0
    elseif i == 3 then hour_prev = v + 0 else day_prev = v + 0 end
  elseif redis.call('EXISTS', key) == 1 then
    return redis.error_reply('ERR sniper: key ' .. key .. ' holds a value of another type')
  end
end

-- Sliding window: admit iff prev * (W - elapsed) + (curr + 1) * W <= cap * W, exactly. With
-- prev * (W - elapsed) = f * W + g (0 <= g < W) that is curr + f + 1 <= cap when g = 0 and
-- curr + f + 2 <= cap when g > 0: the count is curr + f (the estimate rounded down, as replied),
-- and hour_over/day_over is 1 when a fraction g / W lies above it. Splitting prev = q * W + r
-- gives f = q * a + floor(r * a / W) and g = fmod(r * a, W) with a = W - elapsed: q * a <= prev and
-- r * a < W^2 < 2^53, so every product is an exact integer for prev up to 1e9 (and far beyond).
local hour_over, day_over = 0, 0
if sliding then
  local p, w, a = hour_prev, HOUR_MS, HOUR_MS - (now - hour * HOUR_MS)
  local q = math.floor(p / w)
  local r = p - q * w
  local g = math.fmod(r * a, w)
  hour_count = hour_count + q * a + (r * a - g) / w
  if g > 0 then hour_over = 1 end
  p, w, a = day_prev, DAY_MS, DAY_MS - (now - day * DAY_MS)
  q = math.floor(p / w)
  r = p - q * w
  g = math.fmod(r * a, w)
  day_count = day_count + q * a + (r * a - g) / w
  if g > 0 then day_over = 1 end
end

-- The stored policy replaces the caps passed: "<version>|<hourly>|<daily>" then "|<name>|<hourly>|<daily>"
-- per dimension (symbol) or value (symbol=BTCUSDT); a scope takes its value's caps, else its dimension's,
-- else none. A malformed policy is an error, before any write (control.lua writes only well-formed ones).
local policy_version = ''
local policy = raw[sliding and 6 or 4]
if policy then
  local v, ph, pd = string.match(policy, '^(%d+)|(%d+)|(%d+)')
  if not v or #ph > 10 or #pd > 10 then
    return redis.error_reply('ERR sniper: key ' .. policy_key .. ' holds "' .. string.sub(policy, 1, 32)
      .. '", not a policy (use control.lua)')
  end
  policy_version, hcap, dcap = v, ph + 0, pd + 0
  for i = 1, nscopes do
    local _, e = string.find(policy, '|' .. scopes[i] .. '|', 1, true)
    if not e then
      _, e = string.find(policy, '|' .. dims[i] .. '|', 1, true)
    end
    local sh, sd
    if e then
      sh, sd = string.match(policy, '^(%d+)|(%d+)', e + 1)
    end
    caps[2 * i - 1], caps[2 * i] = sh and sh + 0 or 0, sd and sd + 0 or 0
  end
end
local halt = raw[sliding and 7 or 5]

-- Held back: the shares of guards that may be admitting locally right now (absent on the common path).
-- A bucket the record does not name holds nothing; a malformed value holds everything (never a guess).
local held_hour, held_day = 0, 0
local held = raw[sliding and 5 or 3]
if held then
  local hb, hh, hn, db, dh, dn = string.match(held, '^(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
  if not hb then
    held_hour, held_day = hcap, dcap
  else
    if hour == hb + 0 then held_hour = hh + 0 elseif hour == hb + 1 then held_hour = hn + 0 end
    if day == db + 0 then held_day = dh + 0 elseif day == db + 1 then held_day = dn + 0 end
  end
end

-- Each scope's counts, by the fleet's rules above (sliding: the exact estimate; a fraction above the
-- floor blocks). Scope i's keys follow the fleet's in `all` and `raw`, `per` of them from first + (i-1)*per + 1;
-- counts[2i-1] and counts[2i] are its hour and day counts plus 1 where the exact estimate has a fraction above
-- them. Scopes hold nothing back: a guard deciding locally admits nothing in a capped scope (README, "Scopes").
local counts, per, first
if nscopes > 0 then
  counts, per, first = {}, sliding and 4 or 2, sliding and 7 or 5
  for at = first + 1, first + per * nscopes do
    local v = raw[at]
    if v then
      if #v > 15 or not (v == '0' or string.find(v, '^[1-9]%d*$')) then
        return redis.error_reply('ERR sniper: key ' .. all[at] .. ' holds "' .. string.sub(v, 1, 32) .. '", not a count')
      end
    elseif redis.call('EXISTS', all[at]) == 1 then
      return redis.error_reply('ERR sniper: key ' .. all[at] .. ' holds a value of another type')
    end
  end
  for i = 1, nscopes do
    local at = first + (i - 1) * per
    local hc, dc = raw[at + 1], raw[at + 2]
    hc, dc = hc and hc + 0 or 0, dc and dc + 0 or 0
    if sliding then
      for k = 1, 2 do
        local v = raw[at + 2 + k]
        local w = k == 1 and HOUR_MS or DAY_MS
        local pv, a = v and v + 0 or 0, w - (now - (k == 1 and hour or day) * w)
        local q = math.floor(pv / w)
        local r = pv - q * w
        local g = math.fmod(r * a, w)
        local e = q * a + (r * a - g) / w + (g > 0 and 1 or 0)
        if k == 1 then hc = hc + e else dc = dc + e end
      end
    end
    counts[2 * i - 1], counts[2 * i] = hc, dc
  end
end

-- The room kept for runners of the stated fleet not yet seen (what they may admit before they reach Redis) comes
-- off the fleet's caps that apply, the stored policy's or the caller's, so a policy keeps it too. room: how much
-- of it blocked, when it alone did (the cap itself had room).
local room = 0

local allowed, reason, retry, layer = 0, 'OK', 0, ''
if halt then
  -- Halted: blocked until resume (or the halt's TTL), nothing counted, no decision stored.
  local pttl = redis.call('PTTL', halt_key)
  reason, retry = 'SNIPER_HALTED', pttl > 0 and pttl or 0
elseif mtf_required == '1' and mtf_confirmed ~= '1' then
  reason = 'SNIPER_MTF_REQUIRED'
elseif hcap > 0 and hour_count + hour_over + held_hour + 1 > hcap - room_hour then
  reason, retry, layer = 'SNIPER_HOURLY_CAP', (hour + 1) * HOUR_MS - now, 'fleet'
  if hour_count + hour_over + held_hour + 1 <= hcap then room = room_hour end
elseif dcap > 0 and day_count + day_over + held_day + 1 > dcap - room_day then
  reason, retry, layer = 'SNIPER_DAILY_CAP', (day + 1) * DAY_MS - now, 'fleet'
  if day_count + day_over + held_day + 1 <= dcap then room = room_day end
else
  for i = 1, nscopes do
    local h, d = caps[2 * i - 1], caps[2 * i]
    if h > 0 and counts[2 * i - 1] + 1 > h then
      reason, retry, layer = 'SNIPER_HOURLY_CAP', (hour + 1) * HOUR_MS - now, scopes[i]
      break
    elseif d > 0 and counts[2 * i] + 1 > d then
      reason, retry, layer = 'SNIPER_DAILY_CAP', (day + 1) * DAY_MS - now, scopes[i]
      break
    end
  end
  if layer == '' then
    -- Every layer has room: every layer counts it.
    allowed = 1
    if raw[1] then redis.call('INCR', hour_key) else redis.call('SET', hour_key, 1, 'PX', 2 * HOUR_MS) end
    if raw[2] then redis.call('INCR', day_key) else redis.call('SET', day_key, 1, 'PX', 2 * DAY_MS) end
    hour_count, day_count = hour_count + 1, day_count + 1
    if nscopes > 0 then
      for at = first + 1, first + per * nscopes, per do
        if raw[at] then redis.call('INCR', all[at]) else redis.call('SET', all[at], 1, 'PX', 2 * HOUR_MS) end
        if raw[at + 1] then redis.call('INCR', all[at + 1]) else redis.call('SET', all[at + 1], 1, 'PX', 2 * DAY_MS) end
      end
    end
    -- The audit: who admitted what, in this same call; MAXLEN ~ trims whole nodes (cheap, approximate).
    -- pcall: the counts are written; a key <ns>:audit of another type loses the entry, never the decision.
    local id = redis.pcall('XADD', ns .. ':audit', 'MAXLEN', '~', audit_max, '*', 'event', 'admit', 'time',
      string.format('%d', now), 'guard', who_guard, 'runner', who_runner, 'signal', signal_id,
      'layer', nscopes > 0 and 'fleet ' .. table.concat(scopes, ' ') or 'fleet', 'backend', 'redis',
      'policy', policy_version)
    -- The age bound: entries older than audit_age ms by their ids (Redis's clock, whatever now_ms says) go, whole
    -- stream nodes at a time (MINID ~, Redis 6.2+), on the first entry of each millisecond only (sequence 0), so a
    -- busy fleet pays it at most once a millisecond.
    if audit_age > 0 and type(id) == 'string' and string.sub(id, -2) == '-0' then
      redis.pcall('XTRIM', ns .. ':audit', 'MINID', '~', string.format('%d', string.match(id, '^%d+') - audit_age))
    end
  end
end

if op_key and not halt then
  -- A blocked decision is kept only while it holds: until its bucket ends (retry), or 60 s for MTF (a
  -- confirmation may follow). So ids blocked in a runaway loop cost memory for one window, not 48 h.
  local op_ttl = OP_TTL_MS
  if allowed == 0 then
    op_ttl = retry > 0 and retry or MTF_BLOCK_TTL_MS
  end
  -- One format call instead of 17 concatenations with seven number-to-string conversions.
  local record = string.format('%d|%s|%d|%d|%d|%d|%d|%d|0', allowed, reason, hour_count, day_count, retry, now,
    hour, day)
  if nscopes > 0 then
    -- release gives back every layer: the scopes the signal was counted in go with its decision.
    record = record .. '|' .. layer .. '|' .. table.concat(scopes, '|')
  end
  redis.call('SET', op_key, record, 'PX', op_ttl)
end
if shape == 11 then
  return {allowed, reason, hour_count, day_count, retry, now, 0, layer, policy_version, halt or '', room}
elseif shape == 10 then
  return {allowed, reason, hour_count, day_count, retry, now, 0, layer, policy_version, halt or ''}
elseif shape == 8 then
  return {allowed, reason, hour_count, day_count, retry, now, 0, layer}
end
return {allowed, reason, hour_count, day_count, retry, now, 0}
