// Offline after the first visit (public/sw.js): the page, its module, the weights and MNIST come
// from the caches, so the app opens, reads a drawing and trains with no network; the GPU module
// too, once a run has used it (and where it never was, Auto trains on the CPU and says why). A
// new deployment takes over only once the old build's tabs are closed, then drops the old
// build's files and keeps the data. A Cache API that fails under the service worker leaves the
// app served from the host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, dataReady, serviceWorkerReady } from '../harness.js';
import { zeroDrawn } from '../drawing.js';

let chrome;
before(async () => { chrome = await browser(); });
after(async () => { await chrome?.close(); });

const DATA = 'mnist-lab-data-v1';
const shellCaches = (names, server) => names.filter((c) => c.startsWith(`mnist-lab-shell ${server.url} `));

test('after one visit, offline: the page opens, reads a drawing and trains', async (t) => {
  const server = await serve({ prefix: '/mnist-lab/' });
  const context = await chrome.newContext();
  t.after(async () => { await context.close(); await server.close(); });
  const p = await page(context, server.url);
  // The first visit: MNIST downloaded into the data cache, the app shell precached.
  assert.match(await dataReady(p), /\(downloaded\)/);
  const names = await serviceWorkerReady(p);
  assert.equal(shellCaches(names, server).length, 1, `caches: ${names}`);
  assert.ok(names.includes(DATA), `caches: ${names}`);

  // No network at all: the browser is offline and the host answers nothing but 503.
  await context.setOffline(true);
  server.hooks.down = true;
  const asked = server.requests.length;
  const started = Date.now();
  await p.goto(`${server.url}?backend=cpu&epochs=1&train=600&test=100&threads=1`);
  assert.ok(await p.evaluate(() => navigator.serviceWorker.controller !== null), 'the service worker serves the page');
  await zeroDrawn(p);
  const read = Date.now() - started;
  assert.match(await dataReady(p), /\(from cache\)/);
  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  console.log(`  offline: drawing read ${(read / 1000).toFixed(2)} s after the reload, training ${((Date.now() - started) / 1000).toFixed(2)} s`);
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 120_000 });
  await shot(p, 'offline-trained');
  // Nothing reached the host but the browser's own checks for a new service worker.
  const reached = server.requests.slice(asked).filter((r) => r !== 'mnist-lab/sw.js');
  assert.deepEqual(reached, [], 'requests that reached the host while offline');
  assert.deepEqual(p.errors, []);
});

/** Starts a one-epoch run; returns what the page says about its backend once it finishes. */
async function train(p) {
  await dataReady(p);
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 300_000 });
  return p.getByTestId('backend-info').textContent();
}

test('the GPU module is fetched for a run that may use WebGPU, kept, and used offline; never fetched, Auto trains on the CPU offline', async (t) => {
  const server = await serve({ prefix: '/mnist-lab/' });
  const context = await chrome.newContext();
  t.after(async () => { await context.close(); await server.close(); });
  const gpuModule = () => server.served.filter((s) => /worker(_bg\.wasm|\.js)$/.test(s.path)).map((s) => s.path);
  const auto = `${server.url}?backend=auto&epochs=1&train=300&test=100&threads=1`;
  const timed = /Auto: (CPU|WebGPU) \d+ ms\/step vs (CPU|WebGPU) \d+ ms\/step$/;

  // Never used: offline, Auto has only the page's module, and says so.
  const p = await page(context, auto);
  await serviceWorkerReady(p);
  await dataReady(p);
  assert.deepEqual(gpuModule(), [], 'fetched before any run');
  await context.setOffline(true);
  server.hooks.down = true;
  await p.reload();
  assert.match(await train(p), /^CPU \(wasm\) · Auto: the app's WebGPU part could not be loaded$/);

  // Online, a run on Auto fetches it once (the service worker checks and keeps it) and times both.
  await context.setOffline(false);
  server.hooks.down = false;
  await p.reload();
  assert.match(await train(p), timed);
  assert.deepEqual(gpuModule().sort(), ['mnist-lab/worker.js', 'mnist-lab/worker_bg.wasm']);

  // Offline again, in a fresh tab: it comes from the cache, and Auto times both again.
  await context.setOffline(true);
  server.hooks.down = true;
  await p.close();
  const q = await page(context, auto);
  assert.match(await train(q), timed);
  await shot(q, 'offline-auto');
  assert.equal(gpuModule().length, 2, 'fetched again');
  assert.deepEqual(p.errors, []);
  assert.deepEqual(q.errors, []);
});

test('a new build waits until the old tabs close, then replaces the old shell cache and keeps the data', async (t) => {
  const server = await serve({ prefix: '/mnist-lab/' });
  const context = await chrome.newContext();
  t.after(async () => { await context.close(); await server.close(); });
  let p = await page(context, server.url);
  assert.match(await dataReady(p), /\(downloaded\)/);
  const [old] = shellCaches(await serviceWorkerReady(p), server);
  const oldBuild = old.split(' ').at(-1);

  // A new deployment: the host now answers another sw.js (another build of the same files).
  server.hooks.transform = (name, bytes) => (name === 'sw.js'
    ? Buffer.from(bytes.toString().replace(`const BUILD = '${oldBuild}';`, "const BUILD = 'next';"))
    : undefined);
  await p.reload();
  // This tab is under the old build; the new one installs and waits.
  const waiting = await p.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    await registration.update();
    const next = registration.installing ?? registration.waiting;
    if (next && next.state !== 'installed') {
      await new Promise((ok) => next.addEventListener('statechange', () => next.state !== 'installing' && ok()));
    }
    return { state: registration.waiting?.state, controller: navigator.serviceWorker.controller === registration.active };
  });
  assert.deepEqual(waiting, { state: 'installed', controller: true });
  let names = await p.evaluate(() => caches.keys());
  assert.deepEqual(shellCaches(names, server).sort(), [old, `mnist-lab-shell ${server.url} next`].sort());
  assert.match(await dataReady(p), /\(from cache\)/);

  // The last tab of the old build closes: the next load is the new build's.
  await p.close();
  p = await page(context, server.url);
  await p.waitForFunction(async (url) => {
    const names = await caches.keys();
    return names.includes(`mnist-lab-shell ${url} next`) && !names.some((n) => n.startsWith(`mnist-lab-shell ${url} `) && !n.endsWith(' next'));
  }, server.url, { timeout: 30_000, polling: 200 });
  names = await p.evaluate(() => caches.keys());
  assert.ok(names.includes(DATA), `the data cache is kept: ${names}`);
  assert.ok(!names.includes(old), `the old shell cache is gone: ${names}`);
  assert.match(await dataReady(p), /\(from cache\)/);
  await zeroDrawn(p);
  assert.deepEqual(p.errors, []);
});

test('a service worker whose Cache API fails serves the app from the host', async (t) => {
  const server = await serve({ prefix: '/mnist-lab/' });
  const context = await chrome.newContext();
  t.after(async () => { await context.close(); await server.close(); });
  const p = await page(context, server.url);
  await serviceWorkerReady(p);
  await dataReady(p);
  // Served from the precache: the reload asks the host for nothing of the shell.
  const shell = (from) => server.requests.slice(from).filter((r) => r === 'mnist-lab/' || r.endsWith('.wasm'));
  let asked = server.requests.length;
  await p.reload();
  await zeroDrawn(p);
  assert.deepEqual(shell(asked), [], 'the shell from the cache');

  // Storage broken under the service worker (a corrupted or evicted profile): every Cache API
  // call rejects. The app still opens, from the host.
  const [worker] = context.serviceWorkers();
  await worker.evaluate(() => {
    const broken = () => Promise.reject(new DOMException('the cache is broken', 'UnknownError'));
    for (const name of ['match', 'open', 'has', 'keys', 'delete']) caches[name] = broken;
  });
  asked = server.requests.length;
  await p.reload();
  assert.ok(await p.evaluate(() => navigator.serviceWorker.controller !== null), 'the service worker answers');
  await zeroDrawn(p);
  const pageModule = server.requests.find((r) => /app-\w+_bg\.wasm$/.test(r));
  assert.deepEqual(shell(asked).sort(), ['mnist-lab/', pageModule].sort(), 'the shell from the host');
  await dataReady(p);
  assert.deepEqual(p.errors, []);
});
