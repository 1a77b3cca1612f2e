-- wrk script for the VM benchmark: prints latency quantiles (incl. p99.9, which `wrk --latency` lacks) in microseconds.
-- wrk 4.1 corrects its latency histogram for coordinated omission (it adds synthetic samples for the
-- requests a stalled connection did not send), so these quantiles are "corrected", not measured requests;
-- samples: is the number of real requests.
local quantiles = { 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99, 99.5, 99.9, 99.99 }

done = function(summary, latency, requests)
  local out = { "WRKQ" }
  for _, q in ipairs(quantiles) do
    out[#out + 1] = string.format("%g:%d", q, latency:percentile(q))
  end
  out[#out + 1] = string.format("max:%d", latency.max)
  out[#out + 1] = string.format("samples:%d", summary.requests)
  io.write(table.concat(out, " "), "\n")
  local e = summary.errors
  io.write(string.format("WRKS requests=%d duration_us=%d errors=%d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout))
end
