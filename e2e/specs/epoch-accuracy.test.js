// One full epoch on all 60,000 training digits, on the CPU backend, evaluated on all 10,000
// test digits; then the evaluation view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, dataReady } from '../harness.js';

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

test('one CPU epoch reaches at least 95 % test accuracy, and the evaluation view explains it', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=cpu&epochs=1`);
  await dataReady(p);
  const started = Date.now();
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 600_000 });
  const seconds = (Date.now() - started) / 1000;
  const accuracy = parseFloat(await p.getByTestId('test-accuracy').textContent());
  console.log(`one CPU epoch in the browser: ${seconds.toFixed(0)} s, ${await p.getByTestId('images-per-sec').textContent()} img/s, test accuracy ${accuracy}%`);
  assert.ok(accuracy >= 95, `test accuracy ${accuracy}%`);
  await shot(p, 'epoch-finished');

  // The evaluation after the epoch: the matrix adds up to the test set, cells open images.
  const evalAccuracy = Number(await p.getByTestId('eval-accuracy').textContent());
  assert.ok(Math.abs(evalAccuracy * 100 - accuracy) < 0.01);
  const cells = await p.getByTestId('confusion').locator('td button').allTextContents();
  assert.equal(cells.reduce((a, b) => a + Number(b), 0), 10000);
  assert.ok(await p.getByTestId('misses').locator('canvas').count() > 10);
  await p.getByTestId('cell-7-7').click();
  await p.getByTestId('cell-gallery').locator('canvas').first().waitFor();
  assert.ok(await p.getByTestId('cell-gallery').locator('canvas').count() >= 10);
  await shot(p, 'evaluation');
  assert.deepEqual(p.errors, []);
  await context.close();
});
