// Watch it learn: a run's timeline replays its snapshots (filters, confusion matrix, the map of
// what the network sees), the map opens its digits in the drawing box, a feature-map pixel
// shows the arithmetic that made it (recomputed here from the numbers and the input shown),
// "fool it" turns a drawn 7 into another digit, and a saved run keeps its timeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serve, browser, page, shot, dataReady, OUT } from '../harness.js';
import { pretrainedReady, stroke, prediction } from '../drawing.js';

let server, chrome, context;
before(async () => { server = await serve(); chrome = await browser(); context = await chrome.newContext({ viewport: { width: 1280, height: 900 } }); });
after(async () => { await chrome?.close(); await server?.close(); });

/** Shows moment `i` with the scrubber and waits for its map to be laid out; what it shows. */
async function moment(p, i) {
  await p.getByTestId('scrubber').fill(String(i));
  await p.waitForFunction(() => Number(document.querySelector('[data-testid=map-agreement]')?.dataset.share) > 0,
    null, { timeout: 120_000 });
  await p.getByTestId('moment-confusion').waitFor();
  await p.waitForTimeout(300); // the drawing box's model and filters follow the moment
  return p.evaluate(() => ({
    moment: document.querySelector('[data-testid=moment]').textContent,
    share: Number(document.querySelector('[data-testid=map-agreement]').dataset.share),
    accuracy: Number(document.querySelector('[data-testid=moment-accuracy]').dataset.share),
    confusion: document.querySelector('[data-testid=moment-confusion]').textContent,
    map: document.querySelector('[data-testid=map]').toDataURL(),
    filters: [...document.querySelectorAll('[data-testid=filters] canvas')].map((c) => c.toDataURL()).join(),
    layers: document.querySelector('[data-testid=layers]').textContent,
  }));
}

/** A 7 in two strokes. */
async function seven(p) {
  await stroke(p, [[0.55, 0.1], [0.35, 0.9]]);
  await stroke(p, [[0.15, 0.1], [0.56, 0.1]]);
}

test('after a 2-epoch run the scrubber replays its snapshots; the map opens digits; a saved run keeps its timeline', async () => {
  const p = await page(context, `${server.url}?backend=cpu&epochs=2&train=1500&test=500`);
  await dataReady(p);
  await p.getByTestId('timeline-hint').waitFor();
  // Every main-thread task from here on: training, the snapshots' maps arriving, scrubbing.
  await p.evaluate(() => {
    window.longest = 0;
    new PerformanceObserver((list) => list.getEntries().forEach((e) => { window.longest = Math.max(window.longest, e.duration); }))
      .observe({ type: 'longtask', buffered: false });
  });
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished 2 epoch' }).waitFor({ timeout: 180_000 });
  // 25 steps an epoch: the start, steps 2, 3, 6 and 12, and the two epochs' ends.
  await p.waitForFunction(() => document.querySelector('[data-testid=scrubber]')?.max === '6');
  const last = await moment(p, 6);
  const first = await moment(p, 0);
  const longest = await p.evaluate(() => window.longest);
  console.log(`the map's digits read right: start ${first.accuracy}, after 2 epochs ${last.accuracy}; map agreement: start ${first.share.toFixed(3)}, after 2 epochs ${last.share.toFixed(3)}; longest main-thread task ${longest.toFixed(0)} ms`);
  assert.match(first.moment, /start/);
  assert.match(last.moment, /after epoch 2/);
  assert.notEqual(first.filters, last.filters, 'the filters follow the scrubber');
  assert.notEqual(first.confusion, last.confusion, 'the confusion matrix follows the scrubber');
  assert.notEqual(first.map, last.map, 'the map follows the scrubber');
  assert.notEqual(first.layers, last.layers, 'the histograms follow the scrubber');
  assert.ok(last.accuracy > first.accuracy + 0.3, `the moments read better: ${first.accuracy} → ${last.accuracy}`);
  assert.ok(longest < 100, `a ${longest} ms task held the page's thread`);
  await p.getByTestId('shown-moment').filter({ hasText: 'the start' }).waitFor();
  await shot(p, 'timeline-start');
  // The README's pictures: the timeline at the end and at a moment of the first epoch.
  await moment(p, 6);
  await p.locator('section[aria-labelledby=watch-h]').screenshot({ path: join(OUT, 'timeline-end.png') });
  await moment(p, 2);
  await p.locator('section[aria-labelledby=watch-h]').screenshot({ path: join(OUT, 'timeline-early.png') });

  // Play runs on from the moment shown (the third) to the end.
  await p.getByTestId('play').click();
  await p.getByTestId('moment').filter({ hasText: 'step 6' }).waitFor({ timeout: 10_000 });
  await p.getByTestId('moment').filter({ hasText: 'after epoch 2' }).waitFor({ timeout: 20_000 });
  assert.equal(await p.getByTestId('play').getAttribute('aria-pressed'), 'false');

  // A dot of the map (any pixel painted) opens its digit in the drawing box, read as it is.
  const map = p.getByTestId('map');
  await map.scrollIntoViewIfNeeded();
  const dot = await map.evaluate((c) => {
    const { data, width } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200) return { x: (i / 4) % width / width, y: Math.floor(i / 4 / width) / c.height };
    }
    return null;
  });
  const box = await map.boundingBox();
  await p.mouse.move(box.x + dot.x * box.width + 1, box.y + dot.y * box.height + 1);
  const card = p.getByTestId('map-card');
  await card.waitFor();
  const [index, label] = [await card.getAttribute('data-index'), await card.getAttribute('data-label')];
  const cardPixels = await card.locator('canvas').evaluate((c) => [...c.getContext('2d').getImageData(0, 0, 28, 28).data].join());
  await p.mouse.click(box.x + dot.x * box.width + 1, box.y + dot.y * box.height + 1);
  await p.getByTestId('prediction').filter({ hasText: /^\d$/ }).waitFor();
  const seen = await p.locator('.seen canvas.pixels').first().evaluate((c) => [...c.getContext('2d').getImageData(0, 0, 28, 28).data].join());
  assert.equal(seen, cardPixels, `test digit #${index} (a ${label}) is what the drawing box reads`);
  await p.getByTestId('why').waitFor();
  await shot(p, 'timeline-map-digit');

  // Saved by itself with its timeline: after a reload, loading it brings the moments back.
  await p.getByTestId('saved-model').first().waitFor();
  await p.reload();
  await dataReady(p);
  await p.getByTestId('load-model').first().click();
  await p.waitForFunction(() => document.querySelector('[data-testid=scrubber]')?.max === '6', null, { timeout: 30_000 });
  const reloaded = await moment(p, 6);
  assert.equal(reloaded.confusion, last.confusion, 'the saved moment reads as it did');
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('a feature-map pixel shows its arithmetic, which adds up from the input and the weights', async () => {
  const p = await page(context, server.url);
  await pretrainedReady(p);
  await seven(p);
  assert.equal(await prediction(p, '7'), '7');
  // conv1, map 1: click where the 7's bar is (row 3 of 28, column 12).
  const map = p.getByTestId('map-1-0').locator('canvas');
  const box = await map.boundingBox();
  await map.click({ position: { x: (12.5 / 28) * box.width, y: (4.5 / 28) * box.height } });
  const arithmetic = p.getByTestId('arithmetic');
  await arithmetic.waitFor();
  const seen = await p.locator('.seen canvas.pixels').first().evaluate((c) => [...c.getContext('2d').getImageData(0, 0, 28, 28).data].filter((_, i) => i % 4 === 0));
  const numbers = () => arithmetic.evaluate((a) => ({
    title: a.querySelector('h3').textContent,
    windows: [...a.querySelectorAll('[data-testid=arith-window]')].map((g) => [...g.children].map((c) => Number(c.dataset.value))),
    kernels: [...a.querySelectorAll('[data-testid=arith-kernel]')].map((g) => [...g.children].map((c) => Number(c.dataset.value))),
    products: [...a.querySelectorAll('[data-testid=arith-products]')].map((g) => [...g.children].map((c) => Number(c.dataset.value))),
    sum: { ...a.querySelector('[data-testid=arith-sum]').dataset },
    pool: [...a.querySelectorAll('[data-testid=arith-pool-values] > *')].map((c) => ({ value: Number(c.dataset.value), winner: c.classList.contains('winner'), mine: c.classList.contains('mine') })),
  }));
  const check = (n) => {
    let sum = 0;
    n.windows.forEach((w, c) => w.forEach((x, i) => {
      assert.ok(Math.abs(x * n.kernels[c][i] - n.products[c][i]) < 1e-5, 'each product is window × kernel');
      sum += x * n.kernels[c][i];
    }));
    assert.ok(Math.abs(sum - Number(n.sum.sum)) < 1e-4, `the products add up to ${n.sum.sum}: ${sum}`);
    const before = sum + Number(n.sum.bias);
    assert.ok(Math.abs(before - Number(n.sum.before)) < 1e-4, 'sum + bias');
    assert.ok(Math.abs(Math.max(0, before) - Number(n.sum.value)) < 1e-4, 'ReLU');
    const values = n.pool.map((q) => q.value);
    assert.equal(n.pool.find((q) => q.winner).value, Math.max(...values), 'the pool keeps the largest');
    assert.equal(n.pool.find((q) => q.mine).value, Number(n.sum.value), 'the pixel is in its pool cell');
  };
  const one = await numbers();
  assert.match(one.title, /conv1, map 1, row 5, column 13/);
  assert.equal(one.windows.length, 1);
  // conv1's window is the network's 28×28 input around the pixel, as the page shows it.
  const expected = [];
  for (let r = 3; r <= 5; r++) for (let c = 11; c <= 13; c++) expected.push(seen[r * 28 + c] / 255);
  one.windows[0].forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-6, `window ${i}: ${x} vs ${expected[i]}`));
  check(one);
  await shot(p, 'arithmetic-conv1');
  await arithmetic.screenshot({ path: join(OUT, 'arithmetic-panel.png') });

  // conv2 from the keyboard: Enter on map 4 picks its centre; the arrow keys move the pixel.
  await p.getByTestId('map-2-3').focus();
  await p.keyboard.press('Enter');
  await arithmetic.filter({ hasText: 'conv2, map 4, row 8, column 8' }).waitFor();
  const two = await numbers();
  assert.equal(two.windows.length, 8, 'conv2 reads the 8 pooled maps of conv1');
  check(two);
  await p.keyboard.press('ArrowRight');
  await arithmetic.filter({ hasText: 'row 8, column 9' }).waitFor();
  check(await numbers());
  await p.keyboard.press('Escape');
  await arithmetic.waitFor({ state: 'detached' });
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('"fool it" turns a drawn 7 into the digit chosen, and shows the change', async () => {
  const p = await page(context, server.url);
  await pretrainedReady(p);
  await seven(p);
  assert.equal(await prediction(p, '7'), '7');
  await p.getByTestId('fool').locator('summary').click();
  await p.getByTestId('fool-target').selectOption('3');
  await p.getByTestId('fool-go').click();
  const fooled = p.getByTestId('fooled');
  await fooled.waitFor({ timeout: 60_000 });
  assert.equal(await fooled.getAttribute('data-fooled'), 'true');
  assert.equal(await fooled.getAttribute('data-read'), '3');
  assert.match(await p.getByTestId('fool-sentence').textContent(), /the network reads a 3/);
  const changed = await p.getByTestId('fool-change').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== 128 || d[i + 1] !== 128 || d[i + 2] !== 128) n++;
    return n;
  });
  assert.ok(changed > 0, 'the change is drawn');
  await shot(p, 'fool-7-into-3');
  await p.getByTestId('fool').screenshot({ path: join(OUT, 'fool.png') });
  assert.deepEqual(p.errors, []);
  await p.close();
});
