// Without a pointer: Tab reaches every step of a run, each focused control shows a focus ring,
// Space starts and pauses, Enter stops; a picture chosen through "Open an image…" (reached by
// Tab; the file dialog is the system's) is labelled by its digit key or cleared by Esc; the
// reading sits in a polite live region for screen readers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, page, dataReady } from '../harness.js';
import { pretrainedReady, prediction, picture } from '../drawing.js';

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

/** Presses Tab until the element with `testId` has the focus; returns how many presses it took. */
async function tabTo(p, testId, most = 120) {
  for (let n = 1; n <= most; n++) {
    await p.keyboard.press('Tab');
    const at = await p.evaluate(() => document.activeElement?.dataset?.testid);
    if (at === testId) return n;
  }
  assert.fail(`Tab never reached ${testId}`);
}

/** The focus ring, as the browser draws it: the focused element's outline, or for a file
 * chooser (an invisible input inside the label drawn as a button) its label's. */
const ring = (p) => p.evaluate(() => {
  const focused = document.activeElement;
  const s = getComputedStyle(focused.type === 'file' ? focused.closest('label') : focused);
  return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
});

test('a run from the keyboard alone: Tab to Start, Space, Space to pause, Enter to stop, with a focus ring all along', async () => {
  const context = await chrome.newContext();
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=60000&test=200`);
  await pretrainedReady(p);
  await dataReady(p);
  assert.equal(await p.getByTestId('prediction').evaluate((e) => e.closest('[aria-live=polite]') !== null), true,
    'the reading is announced politely');
  await p.locator('body').click({ position: { x: 1, y: 1 } });
  const presses = await tabTo(p, 'start');
  assert.ok(presses < 60, `${presses} Tab presses to Start`);
  assert.deepEqual(await ring(p), { style: 'solid', width: 3 });
  await p.keyboard.press('Space');
  await p.getByTestId('progress-line').waitFor({ timeout: 60_000 });
  // Pause is where Start was; focus follows the first control of the run.
  await tabTo(p, 'pause');
  assert.deepEqual(await ring(p), { style: 'solid', width: 3 });
  await p.keyboard.press('Space');
  await p.getByTestId('resume').waitFor();
  await tabTo(p, 'stop');
  await p.keyboard.press('Enter');
  await p.getByTestId('run-message').filter({ hasText: 'Stopped after' }).waitFor({ timeout: 60_000 });
  // The readings below are the pretrained network's: how far the stopped run got depends on
  // this machine's speed.
  await p.getByTestId('reset-pretrained').press('Enter');
  await pretrainedReady(p);

  await p.locator('body').click({ position: { x: 1, y: 1 } });
  await tabTo(p, 'open-image');
  assert.deepEqual(await ring(p), { style: 'solid', width: 3 });
  await p.getByTestId('open-image').setInputFiles(await picture(p, '7', '#111', '#fff'));
  assert.equal(await prediction(p, '7'), '7');
  await p.keyboard.press('7');
  await p.getByTestId('digits-message').filter({ hasText: 'Added as a 7' }).waitFor();
  await p.getByTestId('open-image').setInputFiles(await picture(p, '3', '#fff', '#000'));
  assert.equal(await prediction(p, '3'), '3');
  await p.keyboard.press('Escape');
  assert.match(await p.getByTestId('prediction').textContent(), /Draw a digit/);
  assert.deepEqual(p.errors, []);
  await context.close();
});
