-- wrk script: POST a typical Patient to /$validate with a bearer token from the environment.
local file = assert(io.open(os.getenv("SILTA_BENCH_BODY"), "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SILTA_BENCH_TOKEN")

local non_200 = 0
function response(status, headers, body)
  if status ~= 200 then non_200 = non_200 + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("p99_ms %.2f\n", latency:percentile(99) / 1000))
  io.write(string.format("p50_ms %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("rps %.0f\n", summary.requests / (summary.duration / 1e6)))
  local e = summary.errors
  io.write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("non_2xx %d\n", e.status))
end
