// My digits: drawings labelled by click or key are kept in the browser and survive a reload;
// the current weights evaluate on them; they export as gzip'd IDX files that the CLI evaluates
// and that import back; bad files are refused by name; a fine-tune mixes them into MNIST and
// shows before/after on a held-out share and on MNIST; one or all can be deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, browser, page, shot, dataReady, mnistLab } from '../harness.js';
import { stroke, ellipse, prediction, pretrainedReady } from '../drawing.js';

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

// Ten drawings of three digits, each of another shape (a digit only moved in the box is the same
// 28×28 once centred, and a run counts it once), and the label each gets.
const DRAWINGS = [
  ...[-0.05, -0.08, -0.02].map((slant) => ({ label: 1, strokes: [[[0.5, 0.12], [0.5 + slant, 0.88]]] })),
  ...[[0.2, 0.3], [0.18, 0.3], [0.22, 0.3]].map(([rx, ry]) => ({ label: 0, strokes: [ellipse(0.5, 0.5, rx, ry)] })),
  ...[0.35, 0.3, 0.4, 0.33].map((bar) => ({ label: 7, strokes: [[[0.6 - bar, 0.12], [0.6, 0.12], [0.45, 0.88]]] })),
];

test('ten labelled drawings are kept across a reload, evaluated, exported for the CLI and imported back', async () => {
  const context = await chrome.newContext({ acceptDownloads: true });
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=600&test=500&init=current`);
  await pretrainedReady(p);
  assert.match(await p.getByTestId('my-digits-count').textContent(), /No digits yet/);
  assert.equal(await p.getByTestId('mine').isDisabled(), true);
  for (const [i, { label, strokes }] of DRAWINGS.entries()) {
    for (const s of strokes) await stroke(p, s);
    assert.equal(await prediction(p, String(label)), String(label));
    // Half by key, half by click; the box clears for the next one.
    if (i % 2) await p.keyboard.press(String(label));
    else await p.getByTestId(`keep-${label}`).click();
    await p.getByTestId('digits-message').filter({ hasText: `Added as a ${label}: ${i + 1} in My digits` }).waitFor();
    assert.match(await p.getByTestId('prediction').textContent(), /Draw a digit/);
  }
  // A digit key typed into a form field is not a label.
  await stroke(p, [[0.5, 0.12], [0.45, 0.88]]);
  assert.equal(await prediction(p, '1'), '1');
  await p.locator('#seed').click();
  await p.keyboard.press('3');
  await p.waitForTimeout(300);
  assert.match(await p.getByTestId('my-digits-count').textContent(), /^10 digits/);
  assert.equal(await p.getByTestId('prediction').textContent(), '1');

  await p.reload();
  await p.getByTestId('my-digits-count').filter({ hasText: '10 digits' }).waitFor({ timeout: 60_000 });
  for (const [label, n] of [[0, 3], [1, 3], [7, 4]]) {
    assert.equal(await p.getByTestId(`my-digits-${label}`).getByTestId('my-digit').count(), n);
  }
  await pretrainedReady(p);
  await p.getByTestId('evaluate-digits').click();
  await p.getByTestId('digits-accuracy').waitFor({ timeout: 60_000 });
  const accuracy = Number(await p.getByTestId('digits-accuracy').textContent());
  assert.ok(accuracy >= 0.9, `the pretrained weights read ${accuracy} of these clear digits`);
  assert.equal(await p.getByTestId('digits-confusion').locator('tbody tr').count(), 3);
  await p.getByTestId('my-digits-count').scrollIntoViewIfNeeded();
  await shot(p, 'my-digits');

  // Export: two gzip'd IDX files, which the CLI evaluates.
  const dir = await mkdtemp(join(tmpdir(), 'mnist-lab-my-digits-'));
  const downloads = [];
  p.on('download', (d) => downloads.push(d));
  await p.getByTestId('export-digits').click();
  for (let i = 0; i < 50 && downloads.length < 2; i++) await p.waitForTimeout(100);
  const names = downloads.map((d) => d.suggestedFilename()).sort();
  assert.deepEqual(names, ['my-digits-images-idx3-ubyte.gz', 'my-digits-labels-idx1-ubyte.gz']);
  for (const d of downloads) await d.saveAs(join(dir, d.suggestedFilename()));
  const printed = await mnistLab('eval', 'public/weights/tutorial.bpk', '--data', dir, '--misses', '0');
  assert.match(printed, / of 10 correct/, printed);
  assert.match(printed, new RegExp(`Test accuracy: ${accuracy.toFixed(4).replace('.', '\\.')} `), printed);

  // Imported back, they are the same ten: nothing new. A file that is not a digit set is refused
  // by name.
  const files = await Promise.all(names.map(async (name) => ({ name, mimeType: 'application/gzip', buffer: await readFile(join(dir, name)) })));
  await p.getByTestId('import-digits').setInputFiles(files);
  await p.getByTestId('digits-message').filter({ hasText: 'Nothing new: all 10 digits were in My digits already' }).waitFor();
  await p.getByTestId('import-digits').setInputFiles([files[0], { name: 'x-labels-idx1-ubyte.gz', mimeType: 'application/gzip', buffer: Buffer.from('not gzip') }]);
  await p.getByTestId('digits-message').filter({ hasText: 'x-labels-idx1-ubyte.gz' }).waitFor();
  assert.match(await p.getByTestId('my-digits-count').textContent(), /^10 digits/);

  // Fine-tune on MNIST with them mixed in: of each digit, the 2nd is held out (3 of 10), the
  // other 7 repeated 5 times beside 600 MNIST digits (35 of 635: 5.5 %).
  await dataReady(p);
  await p.getByTestId('mine').check();
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 180_000 });
  const tuned = p.getByTestId('fine-tune');
  assert.match(await tuned.textContent(), /7 of your digits trained, each repeated 5× \(5\.5% of every epoch\); 3 held out/);
  for (const row of ['fine-tune-held-out', 'fine-tune-mnist']) {
    assert.match(await p.getByTestId(row).textContent(), /^\d+\.\d% → \d+\.\d%$/, row);
  }
  await tuned.scrollIntoViewIfNeeded();
  await shot(p, 'my-digits-fine-tuned');

  // Delete one, then all (after a second click).
  await p.getByTestId('my-digits-7').getByRole('button', { name: 'Delete this 7' }).first().click();
  await p.getByTestId('my-digits-count').filter({ hasText: '9 digits' }).waitFor();
  await p.getByTestId('clear-digits').click();
  assert.match(await p.getByTestId('my-digits-count').textContent(), /^9 digits/);
  await p.getByTestId('clear-digits-yes').click();
  await p.getByTestId('my-digits-count').filter({ hasText: 'No digits yet' }).waitFor();
  await p.reload();
  await p.getByTestId('my-digits-count').filter({ hasText: 'No digits yet' }).waitFor({ timeout: 60_000 });
  assert.deepEqual(p.errors, []);
  await context.close();
});
