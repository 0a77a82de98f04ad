// Shared set-up of the browser tests: a static server for trunk's dist/ on 127.0.0.1, the
// system Chromium with a software WebGPU adapter, and pages that record console errors.
import { execFile } from 'node:child_process';
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
  '.json': 'application/json', '.png': 'image/png',
};

/** A host name the browser resolves to 127.0.0.1: a page there is not a secure context. */
export const INSECURE_HOST = 'mnist-lab.test';

/**
 * Serves dist/ like a plain static host. Hooks: `failMnist` makes MNIST requests fail,
 * `stallMnist` answers them and then sends nothing, `stallWeights` (a count) does that to the
 * next requests for the pretrained weights, `spaFallback` answers unknown paths with
 * index.html (as single-page-app hosts do), `compress` sends each file brotli- or gzip-encoded
 * as the browser accepts (as static hosts and CDNs do; compressed once, then kept). Every
 * request path is kept in `requests`.
 */
export async function serve(hooks = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
    requests.push(path);
    if (hooks.failMnist && path.startsWith('mnist/')) {
      res.writeHead(503).end('unavailable');
      return;
    }
    const stallWeights = hooks.stallWeights > 0 && path === 'weights/tutorial.bpk';
    if (stallWeights) hooks.stallWeights -= 1;
    if (stallWeights || (hooks.stallMnist && path.startsWith('mnist/'))) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(1000)); // then nothing, until the browser gives up
      return;
    }
    const file = async (name) => readFile(join(DIST, name));
    try {
      const name = path || 'index.html';
      const headers = { 'content-type': TYPES[extname(name)] ?? 'text/html' };
      let body = await file(name);
      // .gz files are already compressed: a host sends them as they are.
      const encoding = hooks.compress && extname(name) !== '.gz'
        && ['br', 'gzip'].find((e) => (req.headers['accept-encoding'] ?? '').includes(e));
      if (encoding) {
        body = compressed(name, encoding, body);
        headers['content-encoding'] = encoding;
      }
      headers['content-length'] = body.length;
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      if (hooks.spaFallback) {
        const body = await file('index.html');
        res.writeHead(200, { 'content-type': TYPES['.html'], 'content-length': body.length }).end(body);
      } else {
        res.writeHead(404).end('not found');
      }
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}/`,
    insecureUrl: `http://${INSECURE_HOST}:${port}/`,
    hooks,
    requests,
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
