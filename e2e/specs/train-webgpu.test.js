// Training on WebGPU (Chromium's software adapter here: correct, slow), on a subset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, dataReady, recordLosses, losses } from '../harness.js';
import { pretrainedReady } from '../drawing.js';

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

test('a short WebGPU run moves the progress bar and lowers the loss', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=webgpu&epochs=1&train=1500&test=200`);
  await dataReady(p);
  await recordLosses(p);
  await p.getByTestId('start').click();
  await p.getByTestId('backend-info').waitFor({ timeout: 120_000 });
  assert.match(await p.getByTestId('backend-info').textContent(), /WebGPU · chosen by you/);
  await p.getByTestId('progress-line').waitFor({ timeout: 240_000 });
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch on WebGPU' }).waitFor({ timeout: 300_000 });
  assert.match(await p.getByTestId('progress-line').textContent(), /Epoch 1\/1 · 25\/25 ·/);
  const shown = await losses(p);
  assert.ok(shown.length >= 2 && shown.at(-1) < shown[0], `losses shown: ${shown}`);
  // Images/s over the run, as ms per batch-60 step (the first step includes shader compilation).
  console.log(`WebGPU (software adapter): ${(60000 / Number((await p.getByTestId('images-per-sec').textContent()).replace(/[^\d.]/g, ''))).toFixed(0)} ms per step`);
  await shot(p, 'train-webgpu-finished');
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('WebGPU trains as the CPU does: the same losses and test accuracy from the same weights', async () => {
  // From the pretrained weights (a random start differs: each backend has its own random
  // numbers), 50 steps in the same order on each backend.
  const run = async (backend) => {
    const context = await chrome.newContext();
    const p = await page(context, `${server.url}?backend=${backend}&epochs=1&train=3000&test=500&init=current&threads=1`);
    await dataReady(p);
    await pretrainedReady(p);
    await recordLosses(p);
    await p.getByTestId('start').click();
    await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 300_000 });
    const result = {
      losses: await losses(p),
      accuracy: Number((await p.getByTestId('test-accuracy').textContent()).replace(/[^\d.]/g, '')),
      backend: await p.getByTestId('backend-info').textContent(),
      errors: p.errors,
    };
    await context.close();
    return result;
  };
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  assert.match(cpu.backend, /^CPU/);
  assert.match(gpu.backend, /^WebGPU/);
  assert.ok(cpu.losses.length >= 3, `losses shown: ${cpu.losses}`);
  assert.equal(gpu.losses.length, cpu.losses.length);
  gpu.losses.forEach((l, i) => assert.ok(Math.abs(l - cpu.losses[i]) < 1e-3, `loss ${i}: ${l} on WebGPU, ${cpu.losses[i]} on the CPU`));
  // A near tie between two classes may round either way: one test image (0.2 points) at most.
  assert.ok(Math.abs(gpu.accuracy - cpu.accuracy) <= 0.2, `test accuracy ${gpu.accuracy} on WebGPU, ${cpu.accuracy} on the CPU`);
  assert.deepEqual(cpu.errors, []);
  assert.deepEqual(gpu.errors, []);
});

test('Auto times both backends and says which it chose and why', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=auto&epochs=1&train=600&test=100`);
  await dataReady(p);
  await p.getByTestId('start').click();
  await p.getByTestId('backend-info').waitFor({ timeout: 240_000 });
  const info = await p.getByTestId('backend-info').textContent();
  console.log(`Auto: ${info}`);
  // The CPU trains on every core the browser reports (one worker and its helpers).
  assert.match(info, /^(CPU \(wasm\)( · \d+ workers)?|WebGPU) · Auto: (CPU|WebGPU) \d+ ms\/step vs (CPU|WebGPU) \d+ ms\/step$/);
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 300_000 });
  assert.deepEqual(p.errors, []);
  await context.close();
});
