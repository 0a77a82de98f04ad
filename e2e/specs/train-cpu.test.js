// Training on the CPU backend in the worker: progress moves, the loss falls, Pause/Resume/Stop
// work, workers sharing each batch train as one does, and the page's main thread stays
// responsive throughout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, dataReady, recordLosses, losses, recordTexts, recorded } from '../harness.js';

let server, chrome, context;
before(async () => { server = await serve(); chrome = await browser(); context = await chrome.newContext(); });
after(async () => { await chrome?.close(); await server?.close(); });

test('a short CPU run moves the progress bar and lowers the loss', async () => {
  const p = await page(context, `${server.url}?backend=cpu&epochs=2&train=1500&test=500`);
  await dataReady(p);
  await recordLosses(p);
  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  // Every core by default: the worker and helpers it starts share each batch.
  const cores = await p.evaluate(() => navigator.hardwareConcurrency);
  const workers = cores > 1 ? ` · ${cores} workers` : '';
  assert.equal(await p.getByTestId('backend-info').textContent(), `CPU (wasm)${workers} · chosen by you`);
  await p.getByTestId('run-message').filter({ hasText: 'Finished 2 epoch' }).waitFor({ timeout: 120_000 });
  assert.match(await p.getByTestId('progress-line').textContent(), /Epoch 2\/2 · 25\/25 ·/);
  assert.equal(await p.getByTestId('epoch-bar').getAttribute('aria-valuenow'), '100');
  const shown = await losses(p);
  assert.ok(shown.length >= 2 && shown.at(-1) < shown[0], `losses shown: ${shown}`);
  assert.match(await p.getByTestId('test-accuracy').textContent(), /\d+\.\d\d%/);
  assert.match(await p.getByTestId('weights-info').textContent(), /trained 2 epoch/);
  assert.equal(await p.getByTestId('accuracy-chart').locator('circle.s3').count(), 2, 'one test accuracy per epoch');
  await shot(p, 'train-cpu-finished');
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('Pause holds the step count, Resume continues, Stop ends the run keeping the weights', async () => {
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=60000&test=500`);
  await dataReady(p);
  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  await p.getByTestId('pause').click();
  await p.getByTestId('resume').waitFor();
  await p.waitForTimeout(500); // a report may already be on its way
  const paused = await p.getByTestId('progress-line').textContent();
  await p.waitForTimeout(3000);
  assert.equal(await p.getByTestId('progress-line').textContent(), paused);
  await shot(p, 'train-paused');

  await p.getByTestId('resume').click();
  await p.waitForFunction((before) => document.querySelector('[data-testid=progress-line]').textContent !== before, paused, { timeout: 30_000 });
  await p.getByTestId('stop').click();
  await p.getByTestId('run-message').filter({ hasText: 'Stopped after 0 complete epoch' }).waitFor({ timeout: 30_000 });
  await p.getByTestId('start').waitFor();
  assert.match(await p.getByTestId('weights-info').textContent(), /stopped in epoch 1/);
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('the main thread stays responsive while the worker trains', async () => {
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=60000&test=500`);
  await dataReady(p);
  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  // For 5 s: the longest main-thread task, and how late 50 ms timers fire.
  const { longest, worstDelay, reports } = await p.evaluate(async () => {
    let longest = 0;
    new PerformanceObserver((list) => list.getEntries().forEach((e) => { longest = Math.max(longest, e.duration); }))
      .observe({ type: 'longtask', buffered: false });
    const line = document.querySelector('[data-testid=progress-line]');
    const seen = new Set();
    let worstDelay = 0;
    const end = performance.now() + 5000;
    while (performance.now() < end) {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 50));
      worstDelay = Math.max(worstDelay, performance.now() - t - 50);
      seen.add(line.textContent);
    }
    return { longest, worstDelay, reports: seen.size };
  });
  console.log(`main thread while training: longest task ${longest.toFixed(0)} ms, worst timer delay ${worstDelay.toFixed(0)} ms, ${reports} progress updates`);
  assert.ok(reports >= 2, 'training progressed during the measurement');
  assert.ok(worstDelay < 150, `timers were ${worstDelay} ms late`);
  assert.ok(longest < 200, `a ${longest} ms task blocked the main thread`);
  await p.getByTestId('stop').click();
  await p.close();
});

test('two workers sharing each batch train as one does, also when the helper crashes mid-run', async () => {
  // 100 steps of 240 images (seconds, not a fraction of one), and the helper crashes while the
  // run is paused after its first report: always mid-run, however fast this machine trains.
  const url = (threads) => `${server.url}?backend=cpu&epochs=1&batch=240&train=24000&test=1000&seed=5&threads=${threads}`;
  const run = async (threads, during = async () => {}) => {
    const p = await page(context);
    const workers = [];
    p.on('worker', (w) => workers.push(w));
    await p.goto(url(threads));
    await dataReady(p);
    await recordLosses(p);
    await recordTexts(p, 'run-message');
    await p.getByTestId('start').click();
    await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
    const backend = await p.getByTestId('backend-info').textContent();
    await during(p, workers);
    await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 120_000 });
    const result = {
      backend,
      backendAfter: await p.getByTestId('backend-info').textContent(),
      accuracy: await p.getByTestId('test-accuracy').textContent(),
      losses: await losses(p),
      messages: await recorded(p, 'run-message'),
      workers: workers.length,
      errors: p.errors,
    };
    await p.close();
    return result;
  };
  const one = await run(1);
  assert.equal(one.backend, 'CPU (wasm) · chosen by you');
  assert.equal(one.workers, 1);

  const two = await run(2, async (p, workers) => {
    assert.equal(workers.length, 2, 'the training worker started one helper');
    // An uncaught error in the helper, as a wasm trap there surfaces.
    await p.getByTestId('pause').click();
    await p.getByTestId('resume').waitFor();
    await workers[1].evaluate(() => { setTimeout(() => { throw new Error('simulated helper crash'); }); });
    await p.getByTestId('run-message').filter({ hasText: 'A helper worker was lost' }).waitFor({ timeout: 30_000 });
    await p.getByTestId('resume').click();
  });
  assert.equal(two.backend, 'CPU (wasm) · 2 workers · chosen by you');
  assert.ok(two.messages.some((m) => /A helper worker was lost \(.*simulated helper crash.*\)/.test(m)), two.messages.join(' | '));
  assert.equal(two.backendAfter, 'CPU (wasm) · chosen by you', 'the count follows the lost helper');
  // The same steps up to float rounding: the same test accuracy and losses.
  assert.equal(two.accuracy, one.accuracy);
  assert.equal(two.losses.length, one.losses.length);
  two.losses.forEach((l, i) => assert.ok(Math.abs(l - one.losses[i]) < 2e-3, `loss ${i}: ${l} vs ${one.losses[i]}`));
  assert.deepEqual(one.errors, []);
  assert.deepEqual(two.errors, []);
});

test('where a worker cannot start workers, training says so and goes on with one', async () => {
  const p = await page(context);
  const workers = [];
  p.on('worker', (w) => workers.push(w));
  // Seconds of training, so the notice is still the run's message when it is read.
  await p.goto(`${server.url}?backend=cpu&epochs=1&train=24000&test=200&threads=2`);
  await dataReady(p);
  // As in a browser without nested workers: the constructor is missing inside the worker.
  await workers[0].evaluate(() => { self.Worker = function Worker() { throw new TypeError('Worker is not a constructor'); }; });
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'could not start a helper worker' }).waitFor({ timeout: 60_000 });
  assert.match(await p.getByTestId('run-message').textContent(), /Worker is not a constructor/);
  assert.equal(await p.getByTestId('backend-info').textContent(), 'CPU (wasm) · chosen by you');
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 120_000 });
  assert.equal(workers.length, 1);
  assert.deepEqual(p.errors, []);
  await p.close();
});
