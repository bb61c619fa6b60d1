/**
 * Label layout for the township map: every label gets a box that overlaps no other label and no
 * township circle, inside the drawing. Labels are placed in order (the caller puts the graver
 * townships first, so they keep the places next to their circles); each tries the spots around
 * its circle, then rings further out, where a leader line ties it to its circle. The dense urban
 * 街道 of a county seat need the rings; the rural townships never do.
 */
export interface MapPoint {
  x: number;
  y: number;
  r: number;
  text: string;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacedLabel {
  /** Anchor of the text (text-anchor middle, dominant-baseline central). */
  x: number;
  y: number;
  box: Box;
  /** True when the label sits away from its circle and needs a leader line. */
  leader: boolean;
}

export function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function hitsCircle(b: Box, p: MapPoint): boolean {
  const cx = Math.max(b.x, Math.min(p.x, b.x + b.w));
  const cy = Math.max(b.y, Math.min(p.y, b.y + b.h));
  // The level ring is drawn as a stroke up to 3 px outside the radius.
  return (cx - p.x) ** 2 + (cy - p.y) ** 2 < (p.r + 4) ** 2;
}

/** Width of a label in px: a CJK character is about one em, Latin about half. */
export function labelWidth(text: string, fontPx: number): number {
  let w = 0;
  for (const ch of text) w += /[\u0000-\u00ff]/.test(ch) ? fontPx * 0.6 : fontPx;
  return Math.ceil(w) + 4;
}

export function layoutLabels(points: readonly MapPoint[], size: { w: number; h: number }, fontPx = 12): PlacedLabel[] {
  const h = fontPx + 4;
  const placed: Box[] = [];
  const out: PlacedLabel[] = [];
  for (const p of points) {
    const w = labelWidth(p.text, fontPx);
    const fits = (b: Box) =>
      b.x >= 0 && b.y >= 0 && b.x + b.w <= size.w && b.y + b.h <= size.h && !placed.some((o) => intersects(o, b)) && !points.some((q) => hitsCircle(b, q));
    const at = (cx: number, cy: number): Box => ({ x: cx - w / 2, y: cy - h / 2, w, h });
    let chosen: { cx: number; cy: number; leader: boolean } | null = null;
    // Next to the circle: below, above, right, left, then the corners.
    const gap = p.r + 5;
    const near: Array<[number, number]> = [
      [0, gap + h / 2],
      [0, -gap - h / 2],
      [gap + w / 2, 0],
      [-gap - w / 2, 0],
      [gap + w / 2 - 4, gap + h / 2 - 4],
      [-gap - w / 2 + 4, gap + h / 2 - 4],
      [gap + w / 2 - 4, -gap - h / 2 + 4],
      [-gap - w / 2 + 4, -gap - h / 2 + 4],
    ];
    for (const [dx, dy] of near) {
      if (fits(at(p.x + dx, p.y + dy))) {
        chosen = { cx: p.x + dx, cy: p.y + dy, leader: false };
        break;
      }
    }
    // Further out on growing rings, 16 directions each.
    for (let ring = 1; !chosen && ring <= 40; ring++) {
      const dist = gap + ring * (h * 0.75);
      for (let k = 0; k < 16 && !chosen; k++) {
        const a = (k / 16) * 2 * Math.PI + Math.PI / 2;
        const cx = p.x + Math.cos(a) * (dist + w / 3);
        const cy = p.y + Math.sin(a) * dist;
        if (fits(at(cx, cy))) chosen = { cx, cy, leader: true };
      }
    }
    // Nowhere free (an impossibly crowded map): keep it below the circle rather than lose it.
    chosen ??= { cx: p.x, cy: p.y + gap + h / 2, leader: false };
    const box = at(chosen.cx, chosen.cy);
    placed.push(box);
    out.push({ x: chosen.cx, y: chosen.cy, box, leader: chosen.leader });
  }
  return out;
}
