import { describe, expect, it } from 'vitest';
import { intersects, layoutLabels, type MapPoint } from '../src/ui/labels.js';

/** The township map's label layout: no two labels overlap, none covers a circle, all inside the drawing. */
describe('layoutLabels', () => {
  const size = { w: 600, h: 440 };
  const check = (points: MapPoint[]) => {
    const labels = layoutLabels(points, size);
    expect(labels).toHaveLength(points.length);
    for (let i = 0; i < labels.length; i++) {
      const b = labels[i]!.box;
      expect(b.x >= 0 && b.y >= 0 && b.x + b.w <= size.w && b.y + b.h <= size.h, `label ${i} inside`).toBe(true);
      for (let j = i + 1; j < labels.length; j++) expect(intersects(b, labels[j]!.box), `labels ${i} and ${j}`).toBe(false);
      for (const p of points) {
        const cx = Math.max(b.x, Math.min(p.x, b.x + b.w));
        const cy = Math.max(b.y, Math.min(p.y, b.y + b.h));
        expect((cx - p.x) ** 2 + (cy - p.y) ** 2 >= p.r ** 2, `label ${i} over a circle`).toBe(true);
      }
    }
    return labels;
  };

  it('keeps labels of far-apart townships next to their circles', () => {
    const labels = check([
      { x: 100, y: 100, r: 14, text: '港口镇' },
      { x: 400, y: 300, r: 10, text: '青龙乡' },
    ]);
    expect(labels.every((l) => !l.leader)).toBe(true);
    expect(labels[0]!.y).toBeGreaterThan(100); // below its circle
  });

  it('moves the labels of a dense urban cluster apart, with leader lines', () => {
    // Six 街道 within 40 px of each other, as a county seat draws at this scale.
    const names = ['西津街道', '河沥溪街道', '汪溪街道', '南山街道', '港口镇', '梅林镇'];
    const labels = check(names.map((text, i) => ({ x: 300 + (i % 3) * 18, y: 200 + Math.floor(i / 3) * 20, r: 14, text })));
    expect(labels.some((l) => l.leader)).toBe(true);
  });
});
