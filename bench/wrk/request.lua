-- wrk script for the benchmark: one fixed request, its body read from a file.
--   WRK_METHOD     HTTP method (default POST)
--   WRK_BODY_FILE  file whose bytes are sent as the body (optional)
-- done() prints one line "WRKJSON {...}" with counts and latency percentiles (microseconds).

local method = os.getenv("WRK_METHOD") or "POST"
local body_file = os.getenv("WRK_BODY_FILE")

wrk.method = method
wrk.headers["Authorization"] = "Bearer bench-token"
wrk.headers["Accept"] = "application/json"
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  local parts = {
    string.format('"duration_us":%d', summary.duration),
    string.format('"requests":%d', summary.requests),
    string.format('"bytes":%d', summary.bytes),
    string.format('"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
                  e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}',
                  latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
                  latency:percentile(99), latency:percentile(99.9)),
  }
  io.write("WRKJSON {" .. table.concat(parts, ",") .. "}\n")
end
