-- wrk script for the VM benchmark: prints latency quantiles (incl. p99.9, which `wrk --latency` lacks) in microseconds.
local quantiles = { 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99, 99.5, 99.9, 99.99 }

done = function(summary, latency, requests)
  local out = { "WRKQ" }
  for _, q in ipairs(quantiles) do
    out[#out + 1] = string.format("%g:%d", q, latency:percentile(q))
  end
  out[#out + 1] = string.format("max:%d", latency.max)
  io.write(table.concat(out, " "), "\n")
  local e = summary.errors
  io.write(string.format("WRKS requests=%d duration_us=%d errors=%d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout))
end
