// The page paints, loads the dataset with a progress bar, and reads it from the cache on reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, dataReady } from '../harness.js';

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

test('loads without console errors, downloads MNIST to 100 %, then serves it from cache', async () => {
  const context = await chrome.newContext();
  const p = await page(context);
  await p.goto(server.url, { waitUntil: 'commit' });
  // First paint comes from index.html, before the wasm.
  await p.locator('#loading, header h1').first().waitFor();
  const status = await dataReady(p);
  assert.match(status, /60000 training and 10000 test digits \(downloaded\)/);
  assert.equal(await p.getByTestId('data-bar').getAttribute('aria-valuenow'), '100');
  assert.equal(await p.getByTestId('samples').locator('canvas').count(), 32);
  await p.getByTestId('weights-info').filter({ hasText: 'pretrained' }).waitFor();
  await shot(p, 'load-ready');

  await p.reload();
  assert.match(await dataReady(p), /\(from cache\)/);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a failed download shows the error and a Retry button that recovers', async () => {
  const context = await chrome.newContext();
  server.hooks.failMnist = true;
  const p = await page(context, server.url);
  await p.getByTestId('retry').waitFor({ timeout: 60_000 });
  assert.match(await p.getByTestId('data-status').textContent(), /Could not load MNIST: .*HTTP 503/);
  await shot(p, 'load-failed');
  server.hooks.failMnist = false;
  await p.getByTestId('retry').click();
  assert.match(await dataReady(p), /MNIST ready/);
  await context.close();
});

test('fits a 360 px phone screen without sideways scrolling, and works from the keyboard', async () => {
  const context = await chrome.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const p = await page(context, server.url);
  await dataReady(p);
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal overflow');
  // Tab reaches the form: typing a bad value shows an inline message and disables Start.
  await p.getByTestId('epochs').focus();
  await p.keyboard.press('Control+A');
  await p.keyboard.type('0');
  assert.match(await p.locator('#epochs-error').textContent(), /whole number from 1 to 100/);
  assert.ok(await p.getByTestId('start').isDisabled());
  await p.getByTestId('lr').fill('-1');
  assert.match(await p.locator('#lr-error').textContent(), /above 0/);
  await shot(p, 'phone-invalid-input');
  await p.getByTestId('epochs').fill('2');
  await p.getByTestId('lr').fill('0.001');
  assert.ok(await p.getByTestId('start').isEnabled());
  assert.deepEqual(p.errors, []);
  await context.close();
});
