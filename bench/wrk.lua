-- wrk script of the delivery benchmark: request headers from the environment, and a
-- machine-readable summary (requests, errors, latency percentiles in microseconds).
-- As the TLS-terminating proxy in front of production does (SECURE_SSL_REDIRECT is on when
-- DEBUG is off, and X-Forwarded-Proto is trusted then).
wrk.headers["X-Forwarded-Proto"] = "https"

local auth = os.getenv("BENCH_AUTHORIZATION")
local etag = os.getenv("BENCH_IF_NONE_MATCH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
if etag and etag ~= "" then
  wrk.headers["If-None-Match"] = etag
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format(
    "BENCH p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
