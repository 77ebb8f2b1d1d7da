import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EARTH_RADIUS_KM, geocodeCovers, greatCircleKm, pointInCircle, pointInPolygon } from '../../compiler/cap/cap-geometry.ts';
import { parseCapDateTime } from '../../compiler/cap/cap-time.ts';
import type { CapPolygon } from '../../compiler/cap/cap-alert.ts';
import { SITE } from './cap-fixtures.ts';

// The arithmetic behind "is this site in the alert's area" and CAP's strict time format.

const site = { lat: SITE.location.lat, lon: SITE.location.lon };
const ring = (pairs: [number, number][]): CapPolygon => ({ points: pairs.map(([lat, lon]) => ({ lat, lon })) });

const GIA_LAI = ring([[13.2, 107.45], [14.6, 107.45], [14.6, 108.95], [13.2, 108.95], [13.2, 107.45]]);
const HA_NOI = ring([[20.55, 105.3], [21.4, 105.3], [21.4, 106.05], [20.55, 106.05], [20.55, 105.3]]);
// An L shape: the square 13–14 × 107–108 with its north-east quarter cut away.
const L_SHAPE = ring([[13, 107], [14, 107], [14, 107.5], [13.5, 107.5], [13.5, 108], [13, 108], [13, 107]]);

test('point in polygon: the sample site is inside Gia Lai and outside Hà Nội', () => {
  assert.equal(pointInPolygon(site, GIA_LAI), true);
  assert.equal(pointInPolygon(site, HA_NOI), false);
  assert.equal(pointInPolygon({ lat: 21.0285, lon: 105.8542 }, HA_NOI), true);
});

test('point in polygon: concave shapes, edges and vertices', () => {
  assert.equal(pointInPolygon({ lat: 13.25, lon: 107.75 }, L_SHAPE), true, 'in the foot of the L');
  assert.equal(pointInPolygon({ lat: 13.75, lon: 107.75 }, L_SHAPE), false, 'in the cut-away notch');
  assert.equal(pointInPolygon({ lat: 13.75, lon: 107.25 }, L_SHAPE), true, 'in the upright of the L');
  assert.equal(pointInPolygon({ lat: 13.5, lon: 107.75 }, L_SHAPE), true, 'on an inner edge counts as inside');
  assert.equal(pointInPolygon({ lat: 14, lon: 107 }, L_SHAPE), true, 'on a vertex counts as inside');
  assert.equal(pointInPolygon({ lat: 14, lon: 106.5 }, L_SHAPE), false, 'level with a vertex, outside');
  assert.equal(pointInPolygon({ lat: 13.5, lon: 106.9 }, L_SHAPE), false, 'level with the notch corner, west of the shape');
});

test('great-circle distance matches the sphere: a degree of meridian and a quarter of the equator', () => {
  const degree = (2 * Math.PI * EARTH_RADIUS_KM) / 360;
  assert.ok(Math.abs(greatCircleKm({ lat: 0, lon: 0 }, { lat: 1, lon: 0 }) - degree) < 1e-6);
  assert.ok(Math.abs(greatCircleKm({ lat: 0, lon: 0 }, { lat: 0, lon: 90 }) - degree * 90) < 1e-6);
  assert.ok(Math.abs(greatCircleKm({ lat: 13.6, lon: 107.9 }, site) - 3.44) < 0.05);
  assert.equal(pointInCircle(site, { centre: { lat: 13.6, lon: 107.9 }, radiusKm: 10 }), true);
  assert.equal(pointInCircle(site, { centre: { lat: 13.6, lon: 107.9 }, radiusKm: 3 }), false);
  assert.equal(pointInCircle(site, { centre: site, radiusKm: 0 }), true);
});

test('geocodes cover the site when equal or a prefix ending at a "-"', () => {
  const code = SITE.location.geocode!;
  assert.equal(code, 'VN-30-IaDrang');
  assert.equal(geocodeCovers('VN-30', code), true);
  assert.equal(geocodeCovers('VN', code), true);
  assert.equal(geocodeCovers('VN-30-IaDrang', code), true);
  assert.equal(geocodeCovers('vn-30', code), true);
  assert.equal(geocodeCovers('VN-3', code), false);
  assert.equal(geocodeCovers('VN-30-Ia', code), false);
  assert.equal(geocodeCovers('VN-29', code), false);
  assert.equal(geocodeCovers('VN-30-IaDrang-Thon5', code), false, 'a finer area than the site does not cover it');
  assert.equal(geocodeCovers('', code), false);
});

test('CAP times need an explicit ±hh:mm offset', () => {
  const ok = parseCapDateTime('2026-11-22T09:30:00+07:00');
  assert.ok(ok.ok);
  assert.equal(ok.time.ms, Date.parse('2026-11-22T02:30:00Z'));
  assert.equal(ok.time.offsetMinutes, 420);
  const utc = parseCapDateTime('2026-11-22T02:30:00-00:00');
  assert.ok(utc.ok && utc.time.ms === ok.time.ms && utc.time.offsetMinutes === 0);
  const leap = parseCapDateTime('2028-02-29T00:00:00+07:00');
  assert.ok(leap.ok);
  for (const [text, why] of [
    ['2026-11-22T09:30:00', /no UTC offset/],
    ['2026-11-22T02:30:00Z', /"-00:00"/],
    ['2026-11-22 09:30:00+07:00', /YYYY-MM-DDThh:mm:ss/],
    ['2026-11-22T09:30:00.5+07:00', /YYYY-MM-DDThh:mm:ss/],
    ['2027-02-29T00:00:00+07:00', /not a real date/],
    ['2026-11-22T24:00:00+07:00', /not a real date/],
    ['2026-11-22T09:30:00+15:00', /impossible UTC offset/],
  ] as const) {
    const result = parseCapDateTime(text);
    assert.ok(!result.ok, text);
    assert.match(result.reason, why);
    assert.ok(result.reason.includes(`"${text}"`));
  }
});
