-- wrk script: replays prepared requests, one per line of a file (method, path, cookie, one more header
-- as "Name: value" or nothing, form body; tab-separated). "once" sends each line once, each wrk thread every n-th line (a
-- submission can be made only once) and stops the thread when its lines run out; "cycle" repeats them.
-- Prints one JSON line with throughput, latency percentiles and errors.
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local path, mode, threads = args[1], args[2], tonumber(args[3])
  once = mode == "once"
  prepared = {}
  local i = 0
  for line in io.lines(path) do
    -- "once": every thread its own share; "cycle": every thread all lines, starting at its own place
    if (not once) or i % threads == id then
      local method, target, cookie, header, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      -- the User-Agent the people signed in with (bench/run.py), as a browser sends it every time
      local headers = {Cookie = cookie, ["User-Agent"] = "trading-zone-bench"}
      local name, value = header:match("^([^:]+): (.*)$")
      if name then
        headers[name] = value
      end
      if method == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      else
        body = nil
      end
      prepared[#prepared + 1] = wrk.format(method, target, headers, body)
    end
    i = i + 1
  end
  position = once and 0 or (id % #prepared)
end

function request()
  position = position + 1
  if position > #prepared then
    if once then
      wrk.thread:stop()
      position = #prepared + 1
      return wrk.format("GET", "/static/css/app.css")  -- never sent twice per connection; not a submission
    end
    position = 1
  end
  return prepared[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "socket_errors": %d, "status_errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
