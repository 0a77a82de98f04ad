// Drawing on the app's canvas with real pointer strokes, and reading its prediction.
import assert from 'node:assert/strict';

/** Draws a stroke through points given in 0..1 canvas coordinates. */
export async function stroke(p, points) {
  const box = await p.getByTestId('draw-canvas').boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await p.mouse.move(...at(points[0]));
  await p.mouse.down();
  for (const point of points.slice(1)) await p.mouse.move(...at(point), { steps: 6 });
  await p.mouse.up();
}

/** 33 points round an ellipse, starting and ending at its top. */
export const ellipse = (cx, cy, rx, ry) => Array.from({ length: 33 }, (_, i) => [cx + rx * Math.sin(i / 32 * 2 * Math.PI), cy - ry * Math.cos(i / 32 * 2 * Math.PI)]);

/** The predicted digit, once it reads `expected` or after 10 s, whichever is first. */
export async function prediction(p, expected) {
  await p.waitForFunction((want) => document.querySelector('[data-testid=prediction]')?.textContent === want, expected, { timeout: 10_000 })
    .catch(() => {});
  return p.getByTestId('prediction').textContent();
}

/** Waits for the shipped pretrained weights (named `word` in the page's language) and the
 * filter view drawn from them. */
export async function pretrainedReady(p, word = 'pretrained') {
  await p.getByTestId('weights-info').filter({ hasText: word }).waitFor({ timeout: 120_000 });
  await p.getByTestId('filters').locator('canvas').first().waitFor();
}

/** Once the pretrained weights are in, draws a 0, checks it reads 0, and returns the text of
 * the probability bars (to compare against after something that must not change them). */
export async function zeroDrawn(p) {
  await pretrainedReady(p);
  await stroke(p, ellipse(0.5, 0.5, 0.2, 0.3));
  assert.equal(await prediction(p, '0'), '0');
  return p.getByTestId('probabilities').textContent();
}

/** A PNG of `digit` typeset on a wide card (ink and paper colours as CSS), made by the browser
 * itself, for "Open an image…". */
export async function picture(p, digit, ink, paper) {
  const base64 = await p.evaluate(([digit, ink, paper]) => {
    const c = document.createElement('canvas');
    c.width = 240; c.height = 140;
    const ctx = c.getContext('2d');
    ctx.fillStyle = paper; ctx.fillRect(0, 0, 240, 140);
    ctx.fillStyle = ink; ctx.font = 'bold 110px sans-serif'; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
    ctx.fillText(digit, 120, 75);
    return c.toDataURL('image/png').split(',')[1];
  }, [digit, ink, paper]);
  return { name: `${digit}.png`, mimeType: 'image/png', buffer: Buffer.from(base64, 'base64') };
}
