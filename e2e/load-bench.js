// Load benchmark (not a test): serves dist/ compressed like a static host, throttles the network
// through the DevTools Protocol and prints, for a cold load at each speed, when the page first
// paints, when a digit drawn at once is read, and when MNIST is ready, with the bytes each
// module costs. Usage: node load-bench.js [runs=3]   (MNIST_LAB_DIST=path measures another build)
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { serve, browser, compressed, DIST } from './harness.js';
import { stroke, ellipse } from './drawing.js';

const runs = Number(process.argv[2] ?? 3);
const NETWORKS = [
  { name: '40 Mbit/s', mbit: 40 },
  { name: '10 Mbit/s', mbit: 10 },
];
const RTT_MS = 20;

/** Times (ms since navigation) the page reaches each stage, recorded inside the page. */
function marks() {
  window.__marks = {};
  const mark = (name) => { window.__marks[name] ??= performance.now(); };
  new MutationObserver(() => {
    if (document.querySelector('[data-testid=draw-canvas]')) mark('canvas');
    if (/^\d$/.test(document.querySelector('[data-testid=prediction]')?.textContent ?? '')) mark('read');
    if (document.querySelector('[data-testid=data-status]')?.textContent.includes('MNIST ready')) mark('mnist');
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

async function load(chrome, server, network) {
  const context = await chrome.newContext();
  const p = await context.newPage();
  const cdp = await context.newCDPSession(p);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: RTT_MS,
    downloadThroughput: (network.mbit * 1e6) / 8,
    uploadThroughput: (network.mbit * 1e6) / 8,
  });
  await p.addInitScript(marks);
  await p.goto(server.url, { waitUntil: 'commit' });
  // Draw a 0 as soon as there is somewhere to draw: "read" is when its digit appears.
  await p.getByTestId('draw-canvas').waitFor({ timeout: 120_000 });
  await stroke(p, ellipse(0.5, 0.5, 0.2, 0.3));
  await p.waitForFunction(() => window.__marks.read && window.__marks.mnist, null, { timeout: 300_000, polling: 50 });
  const result = await p.evaluate(() => ({
    ...window.__marks,
    paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
    digit: document.querySelector('[data-testid=prediction]').textContent,
  }));
  await context.close();
  return result;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms) => (ms / 1000).toFixed(2);

// Bytes per module, as served: raw, gzip and brotli.
console.log(`build: ${DIST}`);
console.log('| file | raw | gzip | brotli |\n|---|---:|---:|---:|');
const kb = (n) => `${(n / 1e6).toFixed(2)} MB`;
for (const name of (await readdir(DIST)).filter((f) => /\.(wasm|js)$/.test(f)).sort()) {
  const body = await readFile(join(DIST, name));
  console.log(`| ${name} | ${kb((await stat(join(DIST, name))).size)} | ${kb(compressed(name, 'gzip', body).length)} | ${kb(compressed(name, 'br', body).length)} |`);
}

const server = await serve({ compress: true });
const chrome = await browser();
try {
  console.log(`\n${runs} cold loads per network, ${RTT_MS} ms RTT, median (s since navigation):`);
  console.log('| network | first paint | canvas | drawing read | MNIST ready |\n|---|---:|---:|---:|---:|');
  for (const network of NETWORKS) {
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = await load(chrome, server, network);
      if (r.digit !== '0') throw new Error(`the drawn 0 read as ${r.digit}`);
      results.push(r);
    }
    const m = (key) => secs(median(results.map((r) => r[key])));
    console.log(`| ${network.name} | ${m('paint')} | ${m('canvas')} | ${m('read')} | ${m('mnist')} |`);
  }
} finally {
  await chrome.close();
  await server.close();
}
