-- sniper credit, ABI v1. Adds admissions made elsewhere (while Redis was unreachable), once per batch.
--
-- EVALSHA <sha> 1 <ns> <hour_bucket> <day_bucket> <n> <batch_id>
--   KEYS[1]  namespace
--   ARGV[1]  hour bucket (epoch ms // 3600000) the admissions fell in
--   ARGV[2]  day bucket (epoch ms // 86400000) the admissions fell in
--   ARGV[3]  n, admissions to add, -1000000000..1000000000. A negative n takes back admissions Redis counted
--            that were never made, or that another credit also carries (a call that ran after its caller had
--            given up on it): each bucket that still exists loses up to -n, never below 0; none is created.
--   ARGV[4]  batch id, 1..256 bytes; <ns>:credit:<batch_id> marks it applied (TTL 172800 s)
--   ARGV[5..] scopes the admissions were counted in, up to 8 (<dimension>=<value>, one per dimension):
--            n is added to each scope's buckets too (omitted: the fleet's only). The first three may be the
--            caller's identity for the audit, as acquire's: @who=<guard_id> <runner> <audit_max_entries>[:<max_age_ms>]
-- An applied batch is appended to the stream <ns>:audit in this same call (event credit, or restore for a
-- batch id starting "restore").
-- Reply: {applied, hour_count, day_count}: 1, or 0 when this batch was applied before (nothing
--   added), and the counts of those buckets afterwards. A bucket key created here gets a TTL of
--   two windows.
-- Errors start with "ERR sniper:" and write nothing. Runs on Redis 6.2 and 7.x.

local HOUR_MS, DAY_MS = 3600000, 86400000
local MARK_TTL_MS = 172800000
local ns = KEYS[1]
if ns == nil or ns == '' then
  return redis.error_reply('ERR sniper: KEYS[1] must be the namespace (e.g. sniper_signals), got none')
end
local hour, day, n_s, batch_id = ARGV[1] or '', ARGV[2] or '', ARGV[3] or '', ARGV[4] or ''
if #hour > 12 or not string.find(hour, '^%d+$') then
  return redis.error_reply('ERR sniper: hour_bucket (ARGV[1]) must be a non-negative integer, got "' .. hour .. '"')
end
if #day > 12 or not string.find(day, '^%d+$') then
  return redis.error_reply('ERR sniper: day_bucket (ARGV[2]) must be a non-negative integer, got "' .. day .. '"')
end
if #n_s > 11 or not string.find(n_s, '^%-?%d+$') or math.abs(tonumber(n_s)) > 1000000000 then
  return redis.error_reply('ERR sniper: n (ARGV[3]) must be an integer -1000000000..1000000000, got "'
    .. string.sub(n_s, 1, 32) .. '"')
end
if batch_id == '' or #batch_id > 256 then
  return redis.error_reply('ERR sniper: batch_id (ARGV[4]) must be 1..256 bytes, got ' .. #batch_id)
end
local scopes, dims = {}, {}
local first = 5
local who_guard, who_runner, audit_max, audit_age = '-', '-', 100000, 0
if ARGV[5] and string.sub(ARGV[5], 1, 5) == '@who=' then
  local g, r, m = ARGV[5], ARGV[6] or '', ARGV[7] or ''
  if #g < 6 or #g > 261 or #r > 256 then
    return redis.error_reply('ERR sniper: identity (ARGV[5..7]) must be @who=<guard_id> (1..256 bytes), the runner'
      .. ' (up to 256 bytes) and audit_max_entries')
  end
  local me, ma = string.match(m, '^([1-9]%d*):([1-9]%d*)$')
  if not me then me = string.match(m, '^[1-9]%d*$') end
  audit_max = me and #me <= 9 and tonumber(me)
  audit_age = ma and (#ma <= 11 and tonumber(ma) or -1) or 0
  if not audit_max or audit_max > 100000000 or audit_age < 0 or audit_age > 31622400000 then
    return redis.error_reply('ERR sniper: audit_max_entries (ARGV[7]) must be an integer 1..100000000, optionally'
      .. ' :<max_age_ms> 1..31622400000, got "' .. string.sub(m, 1, 32) .. '"')
  end
  who_guard, who_runner, first = string.sub(g, 6), r, 8
end
if #ARGV - first + 1 > 8 then
  return redis.error_reply('ERR sniper: at most 8 scopes, got ' .. (#ARGV - first + 1))
end
for at = first, #ARGV do
  local scope = ARGV[at]
  local dim = #scope <= 97 and string.match(scope, '^([a-z][a-z0-9_]*)=[%w%._/:%-]+$')
  if not dim or #dim > 32 or #scope - #dim - 1 > 64 then
    return redis.error_reply('ERR sniper: scope (ARGV[' .. at .. ']) must be <dimension>=<value>: dimension a-z 0-9 _'
      .. ' from a letter, up to 32 bytes; value A-Z a-z 0-9 . _ / : -, 1..64 bytes; got "' .. string.sub(scope, 1, 100) .. '"')
  end
  if dims[dim] then
    return redis.error_reply('ERR sniper: scope (ARGV[' .. at .. ']) repeats dimension "' .. dim
      .. '": one value per dimension')
  end
  dims[dim] = true
  scopes[#scopes + 1] = scope
end
-- Buckets are normalised so that "007" and "7" name the same key as acquire writes.
hour, day = tonumber(hour), tonumber(day)
local n = tonumber(n_s)

local mark_key = ns .. ':credit:' .. batch_id
local keys = {ns .. ':hour:' .. hour, ns .. ':day:' .. day, mark_key}
local ttls = {2 * HOUR_MS, 2 * DAY_MS, 0}
for i = 1, #scopes do
  keys[#keys + 1] = ns .. ':scope:' .. scopes[i] .. ':hour:' .. hour
  keys[#keys + 1] = ns .. ':scope:' .. scopes[i] .. ':day:' .. day
  ttls[#ttls + 1], ttls[#ttls + 2] = 2 * HOUR_MS, 2 * DAY_MS
end
local raw = redis.call('MGET', unpack(keys))
local counts = {}
for i = 1, #keys do
  local v = raw[i]
  counts[i] = 0
  if i == 3 then
    if not v and redis.call('EXISTS', mark_key) == 1 then
      return redis.error_reply('ERR sniper: key ' .. mark_key .. ' holds a value of another type')
    end
  elseif v then
    if #v > 15 or not (v == '0' or string.find(v, '^[1-9]%d*$')) then
      return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds "' .. string.sub(v, 1, 32) .. '", not a count')
    end
    counts[i] = tonumber(v)
  elseif redis.call('EXISTS', keys[i]) == 1 then
    return redis.error_reply('ERR sniper: key ' .. keys[i] .. ' holds a value of another type')
  end
end
if raw[3] then
  return {0, counts[1], counts[2]}
end

for i = 1, #keys do
  if n > 0 and i ~= 3 then
    if raw[i] then
      counts[i] = redis.call('INCRBY', keys[i], n)
    else
      redis.call('SET', keys[i], n, 'PX', ttls[i])
      counts[i] = n
    end
  elseif n < 0 and i ~= 3 and counts[i] > 0 then
    counts[i] = redis.call('DECRBY', keys[i], math.min(counts[i], -n))
  end
end
redis.call('SET', mark_key, '1', 'PX', MARK_TTL_MS)
local t = redis.call('TIME')
-- pcall: a key <ns>:audit of another type loses the entry, never the credit (already written).
local id = redis.pcall('XADD', ns .. ':audit', 'MAXLEN', '~', audit_max, '*', 'event',
  string.sub(batch_id, 1, 7) == 'restore' and 'restore' or 'credit', 'time',
  string.format('%d', t[1] * 1000 + math.floor(t[2] / 1000)), 'guard', who_guard, 'runner', who_runner,
  'signal', batch_id, 'layer', #scopes > 0 and 'fleet ' .. table.concat(scopes, ' ') or 'fleet', 'backend', 'local',
  'n', n_s, 'hour', string.format('%d', hour))
-- The age bound: entries older than audit_age ms by their ids (Redis's clock) go, whole stream nodes at a time
-- (MINID ~, Redis 6.2+), on the first entry of each millisecond only (sequence 0), so a busy fleet pays it rarely.
if audit_age > 0 and type(id) == 'string' and string.sub(id, -2) == '-0' then
  redis.pcall('XTRIM', ns .. ':audit', 'MINID', '~', string.format('%d', string.match(id, '^%d+') - audit_age))
end
return {1, counts[1], counts[2]}
