// WebGPU work per training step (a benchmark, not a test): wraps the WebGPU API inside the
// training worker, trains two WebGPU runs that differ only in their number of steps, and prints
// the difference per step, so start-up, shader compilation and the evaluation cancel out.
// Usage (after `cargo xtask build`): node gpu-count.js [short=10] [long=20]
import { serve, browser, page, dataReady } from './harness.js';

const [short = 10, long = 20] = process.argv.slice(2).map(Number);
const BATCH = 60;

/** Counts calls of the WebGPU methods that cost time per step; runs inside the worker. */
function countWebGpu() {
  const counts = (self.__gpuCounts = {});
  const wrap = (proto, name, key = name) => {
    const original = proto?.[name];
    if (!original) return;
    proto[name] = function (...args) {
      counts[key] = (counts[key] ?? 0) + 1;
      return original.apply(this, args);
    };
  };
  wrap(self.GPUComputePassEncoder?.prototype, 'dispatchWorkgroups', 'dispatches');
  wrap(self.GPUQueue?.prototype, 'submit', 'submits');
  wrap(self.GPUQueue?.prototype, 'writeBuffer', 'buffer writes');
  wrap(self.GPUDevice?.prototype, 'createBuffer', 'new buffers');
  wrap(self.GPUBuffer?.prototype, 'mapAsync', 'readbacks');
  wrap(self.GPUDevice?.prototype, 'createComputePipeline', 'new pipelines');
  wrap(self.GPUDevice?.prototype, 'createShaderModule', 'new shaders');
}

/** One WebGPU run of `steps` batches in a fresh page: the counts and the run's time. */
async function run(chrome, server, steps) {
  const context = await chrome.newContext();
  const p = await page(context);
  const workers = [];
  p.on('worker', (w) => workers.push(w.evaluate(countWebGpu).then(() => w)));
  await p.goto(`${server.url}?backend=webgpu&epochs=1&batch=${BATCH}&train=${steps * BATCH}&test=100&init=random`);
  await dataReady(p);
  const [worker] = await Promise.all(workers);
  const started = Date.now();
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished' }).waitFor({ timeout: 0 });
  const secs = (Date.now() - started) / 1000;
  const counts = await worker.evaluate(() => self.__gpuCounts);
  await context.close();
  return { counts, secs };
}

const server = await serve();
const chrome = await browser();
try {
  const a = await run(chrome, server, short);
  const b = await run(chrome, server, long);
  const steps = long - short;
  console.log(`WebGPU calls per training step (batch ${BATCH}; runs of ${long} and ${short} steps, difference / ${steps}):`);
  for (const key of new Set([...Object.keys(a.counts), ...Object.keys(b.counts)])) {
    const per = ((b.counts[key] ?? 0) - (a.counts[key] ?? 0)) / steps;
    console.log(`  ${key.padEnd(14)} ${per.toFixed(1).padStart(8)}   (runs: ${b.counts[key] ?? 0} and ${a.counts[key] ?? 0})`);
  }
  const perStep = (b.secs - a.secs) / steps;
  console.log(`ms per step: ${(perStep * 1000).toFixed(0)}; the ${short}-step run took ${a.secs.toFixed(1)} s, `
    + `so start-up and shader compilation took ~${(a.secs - short * perStep).toFixed(1)} s`);
} finally {
  await chrome.close();
  await server.close();
}
