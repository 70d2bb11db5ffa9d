-- wrk script: each thread sends its own slice of pre-made requests, once each, in order.
-- Usage: wrk ... -s benchmarks/requests.lua <url> -- <requests file> <threads>
-- The file holds one request a line: method, path, a header line ("Name: value" or "-") and the
-- body, separated by tabs. done() prints how many each thread sent and whether any ran out.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, count = args[1], tonumber(args[2])
  requests = {}
  local i = 0
  for line in io.lines(path) do
    if i % count == id then
      local method, target, header, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Content-Type"] = "application/json" }
      if header ~= "-" then
        local name, value = header:match("^([^:]+):%s*(.*)$")
        headers[name] = value
      end
      table.insert(requests, wrk.format(method, target, headers, body))
    end
    i = i + 1
  end
  sent = 0
  wrapped = 0
end

function request()
  sent = sent + 1
  if sent > #requests then
    wrapped = 1
    sent = 1
  end
  return requests[sent]
end

function done(summary, latency, requests_)
  for _, thread in ipairs(threads) do
    io.write(string.format("BENCH thread=%d sent=%d wrapped=%d\n",
      thread:get("id"), thread:get("sent"), thread:get("wrapped")))
  end
  io.write(string.format("BENCH p50_us=%d p99_us=%d requests=%d errors=%d\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
