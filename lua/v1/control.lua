-- sniper control, ABI v1. The fleet's policy and halt, changed and journaled in one call.
--
-- EVALSHA <sha> 1 <ns> show
-- EVALSHA <sha> 1 <ns> policy_set <who> <hourly_cap> <daily_cap> [<name> <hourly_cap> <daily_cap>]...
-- EVALSHA <sha> 1 <ns> policy_clear <who>
-- EVALSHA <sha> 1 <ns> halt <who> <text> [<ttl_ms>]
-- EVALSHA <sha> 1 <ns> resume <who>
-- EVALSHA <sha> 1 <ns> audit <start> <count>
--   A change may end with the pair @audit <max_entries>[:<max_age_ms>]: the audit stream's bounds in the caller's
--   settings, 1..100000000 entries (omitted: 100000) and 1..31622400000 ms (omitted: none), as acquire's @who
--   triple passes them.
--   KEYS[1]  namespace
--   ARGV[1]  the operation
--   ARGV[2]  who: the operator's identity for the audit, up to 256 bytes (empty: "-")
--   policy_set: caps 0..1000000000 (0 = none) for the fleet, then up to 64 triples for a dimension
--            (symbol) or one value (symbol=BTCUSDT), named as acquire's scopes
--   halt:    text 1..256 bytes; ttl_ms 0..2592000000 (0 or omitted: until resume)
--   audit:   read-only: XRANGE <ns>:audit <start> + COUNT <count>; start is an entry id, epoch ms, or (id for
--            after it; count 1..10000
-- Keys: <ns>:policy "<version>|<hourly>|<daily>[|<name>|<hourly>|<daily>]..." (no TTL), read by acquire and
--       heartbeat in their own MGET; <ns>:policy:version, the last version given (set and clear both bump it);
--       <ns>:halt, the halt's text (TTL ttl_ms, or none); <ns>:audit, the stream every change is appended to
--       (MAXLEN ~ max_entries, and MINID ~ for the age).
-- Reply: show {policy_version, policy ('' when none), halt ('' when none), halt_ttl_ms (-1 none, -2 not halted)};
--        policy_set / policy_clear {policy_version}; halt {1}; resume {1 if a halt was lifted, else 0};
--        audit: the entries, as XRANGE replies them.
-- Errors start with "ERR sniper:" and write nothing. Runs on Redis 6.2 and 7.x.

local audit_max, audit_age = 100000, 0
local ns = KEYS[1]
if ns == nil or ns == '' then
  return redis.error_reply('ERR sniper: KEYS[1] must be the namespace (e.g. sniper_signals), got none')
end
local op, who = ARGV[1] or '', ARGV[2] or ''
if op == 'audit' then
  local start, count = ARGV[2] or '', ARGV[3] or ''
  if not (string.find(start, '^%(?%d+$') or string.find(start, '^%(?%d+%-%d+$') or start == '-') or #start > 42 then
    return redis.error_reply('ERR sniper: start (ARGV[2]) must be -, an entry id or epoch ms (with ( for after it),'
      .. ' got "' .. string.sub(start, 1, 42) .. '"')
  end
  if #count > 5 or not string.find(count, '^[1-9]%d*$') or tonumber(count) > 10000 then
    return redis.error_reply('ERR sniper: count (ARGV[3]) must be an integer 1..10000, got "' .. string.sub(count, 1, 32) .. '"')
  end
  local kind = redis.call('TYPE', ns .. ':audit')['ok']
  if kind == 'none' then
    return {}
  elseif kind ~= 'stream' then
    return redis.error_reply('ERR sniper: key ' .. ns .. ':audit holds a value of another type')
  end
  return redis.call('XRANGE', ns .. ':audit', start, '+', 'COUNT', count)
end
if op ~= 'show' and op ~= 'policy_set' and op ~= 'policy_clear' and op ~= 'halt' and op ~= 'resume' then
  return redis.error_reply('ERR sniper: operation (ARGV[1]) must be show, policy_set, policy_clear, halt, resume or'
    .. ' audit, got "' .. string.sub(op, 1, 32) .. '"')
end
if #who > 256 then
  return redis.error_reply('ERR sniper: who (ARGV[2]) must be at most 256 bytes, got ' .. #who)
end
if who == '' then who = '-' end
-- The trailing pair @audit <max_entries>, after the arguments the operation needs (so a halt text "@audit" stays
-- a text); nargs counts the arguments without it.
local nargs = #ARGV
local needs = op == 'policy_set' and 4 or op == 'halt' and 3 or 2
if op ~= 'show' and nargs >= needs + 2 and ARGV[nargs - 1] == '@audit' then
  local m = ARGV[nargs]
  local me, ma = string.match(m, '^([1-9]%d*):([1-9]%d*)$')
  if not me then me = string.match(m, '^[1-9]%d*$') end
  audit_max = me and #me <= 9 and tonumber(me)
  audit_age = ma and (#ma <= 11 and tonumber(ma) or -1) or 0
  if not audit_max or audit_max > 100000000 or audit_age < 0 or audit_age > 31622400000 then
    return redis.error_reply('ERR sniper: audit max_entries (ARGV[' .. nargs .. ']) must be an integer 1..100000000,'
      .. ' optionally :<max_age_ms> 1..31622400000, got "' .. string.sub(m, 1, 32) .. '"')
  end
  nargs = nargs - 2
end
local policy_key, version_key, halt_key = ns .. ':policy', ns .. ':policy:version', ns .. ':halt'

local function cap(at, what)
  local s = ARGV[at] or ''
  local n = #s <= 10 and string.find(s, '^%d+$') and tonumber(s)
  if not n or n > 1000000000 then
    return nil, redis.error_reply('ERR sniper: ' .. what .. ' (ARGV[' .. at .. ']) must be an integer 0..1000000000,'
      .. ' got "' .. string.sub(s, 1, 32) .. '"')
  end
  return n
end

-- Every operation's arguments are checked before anything is read or written.
local record, text, ttl
if op == 'policy_set' then
  local h, err = cap(3, 'hourly_cap')
  if not h then return err end
  local d
  d, err = cap(4, 'daily_cap')
  if not d then return err end
  if (nargs - 4) % 3 ~= 0 or nargs - 4 > 192 then
    return redis.error_reply('ERR sniper: layers (ARGV[5..]) come in threes, name, hourly_cap, daily_cap, up to 64;'
      .. ' got ' .. (nargs - 4) .. ' arguments')
  end
  local parts, seen = {string.format('%d|%d', h, d)}, {}
  for at = 5, nargs, 3 do
    local name = ARGV[at]
    local dim, value = string.match(name, '^([a-z][a-z0-9_]*)$'), nil
    if not dim then
      dim, value = string.match(name, '^([a-z][a-z0-9_]*)=([%w%._/:%-]+)$')
    end
    if not dim or #dim > 32 or (value and #value > 64) then
      return redis.error_reply('ERR sniper: layer (ARGV[' .. at .. ']) must be a dimension (a-z 0-9 _ from a letter,'
        .. ' up to 32 bytes) or <dimension>=<value> (value A-Z a-z 0-9 . _ / : -, 1..64 bytes), got "'
        .. string.sub(name, 1, 100) .. '"')
    end
    if seen[name] then
      return redis.error_reply('ERR sniper: layer (ARGV[' .. at .. ']) "' .. name .. '" is given twice')
    end
    seen[name] = true
    local lh, ld
    lh, err = cap(at + 1, 'hourly_cap of ' .. name)
    if not lh then return err end
    ld, err = cap(at + 2, 'daily_cap of ' .. name)
    if not ld then return err end
    parts[#parts + 1] = string.format('%s|%d|%d', name, lh, ld)
  end
  record = table.concat(parts, '|')
elseif op == 'halt' then
  text = ARGV[3] or ''
  if text == '' or #text > 256 then
    return redis.error_reply('ERR sniper: text (ARGV[3]) must be 1..256 bytes saying why, got ' .. #text)
  end
  local t = nargs >= 4 and ARGV[4] or ''
  if t == '' then t = '0' end
  ttl = #t <= 10 and string.find(t, '^%d+$') and tonumber(t)
  if not ttl or ttl > 2592000000 then
    return redis.error_reply('ERR sniper: ttl_ms (ARGV[4]) must be an integer 0..2592000000 (0: until resume),'
      .. ' got "' .. string.sub(t, 1, 32) .. '"')
  end
elseif nargs > 2 and op ~= 'show' then
  return redis.error_reply('ERR sniper: ' .. op .. ' takes only <who> (and @audit <max_entries>), got ' .. nargs
    .. ' arguments')
end

local raw = redis.call('MGET', policy_key, version_key, halt_key)
local keys = {policy_key, version_key, halt_key}
for i = 1, 3 do
  if not raw[i] and redis.call('EXISTS', keys[i]) == 1 then
    return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds a value of another type')
  end
end
local version = raw[2] or '0'
if #version > 15 or not string.find(version, '^%d+$') then
  return redis.error_reply('ERR sniper: key ' .. version_key .. ' holds "' .. string.sub(version, 1, 32) .. '", not a version')
end
local audit_kind = redis.call('TYPE', ns .. ':audit')['ok']
if audit_kind ~= 'stream' and audit_kind ~= 'none' then
  return redis.error_reply('ERR sniper: key ' .. ns .. ':audit holds a value of another type')
end
if op == 'show' then
  local pttl = raw[3] and redis.call('PTTL', halt_key) or -2
  return {tonumber(version), raw[1] or '', raw[3] or '', pttl}
end

local t = redis.call('TIME')
local now = string.format('%d', t[1] * 1000 + math.floor(t[2] / 1000))
local function audit(event, detail, v)
  local id = redis.call('XADD', ns .. ':audit', 'MAXLEN', '~', audit_max, '*', 'event', event, 'time', now, 'guard', '-',
    'runner', who, 'signal', '', 'layer', '', 'backend', 'control', 'policy', v, 'text', detail)
  if audit_age > 0 then
    -- The age bound, by the entries' ids (Redis's clock): whole stream nodes older than it go (MINID ~).
    redis.call('XTRIM', ns .. ':audit', 'MINID', '~', string.format('%d', string.match(id, '^%d+') - audit_age))
  end
end

if op == 'policy_set' or op == 'policy_clear' then
  local next_version = tonumber(version) + 1
  local v = string.format('%d', next_version)
  redis.call('SET', version_key, v)
  if op == 'policy_set' then
    redis.call('SET', policy_key, v .. '|' .. record)
    audit('policy_set', record, v)
  else
    -- PEXPIRE 0 deletes (the agent's ACL user has no DEL, which could delete counters).
    redis.call('PEXPIRE', policy_key, 0)
    audit('policy_clear', raw[1] or '', v)
  end
  return {next_version}
elseif op == 'halt' then
  if ttl > 0 then
    redis.call('SET', halt_key, text, 'PX', ttl)
  else
    redis.call('SET', halt_key, text)
  end
  audit('halt', ttl > 0 and text .. ' (ttl_ms ' .. ttl .. ')' or text, raw[1] and version or '')
  return {1}
end
-- resume
if not raw[3] then
  return {0}
end
redis.call('PEXPIRE', halt_key, 0)
audit('resume', raw[3], raw[1] and version or '')
return {1}
