// Uploading the PyTorch tutorial's own MulticlassCNN.pth: the app reads drawings with it and its
// evaluation gives PyTorch's test accuracy. Files that hold no state_dict are refused by name.
// And back: the weights download as a .pth that the native CLI evaluates to the page's accuracy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, browser, page, shot, dataReady, mnistLab } from '../harness.js';
import { stroke, prediction, pretrainedReady, zeroDrawn } from '../drawing.js';

const fixture = (name) => join(fileURLToPath(new URL('../../tests/fixtures/', import.meta.url)), name);

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

test("the tutorial's PyTorch weights give PyTorch's test accuracy, 0.9876, and read drawings", async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.url);
  await pretrainedReady(p);
  await dataReady(p);
  await p.getByTestId('upload').setInputFiles(fixture('MulticlassCNN.pth'));
  await p.getByTestId('weights-info').filter({ hasText: 'MulticlassCNN.pth' }).waitFor({ timeout: 30_000 });
  assert.match(await p.getByTestId('weights-info').textContent(), /tutorial model/);

  await stroke(p, [[0.3, 0.15], [0.7, 0.15], [0.45, 0.85]]); // a 7
  assert.equal(await prediction(p, '7'), '7');

  await p.getByTestId('evaluate').click();
  await p.getByTestId('eval-accuracy').waitFor({ timeout: 120_000 });
  assert.equal(await p.getByTestId('eval-accuracy').textContent(), '0.9876');
  await shot(p, 'pytorch-upload-evaluated');
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a pickled module or an old-format .pth is refused with what to do, and the weights stay', async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.url);
  const bars = await zeroDrawn(p);

  await p.getByTestId('upload').setInputFiles(fixture('whole-model.pth'));
  const refusal = p.getByTestId('file-message');
  await refusal.filter({ hasText: 'whole-model.pth' }).waitFor({ timeout: 30_000 });
  assert.match(await refusal.textContent(), /pickled `__main__\.MulticlassCNN` object.*model\.state_dict\(\)/);
  // Said beside the upload, where the user is looking, not up in the training panel.
  const [said, upload] = [await refusal.boundingBox(), await p.getByTestId('upload').boundingBox()];
  assert.ok(Math.abs(said.y - upload.y) < 120, `message at y=${said.y}, upload at y=${upload.y}`);
  await refusal.scrollIntoViewIfNeeded();
  await shot(p, 'pytorch-upload-refused');

  await p.getByTestId('upload').setInputFiles(fixture('legacy.pth'));
  await refusal.filter({ hasText: 'legacy.pth' }).waitFor({ timeout: 30_000 });
  assert.match(await refusal.textContent(), /before PyTorch 1\.6/);

  assert.match(await p.getByTestId('weights-info').textContent(), /pretrained/);
  assert.equal(await p.getByTestId('probabilities').textContent(), bars);

  // A good file afterwards loads and takes the refusal away.
  await p.getByTestId('upload').setInputFiles(fixture('checkpoint.pth'));
  await p.getByTestId('weights-info').filter({ hasText: 'checkpoint.pth' }).waitFor({ timeout: 30_000 });
  assert.equal(await refusal.count(), 0);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('the weights download as a PyTorch .pth that the CLI evaluates to the accuracy the page shows', async () => {
  const context = await chrome.newContext({ acceptDownloads: true });
  const p = await page(context, server.url);
  await pretrainedReady(p);
  await dataReady(p);
  await p.getByTestId('evaluate').click();
  await p.getByTestId('eval-accuracy').waitFor({ timeout: 120_000 });
  const accuracy = await p.getByTestId('eval-accuracy').textContent();
  assert.match(accuracy, /^0\.9\d{3}$/);

  const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('download-pth').click()]);
  assert.equal(download.suggestedFilename(), 'mnist-lab-tutorial.pth');
  const path = join(tmpdir(), `mnist-lab-e2e-${process.pid}.pth`);
  await download.saveAs(path);
  const printed = await mnistLab('eval', path, '--misses', '0');
  assert.match(printed, new RegExp(`Test accuracy: ${accuracy.replace('.', '\\.')} \\(`), printed);
  assert.deepEqual(p.errors, []);
  await context.close();
});
