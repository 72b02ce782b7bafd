-- sniper release, ABI v1. Gives back the slot of an admitted signal, once.
--
-- EVALSHA <sha> 1 <ns> <signal_id> [@who=<guard_id> <runner> <audit_max_entries>[:<max_age_ms>]]
--   KEYS[1]  namespace
--   ARGV[1]  signal id that acquire was called with
--   ARGV[2..4] the caller's identity for the audit, as acquire's (omitted: "-", "-", 100000)
-- If <ns>:op:<signal_id> records an admission not yet released: decrement the hour and day buckets
-- it was counted in, the fleet's and each scope's (only keys that still exist, never below 0), and mark
-- it released.
-- A release is appended to the stream <ns>:audit in this same call.
-- Reply: {released, hour_count, day_count}: 1/0 and the counts of those buckets afterwards
--   (0 0 for an unknown id); the fleet's counts, also for a signal decided with scopes.
-- Errors start with "ERR sniper:" and write nothing. Runs on Redis 6.2 and 7.x.

local ns = KEYS[1]
if ns == nil or ns == '' then
  return redis.error_reply('ERR sniper: KEYS[1] must be the namespace (e.g. sniper_signals), got none')
end
local signal_id = ARGV[1] or ''
if signal_id == '' or #signal_id > 256 then
  return redis.error_reply('ERR sniper: signal_id (ARGV[1]) must be 1..256 bytes, got ' .. #signal_id)
end
local who_guard, who_runner, audit_max, audit_age = '-', '-', 100000, 0
if #ARGV > 1 then
  local g, r, m = ARGV[2], ARGV[3] or '', ARGV[4] or ''
  if #ARGV ~= 4 or string.sub(g, 1, 5) ~= '@who=' or #g < 6 or #g > 261 or #r > 256 then
    return redis.error_reply('ERR sniper: identity (ARGV[2..4]) must be @who=<guard_id> (1..256 bytes), the runner'
      .. ' (up to 256 bytes) and audit_max_entries')
  end
  local me, ma = string.match(m, '^([1-9]%d*):([1-9]%d*)$')
  if not me then me = string.match(m, '^[1-9]%d*$') end
  audit_max = me and #me <= 9 and tonumber(me)
  audit_age = ma and (#ma <= 11 and tonumber(ma) or -1) or 0
  if not audit_max or audit_max > 100000000 or audit_age < 0 or audit_age > 31622400000 then
    return redis.error_reply('ERR sniper: audit_max_entries (ARGV[4]) must be an integer 1..100000000, optionally'
      .. ' :<max_age_ms> 1..31622400000, got "' .. string.sub(m, 1, 32) .. '"')
  end
  who_guard, who_runner = string.sub(g, 6), r
end

local op_key = ns .. ':op:' .. signal_id
local stored = redis.pcall('GET', op_key)
if type(stored) == 'table' then
  return redis.error_reply('ERR sniper: key ' .. op_key .. ' holds a value of another type')
end
if not stored then
  return {0, 0, 0}
end
-- A decision made with scopes goes on with |<blocking layer>|<scope>|<scope>...: release gives back every layer.
local head, hour, day, released, tail = string.match(stored, '^([01]|[%u_]+|%d+|%d+|%d+|%d+)|(%d+)|(%d+)|([01])(.*)$')
if head and tail ~= '' and not string.find(tail, '^|[^|]*') then
  head = nil
end
if not head then
  return redis.error_reply('ERR sniper: key ' .. op_key .. ' holds a corrupt decision')
end

local keys = {ns .. ':hour:' .. hour, ns .. ':day:' .. day}
if tail ~= '' then
  for scope in string.gmatch(string.match(tail, '^|[^|]*(.*)$'), '|([^|]+)') do
    keys[#keys + 1] = ns .. ':scope:' .. scope .. ':hour:' .. hour
    keys[#keys + 1] = ns .. ':scope:' .. scope .. ':day:' .. day
  end
end
local raw = redis.call('MGET', unpack(keys))
local counts = {}
for i = 1, #keys do
  local v = raw[i]
  counts[i] = 0
  if v then
    if #v > 15 or not (v == '0' or string.find(v, '^[1-9]%d*$')) then
      return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds "' .. string.sub(v, 1, 32) .. '", not a count')
    end
    counts[i] = tonumber(v)
  elseif redis.call('EXISTS', keys[i]) == 1 then
    return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds a value of another type')
  end
end

if string.sub(head, 1, 1) ~= '1' or released == '1' then
  return {0, counts[1], counts[2]}
end
for i = 1, #keys do
  if counts[i] > 0 then
    counts[i] = redis.call('DECR', keys[i])
  end
end
redis.call('SET', op_key, head .. '|' .. hour .. '|' .. day .. '|1' .. tail, 'KEEPTTL')
local t = redis.call('TIME')
local layers = 'fleet'
if tail ~= '' then
  layers = 'fleet' .. string.gsub(string.match(tail, '^|[^|]*(.*)$'), '|', ' ')
end
-- pcall: a key <ns>:audit of another type loses the entry, never the release (already written).
local id = redis.pcall('XADD', ns .. ':audit', 'MAXLEN', '~', audit_max, '*', 'event', 'release', 'time',
  string.format('%d', t[1] * 1000 + math.floor(t[2] / 1000)), 'guard', who_guard, 'runner', who_runner,
  'signal', signal_id, 'layer', layers, 'backend', 'redis')
-- The age bound: entries older than audit_age ms by their ids (Redis's clock) go, whole stream nodes at a time
-- (MINID ~, Redis 6.2+), on the first entry of each millisecond only (sequence 0), so a busy fleet pays it rarely.
if audit_age > 0 and type(id) == 'string' and string.sub(id, -2) == '-0' then
  redis.pcall('XTRIM', ns .. ':audit', 'MINID', '~', string.format('%d', string.match(id, '^%d+') - audit_age))
end
return {1, counts[1], counts[2]}
