// Shared set-up of the browser tests: a static server for the dist/ of `cargo xtask dist` on
// 127.0.0.1, the system Chromium with a software WebGPU adapter, and pages that record console
// errors.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
// MNIST_LAB_DIST serves another build (e.g. an older one, to compare against).
export const DIST = process.env.MNIST_LAB_DIST ?? join(here, '..', 'dist');
export const OUT = join(here, '..', 'test-output');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.gz': 'application/octet-stream', '.bpk': 'application/octet-stream',
  '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

/** A host name the browser resolves to 127.0.0.1: a page there is not a secure context. */
export const INSECURE_HOST = 'mnist-lab.test';

/**
 * Serves dist/ like a plain static host, at `prefix` (default `/`; e.g. `/mnist-lab/`, as a
 * GitHub project page: the folder without its slash is redirected to it, anything outside it
 * is 404). Hooks: `failMnist` makes MNIST requests fail, `stallMnist` answers them and then
 * sends nothing, `stallWeights` (a count) does that to the next requests for the pretrained
 * weights, `compress` sends each file brotli- or gzip-encoded as the browser accepts (as CDNs do;
 * compressed once, then kept), `precompressed` sends the `.br` or `.gz` sibling that
 * `cargo xtask dist` wrote beside a file instead, as the browser accepts (as nginx's
 * `brotli_static`/`gzip_static` do), `transform(name, bytes)` may answer other bytes for a file
 * (sent unencoded), `cacheHeaders` sends `Cache-Control: max-age=600` and an ETag (as GitHub
 * Pages does) and answers a matching `If-None-Match` with 304, and `down` answers everything
 * with 503. Every request path (without its leading slash, with the prefix) is kept in
 * `requests`, and what was sent in `served`: `{ path, status, encoding }`.
 */
export async function serve(hooks = {}) {
  const requests = [];
  const served = [];
  const prefix = (hooks.prefix ?? '/').replace(/^\/+/, '');
  const server = createServer(async (req, res) => {
    const full = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
    requests.push(full);
    const send = (status, headers, body) => {
      served.push({ path: full, status, encoding: headers['content-encoding'] });
      res.writeHead(status, headers).end(body);
    };
    if (hooks.down) return send(503, {}, 'down');
    if (prefix && `${full}/` === prefix) return send(301, { location: `/${prefix}` }, '');
    if (!full.startsWith(prefix)) return send(404, {}, 'not found');
    const path = full.slice(prefix.length);
    // The failing network is the page's and its workers'. The service worker's precache (its
    // requests name it as their referrer) is answered: these hooks test the app on a first
    // visit, whatever the service worker fetched meanwhile.
    const fromPage = !(req.headers.referer ?? '').endsWith('/sw.js');
    if (fromPage && hooks.failMnist && path.startsWith('mnist/')) return send(503, {}, 'unavailable');
    const stallWeights = fromPage && hooks.stallWeights > 0 && path === 'weights/tutorial.bpk';
    if (stallWeights) hooks.stallWeights -= 1;
    if (stallWeights || (fromPage && hooks.stallMnist && path.startsWith('mnist/'))) {
      served.push({ path: full, status: 200, stalled: true });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(1000)); // then nothing, until the browser gives up
      return;
    }
    const file = async (name) => readFile(join(DIST, name));
    const accepts = (e) => (req.headers['accept-encoding'] ?? '').split(/\s*,\s*/).some((a) => a.split(';')[0] === e);
    try {
      const name = path || 'index.html';
      const headers = { 'content-type': TYPES[extname(name)] ?? 'text/html' };
      const original = await file(name);
      let body = hooks.transform?.(name, original) ?? original;
      if (hooks.cacheHeaders) {
        // As GitHub Pages: fresh for 10 minutes, then revalidated by its ETag.
        const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
        headers.etag = etag;
        headers['cache-control'] = 'max-age=600';
        if (req.headers['if-none-match'] === etag) return send(304, { etag }, '');
      }
      const sibling = { br: 'br', gzip: 'gz' };
      if (body !== original) {
        // Changed bytes: sent as they are.
      } else if (hooks.precompressed) {
        headers.vary = 'accept-encoding';
        for (const encoding of ['br', 'gzip'].filter(accepts)) {
          const bytes = await file(`${name}.${sibling[encoding]}`).catch(() => null);
          if (bytes) {
            body = bytes;
            headers['content-encoding'] = encoding;
            break;
          }
        }
      } else if (hooks.compress && extname(name) !== '.gz') {
        // .gz files are already compressed: a host sends them as they are.
        const encoding = ['br', 'gzip'].find(accepts);
        if (encoding) {
          body = compressed(name, encoding, body);
          headers['content-encoding'] = encoding;
        }
      }
      headers['content-length'] = Buffer.byteLength(body);
      send(200, headers, body);
    } catch {
      send(404, {}, 'not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}/${prefix}`,
    insecureUrl: `http://${INSECURE_HOST}:${port}/${prefix}`,
    hooks,
    requests,
    served,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}

const encoded = new Map();

/** `body` (the file `name`) brotli- or gzip-encoded at the highest level, computed once. */
export function compressed(name, encoding, body) {
  const key = `${encoding}:${name}`;
  if (!encoded.has(key)) {
    encoded.set(key, encoding === 'br'
      ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })
      : gzipSync(body, { level: 9 }));
  }
  return encoded.get(key);
}

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu-sandbox', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=swiftshader', `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`,
    ],
  });
}

/** A page whose console errors and page errors are collected in `page.errors`. */
export async function page(context, url) {
  const p = await context.newPage();
  p.errors = [];
  p.on('console', (m) => { if (m.type() === 'error') p.errors.push(m.text()); });
  p.on('pageerror', (e) => p.errors.push(String(e)));
  if (url) await p.goto(url);
  return p;
}

export async function shot(p, name) {
  await mkdir(OUT, { recursive: true });
  await p.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

/** Waits until the service worker is active (it has precached the app); returns the names of
 * the page's caches. */
export async function serviceWorkerReady(p) {
  return p.evaluate(async () => { await navigator.serviceWorker.ready; return caches.keys(); });
}

/** Waits until the dataset is loaded; returns the status text. */
export async function dataReady(p, timeout = 120_000) {
  await p.getByTestId('data-status').filter({ hasText: 'MNIST ready' }).waitFor({ timeout });
  return p.getByTestId('data-status').textContent();
}

/** The loss shown, as a number. */
export async function loss(p) {
  return Number(await p.getByTestId('loss').textContent());
}

/** Starts recording every text the element with `testId` shows (call before Start); `recorded(p, testId)` returns them. */
export async function recordTexts(p, testId) {
  await p.evaluate((id) => {
    const seen = ((window.__texts ??= {})[id] = []);
    new MutationObserver(() => {
      const text = document.querySelector(`[data-testid=${id}]`)?.textContent;
      if (text && text !== seen.at(-1)) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  }, testId);
}

export async function recorded(p, testId) {
  return p.evaluate((id) => window.__texts[id], testId);
}

/** Starts recording every loss the page shows (call before Start); `losses(p)` returns them. */
export async function recordLosses(p) {
  await recordTexts(p, 'loss');
}

export async function losses(p) {
  return (await recorded(p, 'loss')).map(Number);
}

const ROOT = join(here, '..');
const run = promisify(execFile);

/** What the native `mnist-lab ARGS` prints. `cargo xtask test` has built the release binary
 * before the browser suite; a suite run alone builds it. */
export async function mnistLab(...args) {
  const bin = join(ROOT, 'target/release/mnist-lab');
  if (!existsSync(bin)) await run('cargo', ['build', '--release', '--bin', 'mnist-lab'], { cwd: ROOT, maxBuffer: 1 << 26 });
  return (await run(bin, args, { cwd: ROOT })).stdout;
}
