// Browser benchmark (not a test): trains in headless Chromium on the built app and prints each
// epoch's test accuracy and speed. Usage: node bench.js [epochs=10] [backend=cpu|webgpu|auto]
import { serve, browser, page, dataReady, shot } from './harness.js';

const [epochs = '10', backend = 'cpu'] = process.argv.slice(2);
const server = await serve();
const chrome = await browser();
try {
  const p = await page(await chrome.newContext(), `${server.url}?backend=${backend}&epochs=${epochs}`);
  await dataReady(p);
  const started = Date.now();
  await p.getByTestId('start').click();
  let seen = 0;
  while (seen < Number(epochs)) {
    await p.waitForFunction((n) => document.querySelectorAll('.chart .dot.s3').length > n, seen, { timeout: 0, polling: 1000 });
    seen += 1;
    console.log(`epoch ${seen}: test accuracy ${await p.getByTestId('test-accuracy').textContent()}, `
      + `${await p.getByTestId('images-per-sec').textContent()} img/s, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  await p.getByTestId('run-message').filter({ hasText: 'Finished' }).waitFor({ timeout: 0 });
  console.log(await p.getByTestId('backend-info').textContent());
  await shot(p, `bench-${epochs}-epochs-${backend}`);
} finally {
  await chrome.close();
  await server.close();
}
