// Drawing digits with real pointer strokes and reading them with the shipped pretrained weights;
// Clear, Undo and Esc; the "why" overlay; a picture opened instead of a drawing; weights
// download/upload round trip; a corrupt upload; touch on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { serve, browser, page, shot } from '../harness.js';
import { stroke, ellipse, prediction, pretrainedReady, zeroDrawn, picture } from '../drawing.js';

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

test('digits drawn off-centre and at different sizes are read correctly; Undo, Clear and Esc work', async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.url);
  await pretrainedReady(p);
  assert.match(await p.getByTestId('prediction').textContent(), /Draw a digit/);

  await stroke(p, [[0.75, 0.1], [0.73, 0.45]]); // a small 1, top right
  assert.equal(await prediction(p, '1'), '1');
  await shot(p, 'draw-1');
  await p.getByTestId('clear').click();
  assert.match(await p.getByTestId('prediction').textContent(), /Draw a digit/);

  await stroke(p, ellipse(0.35, 0.55, 0.14, 0.25)); // a 0, bottom left
  assert.equal(await prediction(p, '0'), '0');
  assert.equal(await p.getByTestId('conv1-maps').locator('canvas').count(), 8);
  assert.equal(await p.getByTestId('conv2-maps').locator('canvas').count(), 16);
  assert.equal(await p.getByTestId('filters').locator('canvas').count(), 8);
  await shot(p, 'draw-0');
  await p.keyboard.press('Escape');
  assert.match(await p.getByTestId('prediction').textContent(), /Draw a digit/);

  // A large 7 in two strokes; Undo takes the bar back off, leaving a 1-like stroke.
  await stroke(p, [[0.55, 0.1], [0.35, 0.9]]);
  await stroke(p, [[0.15, 0.1], [0.56, 0.1]]);
  assert.equal(await prediction(p, '7'), '7');
  await shot(p, 'draw-7');
  await p.getByTestId('undo').click();
  assert.equal(await prediction(p, '1'), '1');
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('"Why this digit?" colours the ink that decided, and follows the drawing', async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.url);
  await pretrainedReady(p);
  assert.equal(await p.getByTestId('why').count(), 0);
  await stroke(p, [[0.55, 0.1], [0.35, 0.9]]);
  assert.equal(await prediction(p, '1'), '1');
  const why = p.getByTestId('why');
  await p.getByTestId('why-legend').filter({ hasText: 'Why 1?' }).waitFor();
  // The map's pixels: orange where ink made it surer, blue where ink argued against.
  const colours = async () => why.evaluate((c) => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data));
  const warm = (px) => px.filter((_, i) => i % 4 === 0 && px[i] > px[i + 2] + 60).length;
  // The map painted (a canvas is blank until its effect runs), and unlike `before`.
  const painted = async (before) => {
    for (let i = 0; i < 50; i++) {
      const px = await colours();
      if (warm(px) > 10 && JSON.stringify(px) !== JSON.stringify(before)) return px;
      await p.waitForTimeout(100);
    }
    assert.fail('the map was not painted anew');
  };
  const one = await painted(null);

  await stroke(p, [[0.15, 0.1], [0.56, 0.1]]); // the bar of a 7
  assert.equal(await prediction(p, '7'), '7');
  await p.getByTestId('why-legend').filter({ hasText: 'Why 7?' }).waitFor();
  await painted(one);
  await p.getByTestId('why').scrollIntoViewIfNeeded();
  await shot(p, 'why-7');
  await p.keyboard.press('Escape');
  await p.getByTestId('why').waitFor({ state: 'detached' });
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('"Open an image…" reads a picture of a digit, either polarity, any shape; a file that is no image is refused', async () => {
  const context = await chrome.newContext();
  const p = await page(context, server.url);
  await pretrainedReady(p);
  for (const [digit, ink, paper] of [['7', '#222', '#f4f1e8'], ['3', '#fff', '#000']]) {
    await p.getByTestId('open-image').setInputFiles(await picture(p, digit, ink, paper));
    assert.equal(await prediction(p, digit), digit);
    await p.getByTestId('why-legend').filter({ hasText: `Why ${digit}?` }).waitFor();
  }
  await shot(p, 'open-image');
  await p.getByTestId('open-image').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
  await p.getByTestId('image-problem').filter({ hasText: 'cannot open notes.png: it is not a PNG, JPEG, GIF, WebP, BMP or SVG picture' }).waitFor();
  assert.match(await p.getByTestId('prediction').textContent(), /Draw a digit/);
  // Drawing again takes the picture's place and the message away.
  await stroke(p, [[0.5, 0.12], [0.45, 0.88]]);
  assert.equal(await prediction(p, '1'), '1');
  assert.equal(await p.getByTestId('image-problem').count(), 0);
  assert.deepEqual(p.errors, []);
  await context.close();
});

test('download then upload of the weights gives the same reading; a corrupt file is refused', async () => {
  const context = await chrome.newContext({ acceptDownloads: true });
  const p = await page(context, server.url);
  const bars = await zeroDrawn(p);

  const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('download').click()]);
  assert.equal(download.suggestedFilename(), 'mnist-lab-tutorial.bpk');
  const path = await download.path();
  await p.getByTestId('upload').setInputFiles({ name: 'mine.bpk', mimeType: 'application/octet-stream', buffer: await readFile(path) });
  await p.getByTestId('weights-info').filter({ hasText: 'mine.bpk' }).waitFor();
  assert.equal(await p.getByTestId('prediction').textContent(), '0');
  assert.equal(await p.getByTestId('probabilities').textContent(), bars);

  await p.getByTestId('upload').setInputFiles({ name: 'broken.bpk', mimeType: 'application/octet-stream', buffer: Buffer.from('not weights at all') });
  await p.getByTestId('file-message').filter({ hasText: 'broken.bpk cannot be used as weights: not a weights file' }).waitFor();
  assert.match(await p.getByTestId('weights-info').textContent(), /mine\.bpk/);
  assert.equal(await p.getByTestId('probabilities').textContent(), bars);
  await shot(p, 'upload-corrupt');
  await context.close();
});

test('a touch drawing works on a 390×844 phone screen', async () => {
  const context = await chrome.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });
  const p = await page(context, server.url);
  await pretrainedReady(p);
  const box = await p.getByTestId('draw-canvas').boundingBox();
  const cdp = await context.newCDPSession(p);
  const touch = async (type, [x, y]) => cdp.send('Input.dispatchTouchEvent', {
    type, touchPoints: type === 'touchEnd' ? [] : [{ x: box.x + x * box.width, y: box.y + y * box.height }],
  });
  const scrollBefore = await p.evaluate(() => window.scrollY);
  await touch('touchStart', [0.5, 0.12]);
  for (let i = 1; i <= 12; i++) await touch('touchMove', [0.5 - 0.01 * i, 0.12 + 0.065 * i]);
  await touch('touchEnd', [0.38, 0.9]);
  assert.equal(await prediction(p, '1'), '1');
  assert.equal(await p.evaluate(() => window.scrollY), scrollBefore, 'drawing does not scroll the page');
  await shot(p, 'draw-touch-phone');
  assert.deepEqual(p.errors, []);
  await context.close();
});
