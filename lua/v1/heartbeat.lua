-- sniper heartbeat, ABI v1. Registers a live guard and tells it how many guards share the namespace
-- and the current counts, so that during an outage each guard admits only its share of what is left.
-- With the caps (ARGV[4..6], added in v1 additively) it also records that share in Redis and keeps
-- <ns>:held, what acquire must hold back for guards that may be deciding locally (lua/README.md).
--
-- EVALSHA <sha> 1 <ns> <guard_id> <ttl_ms> <now_ms>
--         [<hourly_cap> <daily_cap> <state> [<deadline_ms> [<control> [<seen> [<scope>...]]]]]
--   KEYS[1]  namespace
--   ARGV[1]  guard id, 1..256 bytes, unique per guard (process)
--   ARGV[2]  ttl_ms, 1..3600000: the guard counts as live until now + ttl_ms unless it beats again
--   ARGV[3]  now in epoch ms, or empty/omitted for Redis TIME
--   ARGV[4]  hourly cap the guard enforces, 0..1000000000, 0 = none (omitted: no reservation)
--   ARGV[5]  daily cap, 0..1000000000, 0 = none
--   ARGV[6]  redis: everything this guard admitted locally is credited; local: it may hold local
--            admissions not yet credited; leave: it stops (caught up) and leaves the fleet
--   ARGV[7]  epoch ms after which the caller no longer waits, or empty (omitted: none); a heartbeat that
--            runs later does nothing and errors: a late "redis" must not release a guard that has since
--            fallen back
--   ARGV[8]  1: also reply with the stored policy and halt (omitted or 0: not)
--   ARGV[9]  seen (added in v1 additively): empty, or "<seen_at_ms>|<hour_bucket>|<hour_count>|<day_bucket>|<day_count>",
--            the latest counts this guard saw (from any reply, at that server time), less the signals it
--            will settle by id. Given (even empty), the script restores what a new server lost (below).
--   ARGV[10..] scopes (added in v1 additively; after seen, given even empty): up to 32 "<dimension>=<value>", each
--            optionally followed by "|<seen_at_ms>|<hour_bucket>|<hour_count>|<day_bucket>|<day_count>", that
--            scope's counts this guard saw (from its latest heartbeat reply), less its signals it will settle by
--            id. The reply gives each scope's counts; what a new server lost of a scope is restored by seen's rule.
--            One more entry among them, "@room|<hourly_room>|<daily_room>" (0..1000000000 each, once; added in v1
--            additively), is the room kept for runners of the stated fleet not yet seen, as acquire's @room: it
--            comes off the caps that apply before they are shared out.
-- A stored policy (<ns>:policy, control.lua) replaces ARGV[4..5] in the shares: the fleet shares one cap.
-- Keys: <ns>:guards, a sorted set of guard id -> expiry time (ms); expired members are removed here.
--       <ns>:epoch (TTL 172800 s), the server time when the first heartbeat found no epoch. If Redis loses its data (a
--       restart without persistence), the next heartbeat starts a new epoch: guards that saw the old one
--       know the counts they remember were lost, and can restore them.
--       <ns>:reserve, a hash guard id -> "state|hour|hour_share|next_hour_share|day|day_share|next_day_share":
--       the shares the guard may admit locally (in that bucket, and in the next one) if cut off now.
--       state c = on Redis, l = said local, s = suspect (another guard fell back since it last beat).
--       <ns>:held "hour|held|held_next|day|held|held_next": the sum of the shares of every held guard
--       (state l or s, or not live); absent when nothing is held. Both TTL 172800 s.
--       <ns>:server "run_id|since|hour|base_hour|restored_hour|day|base_day|restored_day" (with ARGV[9], TTL
--       172800 s): the server (INFO run_id) that ran the namespace's heartbeats since <since>, the counts of
--       its buckets then (0 when the epoch was new: everything was lost), and what heartbeats restored on it.
--       A heartbeat on another server (a promoted replica, a restart) starts a new record. A guard's counts
--       seen before <since> above the base were acknowledged by a server whose writes this one never got:
--       each heartbeat raises the restored amount to its guard's figure, so of several guards noticing one
--       loss the highest figure is restored once (never the sum).
--       <ns>:scope:<scope>:server "run_id|since|base_hour|restored_hour|base_day|restored_day" (TTL 172800 s), the
--       same per scope named: its base (its count when a heartbeat first named it on this server, at most the
--       fleet's base; 0 after a new epoch) and what was restored of it. Written only when it holds something.
-- Reply: {guards, hour_count, day_count, server_time_ms, epoch} and, with caps, then
--        {hour_share, next_hour_share, day_share, next_day_share, held_hour, held_day}, and with ARGV[8] = 1
--        then {policy, halt, halt_ttl_ms}: <ns>:policy as stored ('' none), the halt's text ('' none) and its
--        TTL (-1 none, 0 when not halted); with ARGV[9], then {run_id, since, lost_hour, lost_day,
--        restored_hour, restored_day}: lost is this guard's figure of what the server lost (0 unless it saw counts
--        before <since>), restored what this call added; then per scope of ARGV[10..] {hour_count, day_count,
--        lost_hour, lost_day, restored_hour, restored_day} (its current buckets after the restore).
--   guards: live guards plus held ones (the fleet's reckoning). Counts: the raw current buckets.
-- Errors start with "ERR sniper:" and write nothing. Runs on Redis 6.2 and 7.x.

local HOUR_MS, DAY_MS = 3600000, 86400000
local EPOCH_TTL_MS = 172800000
local ns = KEYS[1]
if ns == nil or ns == '' then
  return redis.error_reply('ERR sniper: KEYS[1] must be the namespace (e.g. sniper_signals), got none')
end
local guard_id, ttl_s, now_s = ARGV[1] or '', ARGV[2] or '', ARGV[3] or ''
if guard_id == '' or #guard_id > 256 then
  return redis.error_reply('ERR sniper: guard_id (ARGV[1]) must be 1..256 bytes, got ' .. #guard_id)
end
if #ttl_s > 7 or not string.find(ttl_s, '^%d+$') or tonumber(ttl_s) < 1 or tonumber(ttl_s) > 3600000 then
  return redis.error_reply('ERR sniper: ttl_ms (ARGV[2]) must be an integer 1..3600000, got "' .. ttl_s .. '"')
end
if now_s ~= '' and (#now_s > 15 or not string.find(now_s, '^%d+$')) then
  return redis.error_reply('ERR sniper: now_ms (ARGV[3]) must be empty or epoch milliseconds, got "' .. now_s .. '"')
end
local reserving = ARGV[4] ~= nil
local hcap_s, dcap_s, state = ARGV[4] or '0', ARGV[5] or '0', ARGV[6] or ''
if #hcap_s > 10 or not string.find(hcap_s, '^%d+$') or tonumber(hcap_s) > 1000000000 then
  return redis.error_reply('ERR sniper: hourly_cap (ARGV[4]) must be an integer 0..1000000000, got "' .. hcap_s .. '"')
end
if #dcap_s > 10 or not string.find(dcap_s, '^%d+$') or tonumber(dcap_s) > 1000000000 then
  return redis.error_reply('ERR sniper: daily_cap (ARGV[5]) must be an integer 0..1000000000, got "' .. dcap_s .. '"')
end
if reserving and state ~= 'redis' and state ~= 'local' and state ~= 'leave' then
  return redis.error_reply('ERR sniper: state (ARGV[6]) must be redis, local or leave, got "' .. state .. '"')
end
local hcap, dcap = tonumber(hcap_s), tonumber(dcap_s)
local deadline_s = ARGV[7] or ''
if deadline_s ~= '' and (#deadline_s > 15 or not string.find(deadline_s, '^%d+$')) then
  return redis.error_reply('ERR sniper: deadline_ms (ARGV[7]) must be empty or epoch milliseconds, got "' .. deadline_s .. '"')
end
local control = ARGV[8] or '0'
if control ~= '0' and control ~= '1' then
  return redis.error_reply('ERR sniper: control (ARGV[8]) must be 0 or 1, got "' .. string.sub(control, 1, 32) .. '"')
end
local lineage, seen = ARGV[9] ~= nil, nil
if lineage and ARGV[9] ~= '' then
  local at, sh, shc, sd, sdc = string.match(ARGV[9], '^(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
  if not at or #ARGV[9] > 80 or #at > 15 or #sh > 12 or #shc > 15 or #sd > 12 or #sdc > 15 then
    return redis.error_reply('ERR sniper: seen (ARGV[9]) must be empty or '
      .. '"seen_at_ms|hour_bucket|hour_count|day_bucket|day_count", got "' .. string.sub(ARGV[9], 1, 80) .. '"')
  end
  seen = {tonumber(at), tonumber(sh), tonumber(shc), tonumber(sd), tonumber(sdc)}
end
-- Scopes (ARGV[10..], after seen): up to 32, each "<dimension>=<value>" or with the counts this guard saw,
-- "<dimension>=<value>|<seen_at_ms>|<hour_bucket>|<hour_count>|<day_bucket>|<day_count>".
-- sc_names[i] is the i-th scope, sc_seen[i] its seen counts (false when not given).
-- One entry "@room|<hourly_room>|<daily_room>" among them is the room kept for runners not yet seen: not a scope.
local MAX_SCOPES = 32
local sc_names, sc_seen = {}, {}
local has_room, room_hour, room_day = false, 0, 0
local scope_args = {}
for at = 10, #ARGV do
  local arg = ARGV[at]
  if string.sub(arg, 1, 1) == '@' then
    local h, d = string.match(arg, '^@room|(%d+)|(%d+)$')
    if has_room or not h or #h > 10 or #d > 10 or tonumber(h) > 1000000000 or tonumber(d) > 1000000000 then
      return redis.error_reply('ERR sniper: room (ARGV[' .. at .. ']) must be "@room|hourly_room|daily_room",'
        .. ' integers 0..1000000000, once; got "' .. string.sub(arg, 1, 40) .. '"')
    end
    has_room, room_hour, room_day = true, tonumber(h), tonumber(d)
  else
    scope_args[#scope_args + 1] = at
  end
end
if #scope_args > 0 then
  if #scope_args > MAX_SCOPES then
    return redis.error_reply('ERR sniper: at most ' .. MAX_SCOPES .. ' scopes (ARGV[10..]), got ' .. #scope_args)
  end
  for _, at in ipairs(scope_args) do
    local arg = ARGV[at]
    local scope, rest = string.match(arg, '^([a-z][a-z0-9_]*=[%w%._/:%-]+)(.*)$')
    local dim = scope and string.match(scope, '^[^=]+')
    local s_at, s_hb, s_hc, s_db, s_dc
    if rest and rest ~= '' then
      s_at, s_hb, s_hc, s_db, s_dc = string.match(rest, '^|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
    end
    if not scope or #arg > 160 or #dim > 32 or #scope - #dim - 1 > 64 or (rest ~= '' and not s_at)
        or (s_at and (#s_at > 15 or #s_hb > 12 or #s_hc > 15 or #s_db > 12 or #s_dc > 15)) then
      return redis.error_reply('ERR sniper: scope (ARGV[' .. at .. ']) must be <dimension>=<value>, optionally followed'
        .. ' by "|seen_at_ms|hour_bucket|hour_count|day_bucket|day_count"; dimension a-z 0-9 _ from a letter, up to'
        .. ' 32 bytes; value A-Z a-z 0-9 . _ / : -, 1..64 bytes; got "' .. string.sub(arg, 1, 100) .. '"')
    end
    for j = 1, #sc_names do
      if sc_names[j] == scope then
        return redis.error_reply('ERR sniper: scope (ARGV[' .. at .. ']) repeats "' .. scope .. '"')
      end
    end
    sc_names[#sc_names + 1] = scope
    sc_seen[#sc_names] = s_at and {tonumber(s_at), tonumber(s_hb), tonumber(s_hc), tonumber(s_db), tonumber(s_dc)}
      or false
  end
end

local now
if now_s == '' then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
else
  now = tonumber(now_s)
end
if deadline_s ~= '' and now > tonumber(deadline_s) then
  return redis.error_reply('ERR sniper: deadline_ms passed (' .. deadline_s .. '), the caller gave up; nothing written')
end
local ttl = tonumber(ttl_s)
local guards_key, reserve_key, held_key = ns .. ':guards', ns .. ':reserve', ns .. ':held'
local hour, day = math.floor(now / HOUR_MS), math.floor(now / DAY_MS)
local keys = {ns .. ':hour:' .. hour, ns .. ':day:' .. day, ns .. ':epoch'}
local raw = redis.call('MGET', keys[1], keys[2], keys[3], ns .. ':policy', ns .. ':halt')
local counts = {0, 0, 0}
for i = 1, 3 do
  local v = raw[i]
  if v then
    if #v > 15 or not (v == '0' or string.find(v, '^[1-9]%d*$')) then
      return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds "' .. string.sub(v, 1, 32) .. '", not a count')
    end
    counts[i] = tonumber(v)
  elseif redis.call('EXISTS', keys[i]) == 1 then
    return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds a value of another type')
  end
end
-- The stored policy's fleet caps replace the caps passed (acquire decides by them too).
local policy = raw[4]
if policy then
  local ph, pd = string.match(policy, '^%d+|(%d+)|(%d+)')
  if not ph or #ph > 10 or #pd > 10 then
    return redis.error_reply('ERR sniper: key ' .. ns .. ':policy holds "' .. string.sub(policy, 1, 32)
      .. '", not a policy (use control.lua)')
  end
  hcap, dcap = tonumber(ph), tonumber(pd)
end
local kind = redis.call('TYPE', guards_key)['ok']
if kind ~= 'zset' and kind ~= 'none' then
  return redis.error_reply('ERR sniper: key ' .. guards_key .. ' holds a value of another type')
end
kind = redis.call('TYPE', reserve_key)['ok']
if kind ~= 'hash' and kind ~= 'none' then
  return redis.error_reply('ERR sniper: key ' .. reserve_key .. ' holds a value of another type')
end
kind = redis.call('TYPE', held_key)['ok']
if kind ~= 'string' and kind ~= 'none' then
  return redis.error_reply('ERR sniper: key ' .. held_key .. ' holds a value of another type')
end
-- The server record (with ARGV[9]), read and checked before anything is written.
local server_key, server, run_id = ns .. ':server', nil, nil
local prev_key, prev_raw = ns .. ':hour:' .. (hour - 1), nil
if lineage then
  run_id = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
  -- The previous hour's bucket too: a restore may book on it.
  prev_raw = redis.call('GET', prev_key)
  if prev_raw and (#prev_raw > 15 or not (prev_raw == '0' or string.find(prev_raw, '^[1-9]%d*$'))) then
    return redis.error_reply('ERR sniper: key ' .. prev_key .. ' holds "' .. string.sub(prev_raw, 1, 32) .. '", not a count')
  end
  kind = redis.call('TYPE', server_key)['ok']
  if kind ~= 'string' and kind ~= 'none' then
    return redis.error_reply('ERR sniper: key ' .. server_key .. ' holds a value of another type')
  end
  local server_raw = redis.call('GET', server_key)
  if server_raw then
    local id, since, h, bh, rh, d, bd, rd = string.match(server_raw,
      '^(%x+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
    if not id then
      return redis.error_reply('ERR sniper: key ' .. server_key .. ' holds "' .. string.sub(server_raw, 1, 32)
        .. '", not a server record')
    end
    server = {id, tonumber(since), tonumber(h), tonumber(bh), tonumber(rh), tonumber(d), tonumber(bd), tonumber(rd)}
  end
end
-- Each scope's current hour and day, the previous hour (a restore may book on it) and its record on this server,
-- <ns>:scope:<scope>:server "run_id|since|base_hour|restored_hour|base_day|restored_day": read and checked here.
-- sc_keys[4i-3..4i] are scope i's keys, sc_raw the values.
local sc_keys, sc_raw = {}, nil
if #sc_names > 0 then
  for i, scope in ipairs(sc_names) do
    local p = ns .. ':scope:' .. scope
    sc_keys[4 * i - 3], sc_keys[4 * i - 2] = p .. ':hour:' .. hour, p .. ':day:' .. day
    sc_keys[4 * i - 1], sc_keys[4 * i] = p .. ':hour:' .. (hour - 1), p .. ':server'
  end
  sc_raw = redis.call('MGET', unpack(sc_keys))
  for i = 1, #sc_keys do
    local v = sc_raw[i]
    if v then
      if i % 4 == 0 then
        local id = string.match(v, '^(%x+)|%d+|%d+|%d+|%d+|%d+$')
        if not id then
          return redis.error_reply('ERR sniper: key ' .. sc_keys[i] .. ' holds "' .. string.sub(v, 1, 32)
            .. '", not a scope\'s server record')
        end
      elseif #v > 15 or not (v == '0' or string.find(v, '^[1-9]%d*$')) then
        return redis.error_reply('ERR sniper: key ' .. sc_keys[i] .. ' holds "' .. string.sub(v, 1, 32) .. '", not a count')
      end
    elseif redis.call('EXISTS', sc_keys[i]) == 1 then
      return redis.error_reply('ERR sniper: key ' .. sc_keys[i] .. ' holds a value of another type')
    end
  end
end
-- Reservations, parsed before anything is written (a corrupt one is an error, not a guess).
local records, flat = {}, redis.call('HGETALL', reserve_key)
for i = 1, #flat, 2 do
  local s, h, hs, hn, d, ds, dn = string.match(flat[i + 1], '^([cls])|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
  if not s then
    return redis.error_reply('ERR sniper: key ' .. reserve_key .. ' holds a corrupt reservation for ' .. flat[i])
  end
  records[flat[i]] = {s, tonumber(h), tonumber(hs), tonumber(hn), tonumber(d), tonumber(ds), tonumber(dn)}
end

redis.call('ZREMRANGEBYSCORE', guards_key, '-inf', now)
if state == 'leave' then
  redis.call('ZREM', guards_key, guard_id)
else
  redis.call('ZADD', guards_key, now + ttl, guard_id)
end
-- The set outlives its members a little and disappears once every guard has gone. The epoch lives as
-- long as the counters (2 days): it must survive a restart that kept the data (AOF), however long.
redis.call('PEXPIRE', guards_key, 2 * ttl)
local epoch = counts[3]
if raw[3] then
  redis.call('PEXPIRE', keys[3], EPOCH_TTL_MS)
else
  epoch = now
  redis.call('SET', keys[3], string.format('%d', now), 'PX', EPOCH_TTL_MS)
end
local live = redis.call('ZCARD', guards_key)
if not reserving then
  return {live, counts[1], counts[2], now, epoch}
end

-- What a new server lost: restored here, raised to this guard's figure (see the header).
local lost_h, lost_d, add_h, add_d = 0, 0, 0, 0
if lineage then
  if server == nil or server[1] ~= run_id then
    -- A new epoch: the old server's data is gone entirely, so everything seen before now was lost.
    local base_h, base_d = counts[1], counts[2]
    if not raw[3] then base_h, base_d = 0, 0 end
    server = {run_id, now, hour, base_h, 0, day, base_d, 0}
  end
  if seen and seen[1] < server[2] then
    if seen[2] == server[3] then lost_h = math.max(0, seen[3] - server[4]) end
    if seen[4] == server[6] then lost_d = math.max(0, seen[5] - server[7]) end
    -- Only into the current buckets (checked above): a loss in a window that has ended no longer matters.
    if server[3] ~= hour then lost_h = 0 end
    if server[6] ~= day then lost_d = 0 end
    add_h, add_d = math.max(0, lost_h - server[5]), math.max(0, lost_d - server[8])
    -- The day's part beyond the hour was counted in earlier hours: booked on the hour before, where a
    -- sliding window reads it.
    local targets = {{keys[1], add_h, 2 * HOUR_MS, raw[1], 1}, {keys[2], add_d, 2 * DAY_MS, raw[2], 2},
      {prev_key, math.max(0, add_d - add_h), 2 * HOUR_MS, prev_raw, 0}}
    for _, t in ipairs(targets) do
      if t[2] > 0 then
        local after = t[2]
        if t[4] then
          after = redis.call('INCRBY', t[1], t[2])
        else
          redis.call('SET', t[1], t[2], 'PX', t[3])
        end
        if t[5] > 0 then counts[t[5]] = after end
      end
    end
    server[5], server[8] = server[5] + add_h, server[8] + add_d
  end
  redis.call('SET', server_key, string.format('%s|%d|%d|%d|%d|%d|%d|%d', server[1], server[2], server[3], server[4],
    server[5], server[6], server[7], server[8]), 'PX', EPOCH_TTL_MS)
end

-- Each scope named: what this server lost of it, restored by the fleet's rule (the highest figure, once). A
-- scope's base is its count when a heartbeat first named it on this server, at most the fleet's base (a scope
-- counts only what the fleet counts): 0 when the epoch was new. The record is kept only when it holds something.
-- sc_reply holds, per scope, its hour and day counts (after the restore), lost_hour, lost_day, restored_hour,
-- restored_day.
local sc_reply = {}
for i = 1, #sc_names do
  local k = 4 * i - 3
  local hc, dc, ph = tonumber(sc_raw[k] or '0'), tonumber(sc_raw[k + 1] or '0'), sc_raw[k + 2]
  local rec, lh, ld, ah, ad = nil, 0, 0, 0, 0
  if sc_raw[k + 3] then
    local id, since, bh, rh, bd, rd = string.match(sc_raw[k + 3], '^(%x+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
    if id == server[1] and tonumber(since) == server[2] then
      rec = {tonumber(bh), tonumber(rh), tonumber(bd), tonumber(rd)}
    end
  end
  local fresh = rec == nil
  if fresh then
    rec = {0, 0, 0, 0}
    if server[3] == hour then rec[1] = math.min(hc, server[4]) end
    if server[6] == day then rec[3] = math.min(dc, server[7]) end
  end
  local s = sc_seen[i]
  if s and s[1] < server[2] then
    if s[2] == server[3] and server[3] == hour then lh = math.max(0, s[3] - rec[1]) end
    if s[4] == server[6] and server[6] == day then ld = math.max(0, s[5] - rec[3]) end
    ah, ad = math.max(0, lh - rec[2]), math.max(0, ld - rec[4])
    local targets = {{sc_keys[k], ah, 2 * HOUR_MS, sc_raw[k]}, {sc_keys[k + 1], ad, 2 * DAY_MS, sc_raw[k + 1]},
      {sc_keys[k + 2], math.max(0, ad - ah), 2 * HOUR_MS, ph}}
    for _, t in ipairs(targets) do
      if t[2] > 0 then
        if t[4] then redis.call('INCRBY', t[1], t[2]) else redis.call('SET', t[1], t[2], 'PX', t[3]) end
      end
    end
    hc, dc = hc + ah, dc + ad
    rec[2], rec[4] = rec[2] + ah, rec[4] + ad
  end
  if (fresh and rec[1] + rec[3] > 0) or ah + ad > 0 then
    redis.call('SET', sc_keys[k + 3], string.format('%s|%d|%d|%d|%d|%d', server[1], server[2], rec[1], rec[2], rec[3],
      rec[4]), 'PX', EPOCH_TTL_MS)
  end
  for _, v in ipairs({hc, dc, lh, ld, ah, ad}) do sc_reply[#sc_reply + 1] = v end
end

-- The share a record stands for in a bucket: its own bucket, the next one, or nothing.
local function share_in(bucket, own, share, next_share)
  if bucket == own then return share elseif bucket == own + 1 then return next_share end
  return 0
end
-- A guard is held while it said it is local, is suspect, or has not been heard from for its ttl.
local function is_held(id, r)
  return r[1] ~= 'c' or not redis.call('ZSCORE', guards_key, id)
end

local mine = records[guard_id]
if state == 'local' and (mine == nil or mine[1] ~= 'l') then
  -- This guard fell back: any other guard may have too, and is held until it beats again.
  for id, r in pairs(records) do
    if id ~= guard_id and r[1] == 'c' then r[1] = 's' end
  end
end
-- Sum what every other held guard may admit. A guard not heard from whose shares name neither the
-- current buckets nor the next ones cannot matter any more: it leaves the reckoning.
local n, held_h, held_hn, held_d, held_dn = live, 0, 0, 0, 0
for id, r in pairs(records) do
  if id ~= guard_id and is_held(id, r) then
    local h, hn = share_in(hour, r[2], r[3], r[4]), share_in(hour + 1, r[2], r[3], r[4])
    local d, dn = share_in(day, r[5], r[6], r[7]), share_in(day + 1, r[5], r[6], r[7])
    local gone = not redis.call('ZSCORE', guards_key, id)
    if gone and h + hn + d + dn == 0 then
      records[id] = nil
      redis.call('HDEL', reserve_key, id)
    else
      if gone then n = n + 1 end
      held_h, held_hn, held_d, held_dn = held_h + h, held_hn + hn, held_d + d, held_dn + dn
    end
  end
end

if state == 'leave' then
  records[guard_id] = nil
  redis.call('HDEL', reserve_key, guard_id)
elseif state == 'local' then
  -- A local guard's episode is bounded by the shares it had when it was cut off: they stay as recorded,
  -- now counted against the fleet in this bucket. A guard never recorded had no share (0).
  mine = mine or {'l', hour, 0, 0, day, 0, 0}
  mine[1] = 'l'
  records[guard_id] = mine
  held_h = held_h + share_in(hour, mine[2], mine[3], mine[4])
  held_hn = held_hn + share_in(hour + 1, mine[2], mine[3], mine[4])
  held_d = held_d + share_in(day, mine[5], mine[6], mine[7])
  held_dn = held_dn + share_in(day + 1, mine[5], mine[6], mine[7])
else
  -- On Redis: the share of what remains once everything held is set aside, split over the reckoning.
  -- The room kept for runners not yet seen (@room) comes off the caps that apply, the stored policy's or the
  -- caller's, as in acquire: what those runners may admit on their own is never shared out.
  local m = math.max(n, 1)
  mine = {'c', hour, 0, 0, day, 0, 0}
  if hcap > 0 then
    mine[3] = math.floor(math.max(0, hcap - room_hour - counts[1] - held_h) / m)
    mine[4] = math.floor(math.max(0, hcap - room_hour - held_hn) / m)
  end
  if dcap > 0 then
    mine[6] = math.floor(math.max(0, dcap - room_day - counts[2] - held_d) / m)
    mine[7] = math.floor(math.max(0, dcap - room_day - held_dn) / m)
  end
  records[guard_id] = mine
end
for id, r in pairs(records) do
  redis.call('HSET', reserve_key, id, string.format('%s|%d|%d|%d|%d|%d|%d', r[1], r[2], r[3], r[4], r[5], r[6], r[7]))
end
if next(records) then
  redis.call('PEXPIRE', reserve_key, EPOCH_TTL_MS)
end
if held_h + held_hn + held_d + held_dn > 0 then
  redis.call('SET', held_key, string.format('%d|%d|%d|%d|%d|%d', hour, held_h, held_hn, day, held_d, held_dn),
    'PX', EPOCH_TTL_MS)
else
  -- PEXPIRE 0 deletes it (the agent's ACL user needs no DEL, which could delete counters).
  redis.call('PEXPIRE', held_key, 0)
end
local reply = {n, counts[1], counts[2], now, epoch, mine[3], mine[4], mine[6], mine[7], held_h, held_d}
if state == 'leave' then
  reply = {n, counts[1], counts[2], now, epoch, 0, 0, 0, 0, held_h, held_d}
end
if control == '1' then
  reply[12], reply[13], reply[14] = policy or '', raw[5] or '', raw[5] and redis.call('PTTL', ns .. ':halt') or 0
end
if lineage then
  for _, v in ipairs({server[1], server[2], lost_h, lost_d, add_h, add_d}) do reply[#reply + 1] = v end
end
for _, v in ipairs(sc_reply) do reply[#reply + 1] = v end
return reply
