// The development loop, timed (a benchmark, not a test): with `cargo xtask serve` running,
// changes one line of src/model.rs (the parameter count of a linear layer, which the page shows
// in its model menu), waits until the served page has reloaded and shows the new count, then
// puts the line back and waits again. Prints both times: save → trunk's rebuild of both wasm
// modules → live reload → the new number on screen.
// Usage: node reload-bench.js [url=http://127.0.0.1:8080/]
import { readFile, writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browser, page } from './harness.js';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/';
const model = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'model.rs');
const LINE = 'let linear = |inputs: usize, outputs: usize| inputs * outputs + outputs;';
const CHANGED = 'let linear = |inputs: usize, outputs: usize| inputs * outputs + outputs + 1;';

const source = await readFile(model, 'utf8');
if (!source.includes(LINE)) throw new Error(`src/model.rs no longer has the line ${LINE}`);
const chrome = await browser();
try {
  const p = await page(await chrome.newContext(), url);
  const option = p.locator('[data-testid=preset] option').first();
  const shown = async () => (await option.textContent({ timeout: 600_000 })).trim();
  for (const [from, to, label] of [[LINE, CHANGED, 'changed'], [CHANGED, LINE, 'changed back']]) {
    const before = await shown();
    const started = Date.now();
    await writeFile(model, (await readFile(model, 'utf8')).replace(from, to));
    // trunk reloads the page when its build succeeds; the option then shows another count.
    await p.waitForFunction((text) => {
      const o = document.querySelector('[data-testid=preset] option');
      return o && o.textContent.trim() !== text;
    }, before, { timeout: 600_000, polling: 200 });
    console.log(`${label}: "${before}" → "${await shown()}" on screen ${((Date.now() - started) / 1000).toFixed(1)} s after saving`);
  }
} finally {
  await writeFile(model, source);
  await chrome.close();
}
