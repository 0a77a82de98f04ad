// Accessibility, checked in the real page by axe-core (pinned in package.json): no serious or
// critical violation in four states — the default view with a digit drawn (a feature-map
// pixel's arithmetic open, the drawing fooled), after short CPU training runs (two, saved and
// compared, the timeline at its start), with the evaluation open (a confusion-matrix
// cell's test images and My digits evaluated too), and with the network editor, the PyTorch
// view and a share link — each in the light and the dark colour scheme
// (contrast) and 320 px wide, where the page must not scroll sideways (WCAG 1.4.10 reflow).
// And with reduced motion asked for, nothing moves by itself: no animation or transition on any
// element, the loading spinner included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { serve, browser, page, dataReady } from '../harness.js';
import { pretrainedReady, stroke, ellipse, prediction } from '../drawing.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
// A short run: 5 steps of 60 images, then 100 test images.
const SHORT_RUN = '?backend=cpu&epochs=1&train=300&test=100';
const WIDE = { width: 1280, height: 720 };
const NARROW = { width: 320, height: 720 };

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

/** axe's violations on the whole page as it is now (axe is evaluated on first use: the page's
 *  content security policy refuses an added inline script, as it should). */
async function axe(p) {
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(readFileSync(AXE, 'utf8'));
  return p.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .map(({ id, impact, help, helpUrl, nodes }) => ({
      id, impact, help, helpUrl,
      nodes: nodes.map((n) => ({ target: n.target.join(' '), why: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim() })),
    })));
}

const explain = (violations) => violations.map((v) => `${v.id} [${v.impact}] ${v.help} (${v.helpUrl})\n`
  + v.nodes.map((n) => `    ${n.target} — ${n.why}`).join('\n')).join('\n');

/** Fails on serious or critical violations, listing every one; milder ones are printed. */
async function noSerious(p, where) {
  const violations = await axe(p);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const mild = violations.filter((v) => !serious.includes(v));
  if (mild.length) console.log(`axe, ${where}, minor or moderate:\n${explain(mild)}`);
  assert.equal(serious.length, 0, `axe, ${where}: ${serious.length} serious or critical violation(s)\n${explain(serious)}`);
}

/** The page as it is now, in both colour schemes and narrow, each a subtest of `t`. */
async function check(t, p, state) {
  for (const colorScheme of ['light', 'dark']) {
    await t.test(`${state} · ${colorScheme}`, async () => {
      await p.emulateMedia({ colorScheme });
      try {
        await noSerious(p, `${state}, ${colorScheme}`);
      } finally {
        await p.emulateMedia({ colorScheme: 'light' });
      }
    });
  }
  await t.test(`${state} · 320 px wide`, async () => {
    await p.setViewportSize(NARROW);
    try {
      const { content, viewport } = await p.evaluate(() => ({
        content: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,
      }));
      assert.ok(content <= viewport, `${state}: ${content} px of content in a ${viewport} px viewport scrolls sideways`);
      // Nor is a button's text cut or run into its neighbours' (a confusion-matrix count, say).
      const overflowing = await p.evaluate(() => [...document.querySelectorAll('button')]
        .filter((b) => b.checkVisibility() && b.scrollWidth > b.clientWidth + 1)
        .map((b) => `${b.dataset.testid ?? b.textContent}: ${b.scrollWidth} px of text in ${b.clientWidth} px`));
      assert.deepEqual(overflowing, [], `${state}: buttons too narrow for their text at 320 px`);
      await noSerious(p, `${state}, 320 px wide`);
    } finally {
      await p.setViewportSize(WIDE);
    }
  });
}

test('axe finds no serious or critical violation: a digit drawn, after training, with the evaluation open', async (t) => {
  const context = await chrome.newContext({ viewport: WIDE });
  const p = await page(context, `${server.url}${SHORT_RUN}`);

  // (a) The default view: the pretrained weights read a drawn 0, the why map beside it.
  await pretrainedReady(p);
  await dataReady(p);
  await stroke(p, ellipse(0.5, 0.5, 0.2, 0.3));
  assert.equal(await prediction(p, '0'), '0');
  await p.getByTestId('why').waitFor();
  // One feature-map pixel's arithmetic open, and the drawing fooled into a 3.
  await p.getByTestId('map-2-0').click();
  await p.getByTestId('arithmetic').waitFor();
  await p.getByTestId('fool').locator('summary').click();
  await p.getByTestId('fool-target').selectOption('3');
  await p.getByTestId('fool-go').click();
  await p.getByTestId('fooled').waitFor({ timeout: 60_000 });
  await check(t, p, 'a digit drawn');

  // (b) Two short runs, both saved, compared; the drawing kept in My digits first.
  await p.getByTestId('keep-0').click();
  await p.getByTestId('digits-message').filter({ hasText: 'Added as a 0' }).waitFor();
  for (const n of [1, 2]) {
    await p.getByTestId('start').click();
    await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 60_000 });
    await p.getByTestId('saved-model').nth(n - 1).waitFor();
  }
  for (const box of await p.getByTestId('compare-model').all()) await box.check();
  await p.getByTestId('comparison').waitFor();
  // The run's timeline (studied once on screen), its map laid out, a moment before the end chosen.
  await p.locator('section[aria-labelledby=watch-h]').scrollIntoViewIfNeeded();
  await p.waitForFunction(() => Number(document.querySelector('[data-testid=map-agreement]')?.dataset.share) > 0, null, { timeout: 120_000 });
  await p.getByTestId('scrubber').fill('0');
  await p.getByTestId('shown-moment').waitFor();
  await check(t, p, 'after training');

  // (c) The evaluation on the whole test set, a confusion-matrix cell opened, My digits
  // evaluated, a saved model being renamed.
  await p.getByTestId('evaluate').click();
  await p.locator('p.accuracy', { hasText: 'on 10000 images' }).waitFor({ timeout: 60_000 });
  await p.locator('[data-testid=confusion] td.off button:enabled').first().click();
  await p.getByTestId('cell-gallery').locator('figure').first().waitFor();
  await p.getByTestId('evaluate-digits').click();
  await p.getByTestId('digits-confusion').waitFor({ timeout: 60_000 });
  await p.getByTestId('rename-model').first().click();
  await p.getByTestId('rename-input').waitFor();
  await check(t, p, 'evaluation open');

  // (d) A network of one's own in the editor, the PyTorch view open, a share link made.
  await p.getByTestId('preset').selectOption('custom');
  await p.getByTestId('block1-bn').check();
  await p.getByTestId('add-hidden').click();
  await p.getByTestId('pytorch').locator('summary').click();
  await p.getByTestId('copy-link').click();
  await p.getByTestId('share-url').waitFor();
  await check(t, p, 'network editor open');

  assert.deepEqual(p.errors, []);
  await context.close();
});

/** Every element (and ::before, ::after) that animates or transitions, and each running
 * animation the document has. */
const moving = (p) => p.evaluate(() => {
  const seconds = (list) => list.split(',').map((d) => parseFloat(d) / (d.trim().endsWith('ms') ? 1000 : 1));
  const found = [];
  for (const e of document.querySelectorAll('*')) {
    for (const pseudo of [null, '::before', '::after']) {
      const s = getComputedStyle(e, pseudo);
      const name = `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : ''}${pseudo ?? ''}`;
      if (seconds(s.transitionDuration).some((d) => d > 0)) found.push(`${name}: transition ${s.transitionProperty} ${s.transitionDuration}`);
      if (s.animationName !== 'none' && seconds(s.animationDuration).some((d) => d > 0)) found.push(`${name}: animation ${s.animationName} ${s.animationDuration}`);
    }
  }
  for (const a of document.getAnimations()) found.push(`running: ${a.constructor.name} ${a.animationName ?? a.transitionProperty ?? ''}`);
  return found;
});

test('with reduced motion asked for, nothing animates or transitions, the loading spinner included', async () => {
  const context = await chrome.newContext({ viewport: WIDE, reducedMotion: 'reduce' });

  // The loading screen, held there: the app's module never arrives.
  const loading = await page(context);
  await loading.route(/\/app-[^/]*\.js$/, () => {});
  await loading.goto(server.url, { waitUntil: 'commit' });
  const spinner = loading.locator('#loading .spinner');
  await spinner.waitFor();
  assert.deepEqual(await moving(loading), []);
  await loading.emulateMedia({ reducedMotion: 'no-preference' });
  assert.ok((await moving(loading)).some((m) => m.startsWith('div.spinner: animation spin')), 'without the preference it spins');
  await loading.close();

  // The app after a short run: the progress bars, stats and charts are there.
  const p = await page(context, `${server.url}${SHORT_RUN}`);
  await pretrainedReady(p);
  await dataReady(p);
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Finished 1 epoch' }).waitFor({ timeout: 60_000 });
  assert.deepEqual(await moving(p), []);
  // A bar moving on (a short run reports once, so move it here): it jumps, nothing eases.
  const eased = () => p.getByTestId('epoch-bar').locator('.fill').evaluate((fill) => {
    const was = fill.style.width;
    fill.style.width = '10%';
    getComputedStyle(fill).width; // a style change, as the next report makes
    const running = document.getAnimations().length;
    fill.style.width = was;
    return running;
  });
  assert.equal(await eased(), 0, 'the bar eased to its new width');
  // Without the preference the bars jump too: in training they move ~7 times a second, and easing
  // their width re-laid out the page every frame (style/main.css). The spinner above shows that
  // `moving` sees what moves.
  await p.emulateMedia({ reducedMotion: 'no-preference' });
  assert.deepEqual(await moving(p), []);
  assert.equal(await eased(), 0, 'without the preference the bar eased to its new width');
  assert.deepEqual(p.errors, []);
  await context.close();
});
