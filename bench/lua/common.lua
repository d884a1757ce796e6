-- Shared by every wrk script: auth header, per-thread random seed, optional pacing and a one-line result.
local key = os.getenv("BENCH_KEY")
headers = { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }
PROFILES = tonumber(os.getenv("BENCH_PROFILES") or "1000000")
RUN = os.getenv("BENCH_RUN") or "r"

-- wrk has no fixed-rate mode; a per-connection pause between requests approximates one (rate ~ conns / pause).
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if pause > 0 then
  function delay() return pause end
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
  seq = 0
end

-- The loaded profiles have ids usr_b000000000000001 … and emails user1@example.com …
function profile_id(n) return string.format("usr_b%015d", n) end
function any_profile() return math.random(1, PROFILES) end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
