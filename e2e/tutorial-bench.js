// The whole tutorial, timed (a benchmark, not a test): the page trains the PyTorch tutorial's
// run — 10 epochs of all 60,000 training images, batch 60, Adam lr 0.001, from random weights,
// tested on all 10,000 test images — on the CPU with every core in headless Chromium, and prints
// its wall time and final test accuracy; then PyTorch trains the tutorial's own loop
// (tutorial.py) on the same machine and the ratio of the two times is printed. PyTorch is
// skipped, with a message, where python3 cannot import torch.
// Usage (after `cargo xtask dist`): node tutorial-bench.js [epochs=10] [backend=cpu]
import { execFile } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serve, browser, page, dataReady } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const [epochs = '10', backend = 'cpu'] = process.argv.slice(2);

/** The page's run: wall time from Start to "Finished", and what the page shows after it. */
async function inThePage() {
  const server = await serve();
  const chrome = await browser();
  try {
    const p = await page(await chrome.newContext());
    await p.goto(`${server.url}?epochs=${epochs}&batch=60&lr=0.001&train=60000&test=10000`
      + `&backend=${backend}&init=random&seed=0`);
    await dataReady(p);
    const started = Date.now();
    await p.getByTestId('start').click();
    await p.getByTestId('run-message').filter({ hasText: 'Finished' }).waitFor({ timeout: 0 });
    const secs = (Date.now() - started) / 1000;
    const shown = async (id) => (await p.getByTestId(id).textContent()).trim();
    return { secs, accuracy: await shown('test-accuracy'), backend: await shown('backend-info') };
  } finally {
    await chrome.close();
    await server.close();
  }
}

/** PyTorch's run of tutorial.py, or why there is none. */
async function inPyTorch() {
  try {
    const { stdout } = await promisify(execFile)('python3', [join(here, 'tutorial.py'), join(here, '..', 'public', 'mnist'), epochs]);
    return Object.fromEntries(stdout.trim().split('\n').map((l) => l.split('=')));
  } catch (e) {
    return { skipped: /No module named 'torch'/.test(e.stderr ?? '') ? 'python3 cannot import torch' : String(e.stderr || e) };
  }
}

console.log(`The tutorial: ${epochs} epochs of 60,000 images, batch 60, Adam lr 0.001, test on 10,000`);
const ours = await inThePage();
console.log(`  MNIST Lab in Chromium (${ours.backend}): ${ours.secs.toFixed(1)} s, test accuracy ${ours.accuracy}`);
const torch = await inPyTorch();
if (torch.skipped) {
  console.log(`  PyTorch: skipped (${torch.skipped})`);
} else {
  const secs = Number(torch.secs);
  console.log(`  PyTorch ${torch.version} (CPU, ${torch.threads} threads): ${secs.toFixed(1)} s, `
    + `test accuracy ${(100 * Number(torch.accuracy)).toFixed(2)} %`);
  console.log(`  the page's wall time / PyTorch's: ${(ours.secs / secs).toFixed(2)}×`);
}
