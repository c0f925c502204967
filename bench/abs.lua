-- wrk cannot speak to a proxy, so it writes the absolute-URI request line a proxy expects
-- (perf-security.md §A3.3). The URL given to wrk only says where to connect: the proxy.
-- The origin can be moved with the environment variable BENCH_ORIGIN (default 127.0.0.1:18080).
local origin = os.getenv("BENCH_ORIGIN") or "127.0.0.1:18080"
wrk.path = "http://" .. origin .. "/small.txt"
wrk.headers["Host"] = origin
