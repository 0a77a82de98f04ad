// One's own network: built in the editor (shapes checked as it is edited), trained on the CPU
// and on WebGPU with the path named, and shown as PyTorch code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, dataReady } from '../harness.js';
import { stroke } from '../drawing.js';

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

/** Builds c8bp c16bp c32b f32 from the tutorial's network with the editor's rows. */
async function buildNetwork(p) {
  await p.getByTestId('preset').selectOption('custom');
  await p.getByTestId('block1-bn').check();
  await p.getByTestId('block2-bn').check();
  await p.getByTestId('add-block').click();
  // Typed key by key, as a person does: the field keeps the focus between the keys.
  await p.getByTestId('block3-channels').selectText();
  await p.getByTestId('block3-channels').pressSequentially('24');
  assert.equal(await p.getByTestId('block3-channels').inputValue(), '24');
  await p.keyboard.press('Backspace');
  await p.keyboard.press('Backspace');
  await p.keyboard.type('32');
  await p.getByTestId('block3-bn').check();
  await p.getByTestId('add-hidden').click();
  await p.getByTestId('hidden1-width').fill('32');
  assert.equal(await p.getByTestId('arch-text').inputValue(), 'c8bp c16bp c32b f32');
}

/** Trains one epoch on `backend`; returns the path and the test accuracy the page shows. */
async function trainOneEpoch(p, backend, timeout) {
  await p.getByTestId('backend').selectOption(backend);
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout });
  return {
    path: await p.getByTestId('path').textContent(),
    accuracy: await p.getByTestId('test-accuracy').textContent(),
  };
}

test('a network built in the editor trains on the CPU and on WebGPU, and shows as PyTorch code', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?epochs=1&train=300&test=100&threads=1`);
  await dataReady(p);
  assert.match(await p.getByTestId('network-figures').textContent(), /^9,098 parameters .* On the CPU: our kernels; on WebGPU: our kernels\.$/);
  await buildNetwork(p);
  // conv 72 + bn 16, conv 1,152 + bn 32, conv 4,608 + bn 64, fc 1,568·32 + 32, output 330.
  assert.match(await p.getByTestId('network-figures').textContent(), /^56,482 parameters · [\d,]+ multiply-adds per image · about \d+ MB to train a batch of 60\. On the CPU: burn's autodiff; on WebGPU: burn's autodiff\.$/);
  await p.getByTestId('backend').selectOption('cpu');
  await p.getByTestId('time-steps').click();
  const timed = p.getByTestId('steps-timed').filter({ hasText: 'ms per step' });
  await timed.waitFor({ timeout: 60_000 });
  assert.match(await timed.textContent(), /^\d+ ms per step of 60 on CPU \(wasm\), burn's autodiff$/);
  await shot(p, 'network-editor');

  const cpu = await trainOneEpoch(p, 'cpu', 120_000);
  assert.equal(cpu.path, "Training steps: burn's autodiff");
  assert.match(cpu.accuracy, /\d+\.\d\d%/);
  assert.match(await p.getByTestId('weights-info').textContent(), /c8bp c16bp c32b f32 model, trained 1 epoch/);
  const gpu = await trainOneEpoch(p, 'webgpu', 300_000);
  assert.equal(gpu.path, "Training steps: burn's autodiff");
  assert.match(await p.getByTestId('backend-info').textContent(), /^WebGPU/);
  assert.match(gpu.accuracy, /\d+\.\d\d%/);
  // Timed on the chosen backend: WebGPU, on the GPU module the run fetched.
  await p.getByTestId('time-steps').click();
  await timed.filter({ hasText: 'on WebGPU' }).waitFor({ timeout: 120_000 });
  assert.match(await timed.textContent(), /^\d+ ms per step of 60 on WebGPU, burn's autodiff$/);

  await p.getByTestId('pytorch').locator('summary').click();
  const code = await p.getByTestId('pytorch-code').textContent();
  for (const line of [
    'class CNN(nn.Module):',
    'self.conv3 = nn.Conv2d(in_channels=16, out_channels=32, kernel_size=3, padding=1, bias=False)',
    'self.bn3 = nn.BatchNorm2d(32)',
    'self.fc1 = nn.Linear(32 * 7 * 7, 32)',
    'self.fc2 = nn.Linear(32, num_classes)',
    'EPOCHS, BATCH_SIZE, LEARNING_RATE, SEED = 1, 60, 0.001, 0',
  ]) assert.ok(code.includes(line), `${line} in\n${code}`);
  await shot(p, 'pytorch-view');
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('the tutorial trains on our kernels, and a refused network says why and cannot start', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=300&test=100&threads=1`);
  await dataReady(p);
  const tutorial = await trainOneEpoch(p, 'cpu', 120_000);
  assert.equal(tutorial.path, 'Training steps: our kernels');

  await p.getByTestId('preset').selectOption('custom');
  await p.getByTestId('arch-text').fill('c128 c128 f1024');
  assert.match(await p.getByTestId('arch-error').textContent(), /^training it would take about [\d,]+ MB for a batch of 60, more than the 1,024 MB a browser tab can count on$/);
  assert.equal(await p.getByTestId('start').isDisabled(), true);
  assert.equal(await p.getByTestId('pytorch-invalid').count(), 1);
  await p.getByTestId('arch-text').fill('c8k7');
  assert.equal(await p.getByTestId('arch-error').textContent(), 'a kernel is 3×3 or 5×5, not 7×7');
  await p.getByTestId('arch-text').fill('c8 q');
  assert.match(await p.getByTestId('arch-error').textContent(), /^“q” is not a layer/);
  // The rows follow the text while it parses.
  await p.getByTestId('arch-text').fill('c6k5p c16k5p f120 f84');
  assert.equal(await p.getByTestId('preset').inputValue(), 'lenet');
  assert.equal(await p.getByTestId('arch-error').textContent(), '');
  assert.equal(await p.getByTestId('start').isDisabled(), false);
  await shot(p, 'network-refused');
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('a learning rate changed during a run is marked on the loss chart and kept in the run\'s history', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=600&test=100&threads=1`);
  await dataReady(p);
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 120_000 });
  // Long enough to change the rate during it.
  await p.locator('#train-images').fill('30000');
  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  await p.getByTestId('rate-now').fill('0,0003');
  await p.getByTestId('apply-rate').click();
  const label = p.getByTestId('loss-chart').locator('text.mark-label');
  await label.waitFor({ timeout: 30_000 });
  const step = Number((await label.textContent()).match(/^lr 0\.0003 from step (\d+)$/)[1]);
  assert.ok(step > 0 && step < 500, `marked at step ${step}`);
  assert.match(await p.getByTestId('loss-chart').locator('svg').getAttribute('aria-label'), /lr 0\.0003 from step \d+\.$/);
  await shot(p, 'rate-changed');
  await p.getByTestId('stop').click();
  await p.getByTestId('run-message').filter({ hasText: 'Stopped' }).waitFor({ timeout: 60_000 });
  // A stopped run is saved by itself, as a finished one is.
  const boxes = p.getByTestId('compare-model');
  await p.waitForFunction(() => document.querySelectorAll('[data-testid=compare-model]').length === 2);
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  const table = p.getByTestId('compare-table');
  const rate = table.locator('tbody tr').filter({ has: p.getByRole('rowheader', { name: 'Learning rate', exact: true }) });
  assert.match(await rate.textContent(), new RegExp(`0\\.001, lr 0\\.0003 from step ${step}`));
  assert.deepEqual(p.errors, []);
  await context.close();
});

/** Draws a 7 and returns the ten probabilities the page shows (in percent). */
async function seven(p) {
  await p.getByTestId('filters').locator('canvas').first().waitFor({ timeout: 60_000 });
  await p.getByTestId('draw-canvas').scrollIntoViewIfNeeded();
  await stroke(p, [[0.55, 0.1], [0.35, 0.9]]);
  await stroke(p, [[0.15, 0.1], [0.56, 0.1]]);
  await p.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=prediction]')?.textContent ?? ''));
  // Each stroke is read in turn: the reading of the whole 7 is the one that stays.
  const shown = () => p.getByTestId('probabilities').locator('.value').allTextContents();
  let [before, now] = [[], await shown()];
  while (before.join() !== now.join()) {
    await p.waitForTimeout(700);
    [before, now] = [now, await shown()];
  }
  return now.map((v) => Number(v.replace(/[^\d.]/g, '')));
}

test('a share link opened in a fresh browser reads a drawn 7 as the page that made it; a damaged or oversized one is refused', async () => {
  const maker = await chrome.newContext();
  const a = await page(maker, `${server.url}?backend=cpu&epochs=1&train=3000&test=100&threads=1&arch=c8bp+c16p`);
  await dataReady(a);
  await a.getByTestId('start').click();
  await a.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 120_000 });
  await a.getByTestId('weights-info').filter({ hasText: 'trained 1 epoch' }).waitFor();
  const made = await seven(a);
  await a.getByTestId('copy-link').click();
  await a.getByTestId('share-status').filter({ hasText: 'Copied' }).waitFor();
  const link = await a.getByTestId('share-url').inputValue();
  console.log(`share link: ${link.length} characters for c8bp c16p with its weights`);
  assert.ok(link.includes('#arch=c8bp+c16p&epochs=1&'), link.slice(0, 200));

  const receiver = await chrome.newContext();
  const b = await page(receiver, link);
  await b.getByTestId('weights-info').filter({ hasText: 'from a shared link' }).waitFor({ timeout: 60_000 });
  assert.equal(await b.getByTestId('arch-text').inputValue(), 'c8bp c16p');
  assert.equal(await b.locator('#epochs').inputValue(), '1');
  const read = await seven(b);
  // Float16 weights: each probability within 0.2 percentage points of the maker's.
  read.forEach((v, d) => assert.ok(Math.abs(v - made[d]) <= 0.2, `${d}: ${v}% here, ${made[d]}% where the link was made`));
  await shot(b, 'share-link-opened');

  const weights = link.split('weights=')[1];
  const middle = Math.floor(weights.length / 2);
  const damaged = link.replace(weights, weights.slice(0, middle) + (weights[middle] === 'A' ? 'B' : 'A') + weights.slice(middle + 1));
  for (const [url, why] of [[damaged, /^The link's weights were not used: the link's weights (are damaged|hold)/], [`${server.url}#weights=${'A'.repeat(400_001)}`, /links of more than 400000 are not read/]]) {
    const c = await page(receiver, url);
    await c.getByTestId('run-message').filter({ hasText: why }).waitFor({ timeout: 60_000 });
    await c.getByTestId('weights-info').filter({ hasText: 'pretrained' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(c.errors, []);
    await c.close();
  }
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await maker.close();
  await receiver.close();
});
