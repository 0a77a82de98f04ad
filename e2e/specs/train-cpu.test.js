// Training on the CPU backend in the worker: progress moves, the loss falls, Pause/Resume/Stop
// work, and the page's main thread stays responsive throughout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, dataReady, recordLosses, losses } from '../harness.js';

let server, chrome, context;
before(async () => { server = await serve(); chrome = await browser(); context = await chrome.newContext(); });
after(async () => { await chrome?.close(); await server?.close(); });

test('a short CPU run moves the progress bar and lowers the loss', async () => {
  const p = await page(context, `${server.url}?backend=cpu&epochs=2&train=1500&test=500`);
  await dataReady(p);
  await recordLosses(p);
  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  assert.match(await p.getByTestId('backend-info').textContent(), /CPU \(wasm\) · chosen by you/);
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
