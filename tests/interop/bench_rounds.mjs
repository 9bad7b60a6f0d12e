// `--bench`: the one case on stdin timed in rounds (make bench's peer, asv_benchmarks/peers.py):
// the median microseconds per quote and the quote's output
export function timed(quote) {
  let n = 1;
  for (let t0 = performance.now(); performance.now() - t0 < 10; n *= 2) for (let i = 0; i < n; i++) quote();
  const rounds = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) quote();
    rounds.push((performance.now() - t0) * 1000 / n);
  }
  rounds.sort((a, b) => a - b);
  return rounds[7];
}
