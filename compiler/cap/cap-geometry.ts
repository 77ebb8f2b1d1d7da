import type { CapCircle, CapPoint, CapPolygon } from './cap-alert.ts';

// Where a CAP area is, against one site's coordinates (WGS 84, as CAP 1.2 specifies).
// Pure arithmetic. Polygons are tested in plain latitude/longitude, which is what CAP means
// by a polygon of coordinate pairs; areas never cross the antimeridian or a pole in Vietnam,
// so no wrap-around handling is attempted.

/** Mean Earth radius (IUGG), the usual sphere for great-circle distances. */
export const EARTH_RADIUS_KM = 6371.0088;

// A site exactly on an edge is counted inside: a warning drawn along a commune's boundary is
// meant for that commune too, and missing a warning costs more than showing one.
const EDGE_EPSILON_DEG = 1e-9;

function onSegment(p: CapPoint, a: CapPoint, b: CapPoint): boolean {
  const cross = (b.lon - a.lon) * (p.lat - a.lat) - (b.lat - a.lat) * (p.lon - a.lon);
  if (Math.abs(cross) > EDGE_EPSILON_DEG) return false;
  return (
    p.lon >= Math.min(a.lon, b.lon) - EDGE_EPSILON_DEG &&
    p.lon <= Math.max(a.lon, b.lon) + EDGE_EPSILON_DEG &&
    p.lat >= Math.min(a.lat, b.lat) - EDGE_EPSILON_DEG &&
    p.lat <= Math.max(a.lat, b.lat) + EDGE_EPSILON_DEG
  );
}

/**
 * Ray casting: a ray from the point towards increasing longitude crosses the ring's edges an
 * odd number of times when the point is inside. Longitude is x, latitude is y.
 */
export function pointInPolygon(point: CapPoint, polygon: CapPolygon): boolean {
  const ring = polygon.points;
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (onSegment(point, a, b)) return true;
    // Half-open in latitude so that a vertex shared by two edges is counted once.
    if (a.lat > point.lat !== b.lat > point.lat) {
      const crossLon = a.lon + ((point.lat - a.lat) / (b.lat - a.lat)) * (b.lon - a.lon);
      if (point.lon < crossLon) inside = !inside;
    }
  }
  return inside;
}

const toRadians = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance (haversine formula, accurate at commune scale) in kilometres. */
export function greatCircleKm(a: CapPoint, b: CapPoint): number {
  const dLat = toRadians(b.lat - a.lat);
  const dLon = toRadians(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function pointInCircle(point: CapPoint, circle: CapCircle): boolean {
  return greatCircleKm(point, circle.centre) <= circle.radiusKm;
}

/**
 * A CAP geocode covers the site when it equals the site's geocode or is an ancestor of it in
 * a '-'-separated hierarchy: "VN-30" covers "VN-30-IaDrang", but "VN-3" does not cover
 * "VN-30-IaDrang" (the prefix must end at a '-'). Case is ignored because ISO 3166-2 codes are
 * upper case by convention only and senders are not consistent about it.
 */
export function geocodeCovers(capGeocode: string, siteGeocode: string): boolean {
  const code = capGeocode.trim().toUpperCase();
  const site = siteGeocode.trim().toUpperCase();
  if (code === '') return false;
  return site === code || site.startsWith(`${code}-`);
}
