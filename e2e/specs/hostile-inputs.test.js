// The second round of hostile inputs: what a user's own data, storage and host can do to the
// page. My digits stays small and responsive (a cap, checked from the files' headers; a page of
// pictures at a time; one digit per distinct 28×28; a reset flag); pictures are refused from
// their headers before they are decoded, and the last pick wins; IndexedDB held by another tab
// or holding tampered records never wedges the page; a page that cannot start workers still
// reads drawings; a GPU module of another build is caught.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { DIST, serve, browser, page, shot, dataReady } from '../harness.js';
import { pretrainedReady, prediction, stroke } from '../drawing.js';

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

const PIXELS = 784;
const header = (magic, ...words) => Buffer.from(new Uint32Array([magic, ...words]).buffer).swap32();

/** MNIST's test set as the app ships it: its images (784 bytes each) and labels. */
async function mnistTest() {
  const images = gunzipSync(await readFile(join(DIST, 'mnist/t10k-images-idx3-ubyte.gz'))).subarray(16);
  const labels = gunzipSync(await readFile(join(DIST, 'mnist/t10k-labels-idx1-ubyte.gz'))).subarray(8);
  return { images, labels };
}

/** A pair of files for My digits' import: digits `from..to` of `set`, gzip'd IDX. */
function pair(name, set, from, to) {
  const images = Buffer.concat([header(0x803, to - from, 28, 28), set.images.subarray(from * PIXELS, to * PIXELS)]);
  const labels = Buffer.concat([header(0x801, to - from), set.labels.subarray(from, to)]);
  return [
    { name: `${name}-images-idx3-ubyte.gz`, mimeType: 'application/gzip', buffer: gzipSync(images) },
    { name: `${name}-labels-idx1-ubyte.gz`, mimeType: 'application/gzip', buffer: gzipSync(labels) },
  ];
}

/** `files` written to a fresh folder; their paths. A picker given paths hands the page the files
 * as a user's pick does (given bytes, the test driver builds them on the page's thread). */
async function onDisk(files) {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-lab-import-'));
  return Promise.all(files.map(async ({ name, buffer }) => {
    await writeFile(join(dir, name), buffer);
    return join(dir, name);
  }));
}

/** How many distinct 28×28 images digits `from..to` of `set` hold. */
function distinct(set, from, to) {
  const seen = new Set();
  for (let i = from; i < to; i++) seen.add(set.images.subarray(i * PIXELS, (i + 1) * PIXELS).toString('base64'));
  return seen.size;
}

/** Records the page thread's long tasks (over 50 ms) in `window.__long`, from the start, as
 * [start, duration] in ms since the page's time origin. */
function observeLongTasks() {
  window.__long = [];
  new PerformanceObserver((list) => window.__long.push(...list.getEntries().map((e) => [e.startTime, e.duration])))
    .observe({ type: 'longtask', buffered: true });
}

const number = (n) => n.toLocaleString('en-US');

/** Waits until the page has created its database (version 2, both stores). */
async function storeReady(p) {
  await p.waitForFunction(async () => (await indexedDB.databases()).some((d) => d.name === 'mnist-lab' && d.version === 2));
}

test('My digits: MNIST-sized imports are refused from their headers; a big one is kept once, a page at a time, and the page stays responsive', async () => {
  const context = await chrome.newContext();
  await context.addInitScript(observeLongTasks);
  const p = await page(context, server.url);
  await pretrainedReady(p);
  await dataReady(p);
  const set = await mnistTest();
  const message = p.getByTestId('digits-message');
  const since = await p.evaluate(() => performance.now());

  // The app's own test pair: 10,000 digits.
  await p.getByTestId('import-digits').setInputFiles(await onDisk(pair('t10k', set, 0, 10_000)));
  await message.filter({ hasText: `holds ${number(10_000)} digits; an import may bring at most ${number(2_000)}` }).waitFor({ timeout: 30_000 });
  // 250,000 blank digits in a small gzip: refused before it is inflated.
  const blank = [
    { name: 'blank-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: gzipSync(Buffer.concat([header(0x803, 250_000, 28, 28), Buffer.alloc(250_000 * PIXELS)]), { level: 9 }) },
    { name: 'blank-labels-idx1-ubyte.gz', mimeType: 'application/gzip', buffer: gzipSync(Buffer.concat([header(0x801, 250_000), Buffer.alloc(250_000)]), { level: 9 }) },
  ];
  const started = Date.now();
  await p.getByTestId('import-digits').setInputFiles(await onDisk(blank));
  await message.filter({ hasText: `holds ${number(250_000)} digits` }).waitFor({ timeout: 10_000 });
  console.log(`  ${blank[0].buffer.length} bytes of gzip announcing 250,000 digits refused in ${Date.now() - started} ms`);

  // 1,500 real ones: kept (each distinct 28×28 once), drawn a page of 100 at a time.
  const kept = distinct(set, 0, 1_500);
  await p.getByTestId('import-digits').setInputFiles(await onDisk(pair('mine', set, 0, 1_500)));
  await message.filter({ hasText: `Imported ${number(kept)} digits` }).waitFor({ timeout: 60_000 });
  assert.equal(await p.getByTestId('my-digit').count(), 100);
  assert.equal(await p.getByTestId('digits-page').textContent(), `1–100 of ${number(kept)}`);
  await p.getByTestId('digits-next').click();
  await p.getByTestId('digits-page').filter({ hasText: `101–200 of ${number(kept)}` }).waitFor();
  // The same again adds nothing; more than the room left is refused whole.
  await p.getByTestId('import-digits').setInputFiles(await onDisk(pair('mine', set, 0, 1_500)));
  await message.filter({ hasText: 'Nothing new' }).waitFor({ timeout: 60_000 });
  await p.getByTestId('import-digits').setInputFiles(await onDisk(pair('more', set, 2_000, 2_600)));
  await message.filter({ hasText: `My digits holds ${number(2_000)} digits at most: ${2_000 - kept} more can be added` }).waitFor({ timeout: 60_000 });
  await p.waitForTimeout(1_000);
  const long = (await p.evaluate(() => window.__long)).filter(([start]) => start >= since).map(([, ms]) => ms);
  console.log(`  page thread during the imports: ${long.length} tasks over 50 ms, the longest ${Math.max(0, ...long).toFixed(0)} ms`);
  assert.ok(long.every((ms) => ms < 200), `main-thread tasks: ${long.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  await p.getByTestId('my-digits-count').scrollIntoViewIfNeeded();
  await shot(p, 'my-digits-paged');

  // Reloaded: still a page at a time. `?reset=my-digits` empties the store before it is read,
  // and leaves the address.
  await p.reload();
  await p.getByTestId('digits-page').filter({ hasText: `of ${number(kept)}` }).waitFor({ timeout: 60_000 });
  assert.equal(await p.getByTestId('my-digit').count(), 100);
  await p.goto(`${server.url}?reset=my-digits`);
  await message.filter({ hasText: 'My digits were deleted' }).waitFor({ timeout: 60_000 });
  assert.match(await p.getByTestId('my-digits-count').textContent(), /No digits yet/);
  assert.equal(new URL(p.url()).search, '');
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('My digits: a worker that dies while reading an import is reported in the panel', async () => {
  const context = await chrome.newContext();
  const p = await page(context);
  const workers = [];
  p.on('worker', (w) => workers.push(w));
  await p.goto(server.url);
  await dataReady(p);
  // The worker dies when the import reaches it, before reading it.
  await workers.at(-1).evaluate(() => {
    const handle = self.onmessage;
    self.onmessage = (e) => {
      if (e.data && typeof e.data === 'object' && 'ImportDigits' in e.data) throw new Error('killed by the test');
      handle.call(self, e);
    };
  });
  await p.getByTestId('import-digits').setInputFiles(pair('mine', await mnistTest(), 0, 10));
  const said = p.getByTestId('digits-message').filter({ hasText: 'The files could not be imported' });
  await said.waitFor({ timeout: 30_000 });
  assert.match(await said.textContent(), /My digits are unchanged/);
  await context.close();
});

/** A PNG whose header says `width`×`height` (its pixels are not there: nothing should read them). */
function pngHeader(width, height) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([length, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.concat([header(width, height).subarray(0, 8), Buffer.from([8, 6, 0, 0, 0])]);
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(0)), chunk('IEND', Buffer.alloc(0))]);
}

/** A PNG of `digit` on a `side`×`side` card, drawn by the browser. */
async function card(p, digit, side) {
  const base64 = await p.evaluate(async ([digit, side]) => {
    const c = new OffscreenCanvas(side, side);
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, side, side);
    ctx.fillStyle = '#000'; ctx.font = `bold ${side * 0.8}px sans-serif`; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
    ctx.fillText(digit, side / 2, side / 2);
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, [digit, side]);
  return { name: `${digit}-${side}.png`, mimeType: 'image/png', buffer: Buffer.from(base64, 'base64') };
}

test('"Open an image…": a 30000×30000 PNG is refused from its header at once; of two quick picks the last is read', async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.url);
  await pretrainedReady(p);
  const huge = pngHeader(30_000, 30_000);
  const started = Date.now();
  await p.getByTestId('open-image').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: huge });
  const problem = p.getByTestId('image-problem');
  await problem.filter({ hasText: 'huge.png is 30,000×30,000 pixels: pictures of up to 50 megapixels open here' }).waitFor({ timeout: 5_000 });
  const refused = Date.now() - started;
  console.log(`  a ${huge.length}-byte PNG declaring 30000×30000 refused in ${refused} ms`);
  assert.ok(refused < 1_000, `${refused} ms`);

  // A large picture of a 3 (slow to decode), then at once a small 7: the 7 is read.
  const [three, seven] = [await card(p, '3', 6_000), await card(p, '7', 280)];
  await p.getByTestId('open-image').setInputFiles(three);
  await p.getByTestId('open-image').setInputFiles(seven);
  assert.equal(await prediction(p, '7'), '7');
  await p.waitForTimeout(3_000);
  assert.equal(await prediction(p, '7'), '7');
  assert.equal(await problem.count(), 0);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('IndexedDB: an older version held open by another tab is said, not waited on silently', async () => {
  const context = await chrome.newContext();
  // Another page of the site that opened the database at version 1 and never lets go.
  const other = await page(context, `${server.url}manifest.webmanifest`);
  await other.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('mnist-lab', 1);
    open.onsuccess = () => { window.held = open.result; resolve(); };
    open.onerror = () => reject(open.error);
  }));
  const p = await page(context, server.url);
  const said = p.getByTestId('digits-message').filter({ hasText: 'another tab of MNIST Lab holds' });
  await said.waitFor({ timeout: 30_000 });
  await pretrainedReady(p);
  // Once it is closed, a reload works.
  await other.close();
  await p.reload();
  await p.getByTestId('my-digits-count').filter({ hasText: 'No digits yet' }).waitFor({ timeout: 30_000 });
  assert.equal(await p.getByTestId('digits-message').count(), 0);
  await context.close();
});

test('IndexedDB: tampered records load without errors, fetch nothing, and are deleted by "Delete all"', async () => {
  const context = await chrome.newContext();
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  const p = await page(context, server.url);
  await storeReady(p);
  await p.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('mnist-lab');
    open.onsuccess = () => {
      const tx = open.result.transaction(['digits', 'models'], 'readwrite');
      const digits = tx.objectStore('digits');
      const ink = new Uint8Array(784).fill(200);
      digits.put({ id: 'text key', label: 3, pixels: ink, thumbnail: '' });
      digits.put({ label: 12, pixels: ink, thumbnail: '' });
      digits.put({ label: 4, pixels: new Uint8Array(100), thumbnail: '' });
      digits.put({ label: 5, pixels: ink, thumbnail: 'https://tracker.example/pixel.png' });
      digits.put({ label: 'six', pixels: ink });
      const models = tx.objectStore('models');
      models.put({ name: 'nan', preset: 'tutorial', accuracy: NaN, bytes: new Uint8Array(10), date: '', origin: '' });
      models.put({ name: 7, preset: 'nonsense', bytes: 'not bytes' });
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    };
  }));
  await p.reload();
  // Of five digits, one is whole (its URL thumbnail replaced by its pixels); of two models, one.
  await p.getByTestId('my-digits-count').filter({ hasText: '1 digit' }).waitFor({ timeout: 30_000 });
  assert.equal(await p.getByTestId('my-digits-5').locator('img').count(), 0);
  assert.equal(await p.getByTestId('my-digits-5').locator('canvas').count(), 1);
  await p.getByTestId('saved-models').locator('li').first().waitFor();
  assert.equal(await p.getByTestId('saved-models').locator('li').count(), 1);
  assert.doesNotMatch(await p.getByTestId('saved-models').textContent(), /NaN/);
  assert.deepEqual(requests.filter((u) => /^https?:/.test(u) && !u.startsWith(server.url)), []);
  await p.getByTestId('clear-digits').click();
  await p.getByTestId('clear-digits-yes').click();
  await p.getByTestId('my-digits-count').filter({ hasText: 'No digits yet' }).waitFor();
  const left = await p.evaluate(() => new Promise((resolve) => {
    indexedDB.open('mnist-lab').onsuccess = (e) => {
      e.target.result.transaction('digits').objectStore('digits').count().onsuccess = (c) => resolve(c.target.result);
    };
  }));
  assert.equal(left, 0);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a copy of MNIST in the browser\'s cache that is not the app\'s is dropped and downloaded again, with a message', async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.url);
  assert.match(await dataReady(p), /\(downloaded\)/);
  // The cached labels file replaced by other bytes that still parse (every label a 0).
  await p.evaluate(async () => {
    const cache = await caches.open('mnist-lab-data-v1');
    const url = new URL('mnist/train-labels-idx1-ubyte.gz', document.baseURI).href;
    const labels = new Uint8Array(8 + 60_000);
    labels.set([0, 0, 8, 1, 0, 0, 0xea, 0x60]);
    await cache.put(url, new Response(labels));
  });
  await p.reload();
  const said = p.getByTestId('run-message').filter({ hasText: 'was not the app\'s' });
  await said.waitFor({ timeout: 60_000 });
  assert.match(await said.textContent(), /train-labels-idx1-ubyte\.gz: not the MNIST file this app ships/);
  assert.match(await dataReady(p), /\(downloaded\)/);
  await p.reload();
  assert.match(await dataReady(p), /\(from cache\)/);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a page that cannot start workers (a host\'s policy, a sandbox) says so and still reads drawings', async () => {
  const context = await chrome.newContext();
  await context.addInitScript(() => {
    window.Worker = class { constructor() { throw new DOMException('refused by the test', 'SecurityError'); } };
  });
  const p = await page(context, server.url);
  await p.getByTestId('data-status').filter({ hasText: 'cannot start its training worker' }).waitFor({ timeout: 30_000 });
  await pretrainedReady(p);
  await stroke(p, [[0.5, 0.12], [0.45, 0.88]]);
  assert.equal(await prediction(p, '1'), '1');
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a GPU module of another build is caught: the page says to reload, and keeps a worker of its own build', async () => {
  const context = await chrome.newContext({ serviceWorkers: 'block' });
  const p = await page(context, `${server.url}?backend=webgpu&epochs=1&train=600&test=100`);
  const build = (await p.getByTestId('build').textContent()).match(/([0-9a-f]{16}|dev)/)[1];
  assert.notEqual(build, 'dev', 'cargo xtask dist gives the modules their build');
  // The GPU module served with another build's id in it (as a stale cache would).
  const wasm = await readFile(join(DIST, 'worker_bg.wasm'));
  const stale = Buffer.from(wasm);
  let found = 0;
  for (let at = stale.indexOf(build); at >= 0; at = stale.indexOf(build, at + 1), found++) stale.write('0'.repeat(build.length), at);
  assert.ok(found > 0, 'the GPU module carries the build');
  await context.route('**/worker_bg.wasm', (route) => route.fulfill({ status: 200, contentType: 'application/wasm', body: stale }));
  await dataReady(p);
  await p.getByTestId('start').click();
  const said = p.getByTestId('run-message').filter({ hasText: 'another version of the app' });
  await said.waitFor({ timeout: 120_000 });
  assert.match(await said.textContent(), /reload the page/);
  // The page's own module took over: it has its data again and reads drawings.
  await dataReady(p);
  await pretrainedReady(p);
  await context.close();
});

test('saved runs: automatic saves are capped, the oldest unstarred first, with a notice; a starred one stays', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=300&test=100`);
  await storeReady(p);
  // A starred run saved first, then twenty automatic saves, as earlier visits would leave them.
  const weights = [...await readFile(join(DIST, 'weights/tutorial.bpk'))];
  await p.evaluate((weights) => new Promise((resolve, reject) => {
    indexedDB.open('mnist-lab').onsuccess = (e) => {
      const tx = e.target.result.transaction('models', 'readwrite');
      const record = (name, starred) => ({ name, preset: 'tutorial', origin: 'run', accuracy: 0.9, date: '', bytes: new Uint8Array(weights), auto: true, starred });
      tx.objectStore('models').put(record('starred run', true));
      for (let i = 0; i < 20; i++) tx.objectStore('models').put(record(`run ${i}`, false));
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    };
  }), weights);
  await p.reload();
  await p.getByTestId('saved-model').nth(20).waitFor({ timeout: 30_000 });
  await dataReady(p);
  await p.getByTestId('start').click();
  const notice = p.getByTestId('models-pruned');
  await notice.waitFor({ timeout: 120_000 });
  assert.match(await notice.textContent(), /The oldest finished run was deleted: runs are saved by themselves up to the 20 latest/);
  const names = await p.getByTestId('saved-model').locator('.name').allTextContents();
  assert.equal(names.length, 21);
  assert.ok(names.includes('starred run') && !names.includes('run 0') && names.includes('run 1'), names.join(' | '));
  // Starring is a toggle the list shows.
  const first = p.getByTestId('saved-model').first();
  assert.equal(await first.getByTestId('star-model').getAttribute('aria-pressed'), 'false');
  await first.getByTestId('star-model').click();
  await p.getByTestId('saved-model').first().getByTestId('star-model').and(p.locator('[aria-pressed=true]')).waitFor();
  assert.deepEqual(p.errors, []);
  await context.close();
});
