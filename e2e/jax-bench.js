// Peer benchmark (not a test): jax-js (npm @jax-js/jax, pinned in package.json) training the
// tutorial's CNN at batch 60 in this Chromium, to print beside `node bench.js`. The whole step
// is one jit; see peers/jax-js-step.html. Usage: node jax-bench.js [devices=webgpu,wasm] [steps=20]
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browser } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const [devices = 'webgpu,wasm', steps = '20'] = process.argv.slice(2);

// The page from peers/, the library from node_modules/: nothing else is served.
const server = createServer(async (req, res) => {
  const path = normalize(new URL(req.url, 'http://x').pathname);
  const file = path.startsWith('/node_modules/@jax-js/') ? join(here, path) : join(here, 'peers', path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': extname(file) === '.html' ? 'text/html' : 'text/javascript' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const chrome = await browser();
console.log(`jax-js 0.1.25, the tutorial's CNN, batch 60, Adam, one jit per step (${steps} timed steps):`);
for (const device of devices.split(',')) {
  const p = await chrome.newPage();
  await p.goto(`http://127.0.0.1:${server.address().port}/jax-js-step.html?device=${device}&steps=${steps}`);
  await p.waitForFunction(() => window.__done, null, { timeout: 600_000 });
  for (const line of await p.evaluate(() => window.__log)) console.log(`  ${line}`);
  await p.close();
}
await chrome.close();
server.close();
