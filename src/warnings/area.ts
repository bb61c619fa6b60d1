import type { CapArea } from './cap.js';
import { distanceM } from '../domain/alerts/index.js';

/**
 * Which townships a warning's area covers. Pure. A township is covered when
 * - a geocode names it: its 9-digit township code (乡镇代码), a 12-digit village code inside
 *   it, or a GB/T 2260 code of its county, prefecture or province (341881, 341800, 340000);
 * - or a polygon or circle contains its command post or one of its stations.
 */
export interface Place {
  lat: number;
  lon: number;
}

export interface TownshipPlace {
  id: string;
  /** 9-digit township code; defaults to the id when the id is one. */
  code?: string;
  commandPost?: Place | null;
  stations?: Place[];
}

export type CoveredBy = 'geocode' | 'polygon' | 'circle';

/** The code prefix a geocode stands for, or null when it is not an administrative code. */
export function adminPrefix(code: string): string | null {
  const c = code.trim();
  if (/^\d{12}$/.test(c)) return c.slice(0, 9); // a village: its township
  if (/^\d{9}$/.test(c)) return c;
  if (!/^\d{6}$/.test(c)) return null;
  if (c.endsWith('0000')) return c.slice(0, 2); // province
  if (c.endsWith('00')) return c.slice(0, 4); // prefecture
  return c; // county-level city, e.g. 宁国市 341881
}

/** Ray casting on [lat, lon] rings (the areas are small: plane geometry is fine). */
export function inPolygon(p: Place, ring: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [yi, xi] = ring[i]!;
    const [yj, xj] = ring[j]!;
    if (yi > p.lat !== yj > p.lat && p.lon < ((xj - xi) * (p.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function inCircle(p: Place, c: { lat: number; lon: number; radiusKm: number }): boolean {
  return distanceM(p, c) <= c.radiusKm * 1000;
}

/** The townships an area covers, each with how (geocode first, then shapes), in the order given. */
export function townshipsInArea(area: CapArea, townships: readonly TownshipPlace[]): Array<{ townshipId: string; by: CoveredBy }> {
  const prefixes = area.geocodes.map((g) => adminPrefix(g.value)).filter((p): p is string => p !== null);
  const out: Array<{ townshipId: string; by: CoveredBy }> = [];
  for (const t of townships) {
    const code = t.code ?? (/^\d{9}$/.test(t.id) ? t.id : null);
    const places = [...(t.commandPost ? [t.commandPost] : []), ...(t.stations ?? [])];
    if (code && prefixes.some((p) => code.startsWith(p))) out.push({ townshipId: t.id, by: 'geocode' });
    else if (area.polygons.some((ring) => places.some((p) => inPolygon(p, ring)))) out.push({ townshipId: t.id, by: 'polygon' });
    else if (area.circles.some((c) => places.some((p) => inCircle(p, c)))) out.push({ townshipId: t.id, by: 'circle' });
  }
  return out;
}

/** Every township any of the areas covers, once. */
export function townshipsCovered(areas: readonly CapArea[], townships: readonly TownshipPlace[]): Array<{ townshipId: string; by: CoveredBy }> {
  const seen = new Map<string, CoveredBy>();
  for (const a of areas) for (const c of townshipsInArea(a, townships)) if (!seen.has(c.townshipId)) seen.set(c.townshipId, c.by);
  return [...seen].map(([townshipId, by]) => ({ townshipId, by }));
}
