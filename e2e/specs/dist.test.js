// The deployable site (`cargo xtask dist`) as a host serves it: from a folder such as a GitHub
// project page's /mnist-lab/, with the precompressed siblings sent in the originals' place.
// Every URL stays in the folder, the app reads and trains, the siblings hold exactly the
// originals' bytes, the service worker lists exactly the shipped files, and the app is
// installable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { DIST, serve, browser, page, shot, dataReady, serviceWorkerReady } from '../harness.js';
import { zeroDrawn } from '../drawing.js';

let chrome;
before(async () => { chrome = await browser(); });
after(async () => { await chrome?.close(); });

/** Every file under dist/, relative, `/`-separated. */
async function distFiles() {
  return (await readdir(DIST, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(DIST.length + 1).split('\\').join('/'))
    .sort();
}

const COMPRESSIBLE = ['.html', '.js', '.css', '.wasm', '.bpk', '.webmanifest', '.svg', '.json'];
const isSibling = (f) => ['.gz', '.br'].includes(extname(f)) && COMPRESSIBLE.includes(extname(f.slice(0, -3)));

test('served from /mnist-lab/ with precompressed files, every request stays there; it reads a drawing and trains', async (t) => {
  // A host like GitHub Pages' (ETag, 10 minutes fresh) that also sends precompressed siblings.
  const server = await serve({ prefix: '/mnist-lab/', precompressed: true, cacheHeaders: true });
  const context = await chrome.newContext();
  t.after(async () => { await context.close(); await server.close(); });
  // What the page's content security policy refuses, as the page hears it.
  await context.addInitScript(() => {
    window.__refused = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__refused.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const started = Date.now();
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=600&test=100&threads=1`);
  await zeroDrawn(p);
  const read = Date.now() - started;
  assert.match(await dataReady(p), /\(downloaded\)/);
  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  const caches = await serviceWorkerReady(p);
  console.log(`  /mnist-lab/: drawing read ${(read / 1000).toFixed(2)} s, training and the service worker ready ${((Date.now() - started) / 1000).toFixed(2)} s`);
  assert.ok(caches.some((c) => c.startsWith(`mnist-lab-shell ${server.url} `)), `caches: ${caches}`);
  await shot(p, 'sub-path-training');
  // It did all that under its own policy (same origin only, wasm compiled, workers from blob:,
  // its inline scripts by hash), which refused nothing.
  const policy = await p.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(policy, /^default-src 'self'; script-src 'self' 'wasm-unsafe-eval'( 'sha256-[A-Za-z0-9+/=]+'){2}; worker-src 'self' blob:;/);
  assert.deepEqual(await p.evaluate(() => window.__refused), []);

  const outside = server.requests.filter((r) => !r.startsWith('mnist-lab/'));
  assert.deepEqual(outside, [], 'requests outside the folder');
  const failed = server.served.filter((s) => s.status !== 200);
  assert.deepEqual(failed, [], 'requests that failed');
  // What a host with gzip_static/brotli_static sends: the siblings. The page's module is also
  // the CPU training worker: a run on the CPU never fetches the GPU module.
  const wasm = server.served.filter((s) => s.path.endsWith('_bg.wasm'));
  assert.ok(wasm.length > 0 && wasm.every((s) => ['br', 'gzip'].includes(s.encoding)), JSON.stringify(wasm));
  assert.deepEqual(server.served.filter((s) => /worker(_bg\.wasm|\.js)$/.test(s.path)), [], 'the GPU module was fetched');
  // The service worker's precache reuses what the page downloaded (HTTP cache).
  const times = (name) => server.served.filter((s) => s.path === `mnist-lab/${name}` && s.status === 200).length;
  const module = wasm[0].path.slice('mnist-lab/'.length);
  console.log(`  sent as ${[...new Set(server.served.filter((s) => s.encoding).map((s) => s.encoding))].join(', ')}; downloads of ${module}: ${times(module)}, of the weights: ${times('weights/tutorial.bpk')}`);
  assert.ok(server.served.filter((s) => s.path.startsWith('mnist-lab/mnist/')).every((s) => s.encoding === undefined), 'MNIST is sent as it is');

  // The folder without its slash is redirected to it (as GitHub Pages does), and works.
  const bare = await page(context, server.url.slice(0, -1));
  assert.equal(bare.url(), server.url);
  await bare.getByTestId('weights-info').filter({ hasText: 'pretrained' }).waitFor({ timeout: 60_000 });
  assert.deepEqual(p.errors, []);
  assert.deepEqual(bare.errors, []);
});

test('each .gz and .br beside a file holds exactly its bytes; data and pictures have none', async () => {
  const files = await distFiles();
  const originals = files.filter((f) => COMPRESSIBLE.includes(extname(f)));
  assert.ok(originals.includes('worker_bg.wasm') && originals.includes('index.html'), `files: ${files}`);
  const sizes = [];
  for (const name of originals) {
    const bytes = await readFile(join(DIST, name));
    for (const [ext, decode] of [['.gz', gunzipSync], ['.br', brotliDecompressSync]]) {
      assert.ok(files.includes(name + ext), `${name}${ext} is missing`);
      const sibling = await readFile(join(DIST, name + ext));
      assert.ok(sibling.length < bytes.length, `${name}${ext} is not smaller`);
      assert.ok(decode(sibling).equals(bytes), `${name}${ext} does not decompress to ${name}`);
    }
    if (name.endsWith('.wasm')) {
      const size = async (ext) => (await readFile(join(DIST, name + ext))).length;
      sizes.push(`${name} ${bytes.length} B, gzip ${await size('.gz')}, brotli ${await size('.br')}`);
    }
  }
  console.log(`  ${sizes.join('; ')}`);
  const strays = files.filter((f) => ['.gz', '.br'].includes(extname(f)) && !isSibling(f) && !f.startsWith('mnist/'));
  assert.deepEqual(strays, [], 'compressed files that are no sibling');
  assert.ok(!files.some((f) => f.endsWith('.png.gz') || f.endsWith('.png.br') || f.endsWith('.gz.gz') || f.endsWith('.gz.br')));
});

test('the service worker precaches exactly the shipped app shell, each file with its hash', async () => {
  const files = await distFiles();
  const sw = (await readFile(join(DIST, 'sw.js'), 'utf8'));
  const build = sw.match(/^const BUILD = '([0-9a-f]{16})';$/m)?.[1];
  assert.ok(build, 'sw.js has its build filled in');
  const shell = JSON.parse(sw.match(/^const SHELL = (\[[^]*?\n\]);$/m)[1].replaceAll("'", '"').replace(/,\n\]$/, ']'));
  const expected = files.filter((f) => f !== 'sw.js' && !f.startsWith('mnist/') && !isSibling(f));
  assert.deepEqual(shell.map(([path]) => (path === './' ? 'index.html' : path)).sort(), expected);
  for (const [path, integrity] of shell) {
    const bytes = await readFile(join(DIST, path === './' ? 'index.html' : path));
    assert.equal(integrity, `sha256-${createHash('sha256').update(bytes).digest('base64')}`, path);
  }
  for (const f of ['manifest.webmanifest', 'icons/icon-192.png', 'icons/icon-512.png', 'icons/icon-maskable-512.png', 'icons/favicon.svg', 'weights/tutorial.bpk', 'worker.js', 'worker_bg.wasm']) {
    assert.ok(expected.includes(f), `${f} is shipped and in the shell`);
  }
  // The GPU module is cached when a run first uses it, never precached; everything else is.
  const onUse = shell.filter(([, , when]) => when === 'on-use').map(([path]) => path).sort();
  assert.deepEqual(onUse, ['worker.js', 'worker_bg.wasm']);
  // The data cache is the training worker's: the one name, from src/web/worker/dataset.rs.
  const rust = await readFile(new URL('../../src/web/worker/dataset.rs', import.meta.url), 'utf8');
  const name = rust.match(/^pub const DATA_CACHE: &str = "([^"]+)";$/m)[1];
  assert.match(sw, new RegExp(`^const DATA_CACHE = '${name}';$`, 'm'));
});

test('installable: a manifest with icons, no installability errors', async (t) => {
  const server = await serve({ prefix: '/mnist-lab/' });
  const context = await chrome.newContext();
  t.after(async () => { await context.close(); await server.close(); });
  const p = await page(context, server.url);
  await serviceWorkerReady(p);
  const cdp = await context.newCDPSession(p);
  const manifest = await cdp.send('Page.getAppManifest');
  assert.deepEqual(manifest.errors, []);
  assert.equal(manifest.url, `${server.url}manifest.webmanifest`);
  const parsed = JSON.parse(manifest.data);
  assert.equal(parsed.display, 'standalone');
  // Playwright's contexts are incognito windows, where Chromium installs nothing; that aside,
  // nothing stands in the way.
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'), []);
  assert.equal(await p.evaluate(() => document.querySelector('meta[name=theme-color]').content), parsed.theme_color);
  assert.deepEqual(p.errors, []);
});
