// The page in Russian, the language of the PyTorch tutorial it rebuilds: a browser that prefers
// Russian gets it from the start, with no English word of the catalogue anywhere a user sees or
// hears (through a drawing, a short run and an evaluation), Russian plural forms and number
// formats; the switch in the header changes the language without a reload, and is remembered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, browser, page, shot } from '../harness.js';
import { stroke, ellipse, prediction, pretrainedReady } from '../drawing.js';

const CATALOGUES = join(dirname(fileURLToPath(import.meta.url)), '../../src/web/i18n');

let server, chrome;
before(async () => { server = await serve(); chrome = await browser(); });
after(async () => { await chrome?.close(); await server?.close(); });

/** Message id → its value, from a Fluent file (values may continue on indented lines). */
async function catalogue(lang) {
  const messages = new Map();
  let id = null;
  for (const line of (await readFile(join(CATALOGUES, `${lang}.ftl`), 'utf8')).split('\n')) {
    const start = line.match(/^([a-z][a-z0-9-]*) = ?(.*)$/);
    if (start) messages.set(id = start[1], start[2]);
    else if (id && /^\s/.test(line)) messages.set(id, `${messages.get(id)}\n${line}`);
    else id = null;
  }
  return messages;
}

/** The English words of the catalogue a Russian page must not show: every run of literal text
 * between placeables with at least 6 letters, except where the Russian says the same (names
 * such as WebGPU, MNIST, conv1). */
async function englishWords() {
  const [en, ru] = [await catalogue('en'), await catalogue('ru')];
  const words = new Set();
  for (const [id, value] of en) {
    // Literal text lies between placeables (`{ $n }`, `{ NUMBER(...) }`), select openers
    // (`{ $n ->`), their closing braces and variant keys (`[one]`, `*[other]`).
    for (const piece of value.split(/\{\s*\$[a-z]+\s*->|\{[^{}\n]*\}|\}|\*?\[[a-z0-9]+\]|\n/)) {
      const text = piece.trim().replace(/^[\s:;,.()·—→–-]+|[\s:;,.()·—→–-]+$/g, '');
      const latin = (text.match(/[A-Za-z]/g) ?? []).length;
      // Two words or more, or one long word: short single words also occur in names
      // (file names, model names, code) on a Russian page.
      const telling = /[A-Za-z]+\s+[A-Za-z]+/.test(text) || latin >= 7;
      if (telling && !ru.get(id).includes(text)) words.add(text);
    }
  }
  return [...words];
}

/** What a user sees and a screen reader says: visible text, labels, titles and alt texts. */
const shownText = (p) => p.evaluate(() => [
  document.body.innerText,
  document.title,
  ...[...document.querySelectorAll('[aria-label],[title],[alt]')]
    .flatMap((e) => ['aria-label', 'title', 'alt'].map((a) => e.getAttribute(a) ?? '')),
].join('\n'));

async function noEnglish(p, words, where) {
  const text = await shownText(p);
  const found = words.filter((w) => text.includes(w));
  assert.deepEqual(found, [], `English on the Russian page (${where})`);
}

test('a browser that prefers Russian gets the whole app in Russian; the switch changes it without a reload', async () => {
  const words = await englishWords();
  assert.ok(words.length > 100, `English words to look for: ${words.length}`);
  const context = await chrome.newContext({ locale: 'ru-RU' });
  const p = await page(context, `${server.url}?backend=cpu&epochs=1&train=600&test=500&threads=1`);
  await pretrainedReady(p, 'предобученные');
  assert.equal(await p.locator('html').getAttribute('lang'), 'ru');
  assert.match(await p.title(), /обучите свёрточную сеть/);
  await noEnglish(p, words, 'start');

  // A drawing, read, with the confidence written the Russian way (98,6 %).
  await stroke(p, ellipse(0.5, 0.5, 0.2, 0.3));
  assert.equal(await prediction(p, '0'), '0');
  assert.match(await p.locator('.verdict .note').textContent(), /^уверенность \d+,\d\s%$/);
  await p.getByTestId('why-legend').filter({ hasText: 'Почему 0?' }).waitFor();
  // Plural forms: 1 цифра, 2 цифры, 5 цифр.
  for (const [n, said] of [[1, '1 цифра.'], [2, '2 цифры.'], [5, '5 цифр.']]) {
    for (let have = await p.getByTestId('my-digit').count(); have < n; have++) {
      await stroke(p, ellipse(0.5, 0.5, 0.2, 0.3));
      assert.equal(await prediction(p, '0'), '0');
      await p.keyboard.press('0');
      await p.waitForFunction((k) => document.querySelectorAll('[data-testid=my-digit]').length > k, have);
      assert.match(await p.getByTestId('digits-message').textContent(), /^Добавлена как 0: в «Моих цифрах» \d+ цифр[аы]?\.$/);
    }
    assert.equal(await p.getByTestId('my-digits-count').textContent(), said);
  }

  // A short run and an evaluation.
  await p.getByTestId('data-status').filter({ hasText: 'MNIST готов' }).waitFor({ timeout: 120_000 });
  await p.getByTestId('start').click();
  await p.getByTestId('run-message').filter({ hasText: 'Завершено: 1 эпоха на CPU (wasm).' }).waitFor({ timeout: 120_000 });
  assert.equal(await p.getByTestId('backend-info').textContent(), 'CPU (wasm) · выбран вами');
  assert.match(await p.getByTestId('weights-info').textContent(), /обучены 1 эпоху/);
  await p.getByTestId('evaluate').click();
  const evaluated = p.locator('.evaluation .accuracy').filter({ hasText: 'на 10000 изображениях' });
  await evaluated.waitFor({ timeout: 60_000 });
  // A decimal comma, and the plural form of "errors" for the count.
  assert.match(await evaluated.textContent(), /^Точность на тесте 0,\d{4} на 10000 изображениях · [\d\s]+ ошиб(ка|ки|ок)$/);
  await p.getByTestId('evaluate-digits').click();
  await p.getByTestId('digits-confusion').waitFor({ timeout: 60_000 });
  await noEnglish(p, words, 'after a run and the evaluations');
  await shot(p, 'russian');

  // To English and back, in the same page (nothing reloads: a mark set in it stays).
  await p.evaluate(() => { window.stillHere = true; });
  await p.getByTestId('language').selectOption('en');
  await p.getByRole('heading', { name: 'Draw a digit' }).waitFor();
  assert.equal(await p.locator('html').getAttribute('lang'), 'en');
  // What the worker said is said again in the new language (it sent a message id, not words).
  assert.equal(await p.getByTestId('backend-info').textContent(), 'CPU (wasm) · chosen by you');
  assert.match(await p.getByTestId('data-status').textContent(), /^MNIST ready: 60000 training and 10000 test digits/);
  assert.match(await p.getByTestId('progress-line').textContent(), /^Epoch 1\/1 · 10\/10 ·/);
  assert.match(await p.getByTestId('weights-info').textContent(), /trained 1 epoch/);
  assert.equal(await p.getByTestId('my-digits-count').textContent(), '5 digits.');
  await p.getByTestId('language').selectOption('ru');
  await p.getByRole('heading', { name: 'Нарисуйте цифру' }).waitFor();
  assert.equal(await p.evaluate(() => window.stillHere), true);
  await noEnglish(p, words, 'after switching back');

  // The choice is remembered: English now, even though the browser prefers Russian.
  await p.getByTestId('language').selectOption('en');
  await p.reload();
  await p.getByRole('heading', { name: 'Draw a digit' }).waitFor();
  assert.deepEqual(p.errors, []);
  await context.close();
});
