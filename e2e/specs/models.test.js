// Models kept in the browser: a finished run is saved, survives a reload, and can be loaded,
// renamed and deleted (with Undo); training can start from the current (pretrained) weights;
// saved runs keep their history, and two of them compare on shared charts and a table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, shot, dataReady, loss } from '../harness.js';

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

test('a finished run is saved, listed after reload, and can be loaded, renamed and deleted', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=600&test=200`);
  await dataReady(p);
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 120_000 });
  const saved = p.getByTestId('saved-model');
  await saved.first().waitFor();
  assert.equal(await saved.count(), 1);
  assert.match(await saved.first().textContent(), /tutorial · trained 1 epoch\b/);

  await p.reload();
  await p.getByTestId('weights-info').filter({ hasText: 'pretrained' }).waitFor({ timeout: 60_000 });
  await saved.first().waitFor();
  assert.equal(await saved.count(), 1);
  await p.getByTestId('load-model').click();
  await p.getByTestId('weights-info').filter({ hasText: 'trained 1 epoch' }).waitFor();

  await p.getByTestId('rename-model').click();
  await p.getByTestId('rename-input').fill('my first model');
  await p.getByTestId('rename-save').click();
  await saved.filter({ hasText: 'my first model' }).waitFor();
  await shot(p, 'saved-models');
  await p.reload();
  await saved.filter({ hasText: 'my first model' }).waitFor({ timeout: 60_000 });

  // Delete offers Undo, which brings the model back as it was.
  await p.getByTestId('delete-model').click();
  await p.getByText('No saved models yet').waitFor();
  assert.match(await p.getByTestId('deleted').textContent(), /Deleted “my first model”/);
  await p.getByTestId('undo-delete').click();
  await saved.filter({ hasText: 'my first model' }).waitFor();
  await p.reload();
  await saved.filter({ hasText: 'my first model' }).waitFor({ timeout: 60_000 });
  await p.getByTestId('delete-model').click();
  await p.getByText('No saved models yet').waitFor();
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('fine-tuning starts from the current pretrained weights, not from scratch', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=1200&test=200&init=current`);
  await dataReady(p);
  await p.getByTestId('weights-info').filter({ hasText: 'pretrained' }).waitFor();
  await p.getByTestId('start').click();
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  // A random network starts near ln(10) ≈ 2.3; the pretrained one is already good.
  const first = await loss(p);
  assert.ok(first < 0.3, `first loss ${first}`);
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 120_000 });
  assert.ok(parseFloat(await p.getByTestId('test-accuracy').textContent()) > 95);
  await context.close();
});

test('two saved runs overlay their curves and show their settings side by side, also after a reload', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=cpu&epochs=2&train=600&test=200`);
  await dataReady(p);
  const saved = p.getByTestId('saved-model');
  for (const [lr, n] of [['0.001', 1], ['0.003', 2]]) {
    await p.locator('#lr').fill(lr);
    await p.getByTestId('start').click();
    await p.getByTestId('run-message').filter({ hasText: 'Finished 2 epoch' }).waitFor({ timeout: 180_000 });
    await p.waitForFunction((n) => document.querySelectorAll('[data-testid=saved-model]').length === n, n);
  }
  await p.reload();
  await saved.nth(1).waitFor({ timeout: 60_000 });
  await p.getByText('Tick two or more runs').waitFor();
  const boxes = p.getByTestId('compare-model');
  assert.equal(await boxes.count(), 2);
  await boxes.nth(0).check();
  assert.equal(await p.getByTestId('comparison').count(), 0, 'one run is not a comparison');
  await boxes.nth(1).check();
  await p.getByTestId('comparison').waitFor();
  for (const chart of ['compare-accuracy', 'compare-loss']) {
    const lines = p.getByTestId(chart).locator('path.line');
    assert.equal(await lines.count(), 2, chart);
    // Two epochs: a marker per epoch on each line.
    assert.equal(await p.getByTestId(chart).locator('circle').count(), 4, chart);
  }
  const table = p.getByTestId('compare-table');
  assert.equal(await table.locator('thead th').count(), 3);
  // A row by its header (the runs' names in the header row say "epochs" too).
  const row = (name) => table.locator('tbody tr').filter({ has: p.getByRole('rowheader', { name, exact: true }) });
  const rate = await row('Learning rate').textContent();
  assert.match(rate, /0\.003.*0\.001|0\.001.*0\.003/);
  assert.match(await row('Epochs').textContent(), /2 of 2.*2 of 2/);
  assert.match(await row('Final test accuracy').textContent(), /\d+\.\d\d%.*\d+\.\d\d%/);
  await p.getByTestId('comparison').scrollIntoViewIfNeeded();
  await shot(p, 'compare-runs');
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('runs saved before networks were editable (records and histories naming a preset) still load and compare', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=300&test=100`);
  await dataReady(p);
  for (const n of [1, 2]) {
    await p.getByTestId('start').click();
    await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 60_000 });
    await p.getByTestId('saved-model').nth(n - 1).waitFor();
  }
  // The records as the previous version wrote them: `preset` where there is now `arch`.
  const rewritten = await p.evaluate(() => new Promise((resolve, reject) => {
    indexedDB.open('mnist-lab').onsuccess = (e) => {
      const tx = e.target.result.transaction('models', 'readwrite');
      const store = tx.objectStore('models');
      let count = 0;
      store.openCursor().onsuccess = (c) => {
        const cursor = c.target.result;
        if (!cursor) return;
        const { arch, ...record } = cursor.value;
        const { arch: settingsArch, ...settings } = record.history.settings;
        if (arch !== 'c8p c16p' || settingsArch !== 'c8p c16p') reject(new Error(`stored as ${arch}, ${settingsArch}`));
        cursor.update({ ...record, preset: 'tutorial', history: { ...record.history, settings: { ...settings, preset: 'tutorial' } } });
        count += 1;
        cursor.continue();
      };
      tx.oncomplete = () => resolve(count);
      tx.onerror = () => reject(tx.error);
    };
  }));
  assert.equal(rewritten, 2);
  await p.reload();
  const boxes = p.getByTestId('compare-model');
  await boxes.nth(1).waitFor({ timeout: 60_000 });
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  const table = p.getByTestId('compare-table');
  const row = table.locator('tbody tr').filter({ has: p.getByRole('rowheader', { name: 'Model', exact: true }) });
  assert.match(await row.textContent(), /^Model\s*tutorial\s*tutorial$/);
  await p.getByTestId('load-model').first().click();
  await p.getByTestId('weights-info').filter({ hasText: 'Current weights: tutorial model, tutorial · trained 1 epoch' }).waitFor();
  assert.deepEqual(p.errors, []);
  await context.close();
});
