// Shared timing helpers of the benchmarks.

/**
 * Throughput of `run(n)` (which does n calls of `perCall` samples each; may be async) in
 * samples/s: a warm-up call, a second warm-up of about a tenth of the box that also sizes the
 * rounds, then rounds of about timeBox/5 seconds until timeBox seconds are spent (at least 3
 * rounds, at most ~3 boxes). Returns the best round's rate: on a machine shared with other
 * work, the fastest round is the one least disturbed by it.
 */
export async function measure(run, perCall, timeBox = 1.5) {
  let t0 = performance.now();
  await run(1);
  let per = Math.max((performance.now() - t0) / 1e3, 1e-6);
  let n = Math.max(1, Math.floor((0.1 * timeBox) / per));
  t0 = performance.now();
  await run(n);
  per = Math.max((performance.now() - t0) / 1e3 / n, 1e-6);
  const rates = [];
  let spent = 0;
  while (spent < timeBox || rates.length < 3) {
    n = Math.max(1, Math.floor(timeBox / 5 / per));
    t0 = performance.now();
    await run(n);
    const dt = (performance.now() - t0) / 1e3;
    spent += dt;
    per = dt / n;
    rates.push((n * perCall) / dt);
    if (rates.length >= 2 && spent > 3 * timeBox) break;
  }
  return Math.max(...rates);
}

/** A small seeded generator of uniform numbers in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
