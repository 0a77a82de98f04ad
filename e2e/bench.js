// Browser training benchmark (not a test), in one run on the built app in headless Chromium:
// the CPU with one worker through burn's autodiff, then through the written-out CPU kernels,
// the CPU with every core (the worker and its helpers sharing each batch), and WebGPU through
// burn's autodiff and through our kernels, with the WebGPU API wrapped inside the worker to
// count the calls of a step.
// WebGPU trains two runs that differ only in their number of steps and the difference is
// printed per step, so start-up, shader compilation and the evaluation cancel out.
// Usage (after `cargo xtask build`): node bench.js [cpu-images=12000] [gpu-short=10] [gpu-long=20]
// (cpu-images 0: WebGPU only; gpu-long 0: the CPU only)
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
  // Which kernels the dispatches run: cubecl labels each pipeline with its kernel's name.
  const kernels = (self.__gpuKernels = {});
  const device = self.GPUDevice?.prototype;
  const pass = self.GPUComputePassEncoder?.prototype;
  if (device && pass) {
    const [create, set, dispatch] = [device.createComputePipeline, pass.setPipeline, pass.dispatchWorkgroups];
    device.createComputePipeline = function (descriptor) {
      const pipeline = create.call(this, descriptor);
      pipeline.__kernel = descriptor.label ?? '(unlabelled)';
      return pipeline;
    };
    pass.setPipeline = function (pipeline) {
      this.__kernel = pipeline.__kernel;
      return set.call(this, pipeline);
    };
    pass.dispatchWorkgroups = function (...args) {
      kernels[this.__kernel] = (kernels[this.__kernel] ?? 0) + 1;
      return dispatch.apply(this, args);
    };
  }
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
  // Every worker counts: a run on WebGPU starts the GPU module's worker when it starts.
  const workers = [];
  p.on('worker', (w) => workers.push(w.evaluate(countWebGpu).then(() => w)));
  await p.goto(`${server.url}?${query}&epochs=1&batch=${BATCH}&train=${images}&test=1000&init=random&seed=1`);
  await dataReady(p);
  const started = Date.now();
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished' }).waitFor({ timeout: 0 });
  const secs = (Date.now() - started) / 1000;
  // The training worker: the last one started, but for the helpers of a run on the CPU.
  const worker = await (query.includes('backend=cpu') ? workers[0] : workers.at(-1));
  const shown = (id) => p.getByTestId(id).textContent();
  const result = {
    secs,
    imagesPerSec: Number((await shown('images-per-sec')).replace(/[^\d.]/g, '')),
    accuracy: await shown('test-accuracy'),
    backend: (await shown('backend-info')).trim(),
    counts: await worker.evaluate(() => self.__gpuCounts),
    kernels: await worker.evaluate(() => self.__gpuKernels),
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
  if (cpuImages > 0) {
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
  }

  if (long > 0) {
    // burn's autodiff on WebGPU first: the GPU path before our kernels.
    for (const [label, query] of [['burn autodiff', '&autodiff=1'], ['our kernels', '']]) {
      const a = await run(chrome, server, `backend=webgpu${query}`, short * BATCH);
      const b = await run(chrome, server, `backend=webgpu${query}`, long * BATCH);
      const steps = long - short;
      console.log(`WebGPU, ${label}: calls per training step (runs of ${long} and ${short} steps, difference / ${steps}):`);
      for (const key of new Set([...Object.keys(a.counts), ...Object.keys(b.counts)])) {
        const per = ((b.counts[key] ?? 0) - (a.counts[key] ?? 0)) / steps;
        console.log(`  ${key.padEnd(14)} ${per.toFixed(1).padStart(8)}   (runs: ${b.counts[key] ?? 0} and ${a.counts[key] ?? 0})`);
      }
      console.log('  dispatches per step by kernel:');
      const perKernel = [...new Set([...Object.keys(a.kernels), ...Object.keys(b.kernels)])]
        .map((k) => [k, ((b.kernels[k] ?? 0) - (a.kernels[k] ?? 0)) / steps])
        .filter(([, n]) => n > 0)
        .sort((x, y) => y[1] - x[1]);
      for (const [kernel, n] of perKernel) console.log(`    ${n.toFixed(1).padStart(5)}  ${kernel}`);
      const perStep = (b.secs - a.secs) / steps;
      console.log(`  ${(perStep * 1000).toFixed(0)} ms/step; the ${short}-step run took ${a.secs.toFixed(1)} s, `
        + `so start-up and shader compilation took ~${(a.secs - short * perStep).toFixed(1)} s; `
        + `test accuracy ${b.accuracy} (${b.backend})`);
    }
  }
} finally {
  await chrome.close();
  await server.close();
}
