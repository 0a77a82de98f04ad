// Hostile files, dying or stuck workers, hostile links, missing browser features and failing
// networks: the page stays up, says what happened and recovers by itself; saved models are
// never touched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, browser, page, shot, dataReady } from '../harness.js';
import { pretrainedReady, zeroDrawn } from '../drawing.js';

const fixture = (name) => join(fileURLToPath(new URL('../../tests/fixtures/', import.meta.url)), name);

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

/** A page that keeps the training workers it starts in `p.workers`, opened at `url`. */
async function watched(context, url) {
  const p = await page(context);
  p.workers = [];
  p.on('worker', (w) => p.workers.push(w));
  await p.goto(url);
  return p;
}

test('a crafted .pth that used to crash the worker is refused beside the upload; predictions stay', async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.url);
  const bars = await zeroDrawn(p);

  // 232 bytes whose pickle DUPs a list 48 times: 2^48 lists to a reader that copies.
  await p.getByTestId('upload').setInputFiles(fixture('dup-bomb.pth'));
  const refusal = p.getByTestId('file-message');
  await refusal.filter({ hasText: 'dup-bomb.pth' }).waitFor({ timeout: 30_000 });
  assert.match(await refusal.textContent(), /dup-bomb\.pth cannot be used as weights: cannot import the PyTorch file: it holds a tuple rather than a state_dict/);
  assert.match(await p.getByTestId('weights-info').textContent(), /pretrained/);
  assert.equal(await p.getByTestId('probabilities').textContent(), bars);

  // Too large to be weights: refused before it is read.
  const huge = join(await mkdtemp(join(tmpdir(), 'mnist-lab-')), 'huge.pth');
  await writeFile(huge, Buffer.alloc(65 << 20));
  await p.getByTestId('upload').setInputFiles(huge);
  await refusal.filter({ hasText: 'huge.pth' }).waitFor();
  assert.match(await refusal.textContent(), /huge\.pth cannot be used as weights: the file is 68157440 bytes; weights files over 67108864 bytes \(64 MB\) are refused/);
  assert.equal(await p.getByTestId('probabilities').textContent(), bars);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a worker that crashes mid-run is replaced: the dataset and weights come back, Start works, saved models stay', async () => {
  const context = await chrome.newContext();
  // One worker: a helper would be a second worker in `p.workers` (helpers are another spec's).
  // A whole epoch of 1,000 steps, paused before the crash: the run is in progress when the
  // worker dies however fast this machine trains (3,000 images once ended before the crash).
  const p = await watched(context, `${server.url}?backend=cpu&epochs=1&train=60000&test=300&threads=1`);
  await dataReady(p);
  await pretrainedReady(p);
  await p.getByTestId('save-model').click();
  await p.getByTestId('saved-model').first().waitFor();

  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  await p.getByTestId('pause').click();
  await p.getByTestId('resume').waitFor();
  // An uncaught error in the worker, as a wasm trap (a panic, out of memory) surfaces.
  await p.workers.at(-1).evaluate(() => { setTimeout(() => { throw new Error('simulated crash'); }); });
  const said = p.getByTestId('run-message').filter({ hasText: 'restarted' });
  await said.waitFor({ timeout: 30_000 });
  assert.match(await said.textContent(), /restarted because it crashed .*simulated crash.*The run in progress was lost/);
  assert.match(await dataReady(p), /from cache/);
  await p.getByTestId('weights-info').filter({ hasText: 'pretrained' }).waitFor();
  assert.equal(await p.getByTestId('saved-model').count(), 1);
  await shot(p, 'worker-restarted');

  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  await p.getByTestId('stop').click();
  await p.getByTestId('run-message').filter({ hasText: 'Stopped after' }).waitFor({ timeout: 60_000 });
  assert.equal(p.workers.length, 2);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a worker that stops answering is replaced after 10 s', async () => {
  const context = await chrome.newContext();
  const p = await watched(context, `${server.url}?backend=cpu&epochs=1&train=600&test=100`);
  await dataReady(p);
  await p.workers.at(-1).evaluate(() => {
    setTimeout(() => { const end = Date.now() + 60_000; while (Date.now() < end); });
  });
  const said = p.getByTestId('run-message').filter({ hasText: 'restarted' });
  await said.waitFor({ timeout: 30_000 });
  assert.match(await said.textContent(), /stopped answering for 10 s/);
  await dataReady(p);
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 120_000 });
  await context.close();
});

test('a link with a quote in its path runs no injected script, and the app works there', async () => {
  // The app hosted in a folder whose name holds a quote: the page's base URL, which the page
  // hands to its worker's bootstrap, holds it too.
  const folder = "x'+fetch(origin+'/pwned')+'/";
  const quoted = await serve({ prefix: `/${folder}` });
  const context = await chrome.newContext();
  // Pasted into the old bootstrap script, this path fetched /pwned from inside the worker.
  const p = await page(context, quoted.url);
  assert.match(await dataReady(p), /MNIST ready/);
  await p.getByTestId('weights-info').filter({ hasText: 'pretrained' }).waitFor();
  // The page itself was asked for with the quote kept; the script in it never ran.
  assert.equal(quoted.requests[0], folder);
  assert.equal(await p.evaluate(() => document.baseURI), quoted.url);
  assert.ok(!quoted.requests.includes('pwned'), `requests: ${quoted.requests.join(', ')}`);
  assert.ok(quoted.requests.some((r) => r.startsWith(`${folder}mnist/`)), 'the worker loaded MNIST from the folder');
  assert.deepEqual(p.errors, []);
  await context.close();
  await quoted.close();
});

test('without the Cache API (plain http on another host) MNIST still loads, uncached', async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.insecureUrl);
  assert.equal(await p.evaluate(() => window.isSecureContext), false);
  assert.match(await dataReady(p), /\(downloaded\)/);
  await p.reload();
  assert.match(await dataReady(p), /\(downloaded\)/);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a download that stalls gives up with a message and Retry, which recovers', async () => {
  const context = await chrome.newContext();
  server.hooks.stallMnist = true;
  const p = await page(context, server.url);
  await p.getByTestId('retry').waitFor({ timeout: 90_000 });
  assert.match(await p.getByTestId('data-status').textContent(), /the download stalled \(no data for 30 s\)/);
  server.hooks.stallMnist = false;
  await p.getByTestId('retry').click();
  assert.match(await dataReady(p), /MNIST ready/);
  await context.close();
});

test('a stalled weights download on the page does not hold back the worker, which brings them itself', async () => {
  const context = await chrome.newContext();
  server.hooks.stallWeights = 1; // the page's request; the worker's own is answered
  const p = await watched(context, server.url);
  // Long before the page's request gives up (30 s without a byte).
  const started = Date.now();
  while (p.workers.length === 0 && Date.now() - started < 15_000) await p.waitForTimeout(200);
  assert.equal(p.workers.length, 1, 'the worker started while the page still waited for its weights');
  assert.ok(server.served.some((s) => s.stalled && s.path === 'weights/tutorial.bpk'), "the page's request was held");
  assert.match(await dataReady(p), /MNIST ready/);
  await zeroDrawn(p);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a save the browser cannot commit (storage full) says so', async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.url);
  await pretrainedReady(p);
  const cdp = await context.newCDPSession(p);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 1024 });
  await p.getByTestId('save-model').click();
  const problem = p.getByTestId('models-problem');
  await problem.waitFor({ timeout: 30_000 });
  assert.match(await problem.textContent(), /storage for this site is full/);
  await context.close();
});
