// Browser training benchmark (not a test), in one run on the built app in headless Chromium:
// the CPU with one worker through burn's autodiff, then through the written-out CPU kernels,
// the CPU with every core (the worker and its helpers sharing each batch), and WebGPU, whose
// API is wrapped inside the worker to count the calls of a step.
// WebGPU trains two runs that differ only in their number of steps and the difference is
// printed per step, so start-up, shader compilation and the evaluation cancel out.
// Usage (after `cargo xtask build`): node bench.js [cpu-images=12000] [gpu-short=10] [gpu-long=20]
// (gpu-long 0: the CPU only)
import { serve, browser, page, dataReady } from './harness.js';

const [cpuImages = 12_000, short = 10, long = 20] = process.argv.slice(2).map(Number);
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

/**
 * One run of one epoch on `images` training images in a fresh page; `query` picks the backend
 * and workers. Returns what the page shows, the wall time of the run, and (WebGPU) the counts.
 */
async function run(chrome, server, query, images) {
  const context = await chrome.newContext();
  const p = await page(context);
  const first = new Promise((resolve) => p.once('worker', (w) => resolve(w.evaluate(countWebGpu).then(() => w))));
  await p.goto(`${server.url}?${query}&epochs=1&batch=${BATCH}&train=${images}&test=1000&init=random&seed=1`);
  await dataReady(p);
  const worker = await first;
  const started = Date.now();
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished' }).waitFor({ timeout: 0 });
  const secs = (Date.now() - started) / 1000;
  const shown = (id) => p.getByTestId(id).textContent();
  const result = {
    secs,
    imagesPerSec: Number((await shown('images-per-sec')).replace(/[^\d.]/g, '')),
    accuracy: await shown('test-accuracy'),
    backend: (await shown('backend-info')).trim(),
    counts: await worker.evaluate(() => self.__gpuCounts),
  };
  await context.close();
  return result;
}

const server = await serve();
const chrome = await browser();
try {
  const cores = await (async () => {
    const p = await page(await chrome.newContext());
    return p.evaluate(() => navigator.hardwareConcurrency);
  })();
  console.log(`CPU training, batch ${BATCH}, one epoch on ${cpuImages} images (navigator.hardwareConcurrency = ${cores}):`);
  // burn's autodiff on one worker first: the CPU path before the written-out kernels.
  const cpu = [];
  for (const [label, query] of [
    ['1 worker, burn autodiff', 'threads=1&autodiff=1'],
    ['1 worker, CPU kernels', 'threads=1'],
    [`${cores} worker(s), CPU kernels`, `threads=${cores}`],
  ]) {
    const r = await run(chrome, server, `backend=cpu&${query}`, cpuImages);
    cpu.push(r);
    console.log(`  ${label.padEnd(26)} ${r.imagesPerSec.toFixed(0).padStart(6)} img/s = `
      + `${(BATCH * 1000 / r.imagesPerSec).toFixed(1)} ms/step, test accuracy ${r.accuracy} (${r.backend})`);
  }
  const ratio = (a, b) => (cpu[a].imagesPerSec / cpu[b].imagesPerSec).toFixed(2);
  console.log(`  kernels / autodiff, one worker: ${ratio(1, 0)}×; every core / one worker: ${ratio(2, 1)}×; `
    + `every core with kernels / one worker with autodiff: ${ratio(2, 0)}×`);

  if (long > 0) {
    const a = await run(chrome, server, 'backend=webgpu', short * BATCH);
    const b = await run(chrome, server, 'backend=webgpu', long * BATCH);
    const steps = long - short;
    console.log(`WebGPU calls per training step (runs of ${long} and ${short} steps, difference / ${steps}):`);
    for (const key of new Set([...Object.keys(a.counts), ...Object.keys(b.counts)])) {
      const per = ((b.counts[key] ?? 0) - (a.counts[key] ?? 0)) / steps;
      console.log(`  ${key.padEnd(14)} ${per.toFixed(1).padStart(8)}   (runs: ${b.counts[key] ?? 0} and ${a.counts[key] ?? 0})`);
    }
    const perStep = (b.secs - a.secs) / steps;
    console.log(`WebGPU: ${(perStep * 1000).toFixed(0)} ms/step; the ${short}-step run took ${a.secs.toFixed(1)} s, `
      + `so start-up and shader compilation took ~${(a.secs - short * perStep).toFixed(1)} s (${b.backend})`);
  }
} finally {
  await chrome.close();
  await server.close();
}
