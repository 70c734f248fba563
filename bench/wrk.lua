-- wrk script of Canopy's bench (bench/wrk.py writes the spec and reads the result).
--
--   wrk ... -s bench/wrk.lua http://127.0.0.1:PORT -- SPEC.lua
--
-- SPEC.lua returns {kinds = {{name, method, weight, headers = {...},
-- targets = {{path = "...", body = "..." or nil}, ...}}, ...}}. Each request picks a kind by
-- weight, then one of its targets at random; "{n}" in a body becomes a number unique to the
-- run (new emails for new candidates). Every response is counted by status class, and done()
-- prints one line, "WRK_RESULT {json}", with the totals, wrk's socket errors and timeouts,
-- and the latency percentiles in microseconds.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

local kinds, cumulative, total_weight
local counter = 0

function init(args)
   local spec = dofile(args[1])
   math.randomseed(id * 7919 + os.time())
   kinds, cumulative, total_weight = spec.kinds, {}, 0
   for _, kind in ipairs(kinds) do
      total_weight = total_weight + kind.weight
      table.insert(cumulative, total_weight)
      for _, target in ipairs(kind.targets) do
         if not (target.body and target.body:find("{n}", 1, true)) then
            -- Fixed requests are formatted once.
            target.request = wrk.format(kind.method, target.path, kind.headers, target.body)
         end
      end
   end
   ok, failed, sent, statuses = 0, 0, {}, {}
end

local function pick()
   if #kinds == 1 then
      return kinds[1]
   end
   local draw = math.random() * total_weight
   for index, bound in ipairs(cumulative) do
      if draw < bound then
         return kinds[index]
      end
   end
   return kinds[#kinds]
end

function request()
   local kind = pick()
   local target = kind.targets[math.random(#kind.targets)]
   sent[kind.name] = (sent[kind.name] or 0) + 1
   if target.request then
      return target.request
   end
   counter = counter + 1
   local body = target.body:gsub("{n}", id .. "-" .. counter)
   return wrk.format(kind.method, target.path, kind.headers, body)
end

function response(status, headers, body)
   if status >= 200 and status < 300 then
      ok = ok + 1
   else
      failed = failed + 1
   end
   statuses[status] = (statuses[status] or 0) + 1
end

local function json_object(map)
   local parts = {}
   for key, value in pairs(map) do
      table.insert(parts, string.format("%q:%d", tostring(key), value))
   end
   return "{" .. table.concat(parts, ",") .. "}"
end

local function add(into, from)
   for key, value in pairs(from) do
      into[key] = (into[key] or 0) + value
   end
end

function done(summary, latency, requests)
   local total_ok, total_failed, all_sent, all_statuses = 0, 0, {}, {}
   for _, thread in ipairs(threads) do
      total_ok = total_ok + thread:get("ok")
      total_failed = total_failed + thread:get("failed")
      add(all_sent, thread:get("sent"))
      add(all_statuses, thread:get("statuses"))
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,"ok":%d,"non_2xx":%d,'
         .. '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status_errors":%d,'
         .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,'
         .. '"statuses":%s,"sent":%s}\n',
      summary.duration, summary.requests, summary.bytes, total_ok, total_failed,
      errors.connect, errors.read, errors.write, errors.timeout, errors.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      latency.mean, json_object(all_statuses), json_object(all_sent)
   ))
end
