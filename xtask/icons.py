#!/usr/bin/env python3
"""Draws the app's icons into public/icons/ (run once; the PNGs are committed): a handwritten 7
in white on the page's accent colour (style/main.css, light theme: --accent #1a73e8).

    python3 xtask/icons.py          # needs Pillow

favicon.svg, favicon-32.png, icon-192.png, icon-512.png (rounded squares), icon-maskable-512.png
and apple-touch-icon.png (full bleed: the platform cuts its own shape; the digit stays inside
the maskable safe zone, the middle 80 %).
"""
from pathlib import Path

from PIL import Image, ImageDraw

ACCENT = (0x1A, 0x73, 0xE8)
INK = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "public" / "icons"

# The 7 as one pen stroke, in 0..1 of the icon: a short lead-in, the bar rising slightly to the
# right, then the stem curving down to the left; a stroke width to match.
STROKE = [(0.30, 0.335), (0.33, 0.29), (0.50, 0.285), (0.70, 0.27), (0.655, 0.37),
          (0.60, 0.48), (0.545, 0.60), (0.50, 0.71), (0.47, 0.79)]
WIDTH = 0.08
RADIUS = 0.22  # corner radius of the rounded square, of the icon's side


def draw(size, full_bleed, scale=1.0):
    """The icon at `size` px; `scale` shrinks the digit about the centre (maskable safe zone)."""
    s = size * 4  # drawn 4x, then downsampled: smooth edges
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if full_bleed:
        d.rectangle([0, 0, s, s], fill=ACCENT)
    else:
        d.rounded_rectangle([0, 0, s - 1, s - 1], radius=RADIUS * s, fill=ACCENT)
    # The pen: a round nib stamped along a Catmull-Rom curve through the points.
    r = WIDTH * s * scale / 2
    for x, y in smooth(STROKE):
        x, y = s * (0.5 + (x - 0.5) * scale), s * (0.5 + (y - 0.53) * scale)
        d.ellipse([x - r, y - r, x + r, y + r], fill=INK)
    return img.resize((size, size), Image.LANCZOS)


def smooth(points, steps=60):
    """Points along a Catmull-Rom spline through `points` (ends repeated)."""
    p = [points[0], *points, points[-1]]
    out = []
    for i in range(1, len(p) - 2):
        for k in range(steps):
            t = k / steps
            out.append(tuple(
                0.5 * (2 * p[i][c] + (p[i + 1][c] - p[i - 1][c]) * t
                       + (2 * p[i - 1][c] - 5 * p[i][c] + 4 * p[i + 1][c] - p[i + 2][c]) * t * t
                       + (3 * p[i][c] - p[i - 1][c] - 3 * p[i + 1][c] + p[i + 2][c]) * t ** 3)
                for c in (0, 1)))
    return out + [points[-1]]


def svg():
    pts = " ".join(f"{x * 100:.1f},{(y - 0.03) * 100:.1f}" for x, y in smooth(STROKE, 4))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" rx="{RADIUS * 100:.0f}" fill="#1a73e8"/>'
        f'<polyline points="{pts}" fill="none" stroke="#fff" stroke-width="{WIDTH * 100:.1f}" '
        'stroke-linecap="round" stroke-linejoin="round"/></svg>\n'
    )


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "favicon.svg").write_text(svg())
    draw(32, False).save(OUT / "favicon-32.png", optimize=True)
    draw(192, False).save(OUT / "icon-192.png", optimize=True)
    draw(512, False).save(OUT / "icon-512.png", optimize=True)
    draw(512, True, scale=0.8).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
