import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Box } from './scenes.ts';

// Pixel comparison for the golden screenshots: decoded RGBA, a per-channel threshold below
// which a difference does not count (a Chromium update nudging anti-aliasing), and a budget of
// pixels that may differ by more. A failed comparison leaves expected/actual/diff PNGs behind.

export interface RawImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

export interface Tolerance {
  /** A pixel differs when any channel differs by more than this (0–255). */
  readonly channelThreshold: number;
  /** Fraction of the pixels that may differ. */
  readonly maxDifferingFraction: number;
}

/** Chromium moves with Debian's security updates; text edges may shift a little between them. */
export const GOLDEN_TOLERANCE: Tolerance = { channelThreshold: 16, maxDifferingFraction: 0.005 };
/** Two renders of one instant in one browser. */
export const IDENTICAL: Tolerance = { channelThreshold: 0, maxDifferingFraction: 0 };

export async function decodePng(png: Buffer, crop?: Box): Promise<RawImage> {
  let image = sharp(png);
  if (crop) image = image.extract({ left: crop.x, top: crop.y, width: crop.w, height: crop.h });
  const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Lossless, as small as libvips makes it: goldens are committed. */
export function encodePng(image: RawImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png({ compressionLevel: 9, adaptiveFiltering: true, palette: false })
    .toBuffer();
}

export interface Comparison {
  readonly sameSize: boolean;
  /** Pixels with a channel differing by more than the threshold. */
  readonly differing: number;
  /** Pixels differing at all. */
  readonly touched: number;
  readonly total: number;
  readonly maxChannelDelta: number;
  readonly pass: boolean;
  /** Bounding box of the differing pixels, to say where to look. */
  readonly where?: Box;
}

function channelDelta(a: Buffer, b: Buffer, i: number): number {
  return Math.max(Math.abs(a[i]! - b[i]!), Math.abs(a[i + 1]! - b[i + 1]!), Math.abs(a[i + 2]! - b[i + 2]!), Math.abs(a[i + 3]! - b[i + 3]!));
}

export function compareImages(expected: RawImage, actual: RawImage, tolerance: Tolerance): Comparison {
  const total = expected.width * expected.height;
  if (expected.width !== actual.width || expected.height !== actual.height) {
    return { sameSize: false, differing: total, touched: total, total, maxChannelDelta: 255, pass: false };
  }
  let differing = 0;
  let touched = 0;
  let maxChannelDelta = 0;
  let left = Infinity;
  let top = Infinity;
  let right = -1;
  let bottom = -1;
  for (let p = 0; p < total; p += 1) {
    const i = p * 4;
    if (expected.data.readUInt32BE(i) === actual.data.readUInt32BE(i)) continue;
    touched += 1;
    const delta = channelDelta(expected.data, actual.data, i);
    if (delta > maxChannelDelta) maxChannelDelta = delta;
    if (delta <= tolerance.channelThreshold) continue;
    differing += 1;
    const x = p % expected.width;
    const y = (p - x) / expected.width;
    left = Math.min(left, x);
    right = Math.max(right, x);
    top = Math.min(top, y);
    bottom = Math.max(bottom, y);
  }
  const pass = differing <= Math.floor(total * tolerance.maxDifferingFraction);
  return {
    sameSize: true,
    differing,
    touched,
    total,
    maxChannelDelta,
    pass,
    ...(right >= 0 ? { where: { x: left, y: top, w: right - left + 1, h: bottom - top + 1 } } : {}),
  };
}

/**
 * The expected picture dimmed to a quarter in grey, with pixels beyond the threshold in red
 * and pixels that differ within it in yellow: the eye goes straight to what changed.
 */
export function diffImage(expected: RawImage, actual: RawImage, tolerance: Tolerance): RawImage {
  const width = Math.max(expected.width, actual.width);
  const height = Math.max(expected.height, actual.height);
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const o = (y * width + x) * 4;
      const inE = x < expected.width && y < expected.height;
      const inA = x < actual.width && y < actual.height;
      let rgb: [number, number, number];
      if (!inE || !inA) rgb = [255, 0, 255];
      else {
        const ie = (y * expected.width + x) * 4;
        const ia = (y * actual.width + x) * 4;
        const delta = Math.max(
          Math.abs(expected.data[ie]! - actual.data[ia]!),
          Math.abs(expected.data[ie + 1]! - actual.data[ia + 1]!),
          Math.abs(expected.data[ie + 2]! - actual.data[ia + 2]!),
          Math.abs(expected.data[ie + 3]! - actual.data[ia + 3]!),
        );
        if (delta > tolerance.channelThreshold) rgb = [255, 0, 0];
        else if (delta > 0) rgb = [255, 220, 0];
        else {
          const grey = Math.round((0.299 * expected.data[ie]! + 0.587 * expected.data[ie + 1]! + 0.114 * expected.data[ie + 2]!) / 4);
          rgb = [grey, grey, grey];
        }
      }
      data[o] = rgb[0];
      data[o + 1] = rgb[1];
      data[o + 2] = rgb[2];
      data[o + 3] = 255;
    }
  }
  return { data, width, height };
}

/** Writes <name>.expected.png, .actual.png and .diff.png into `dir`; returns the diff's path. */
export async function writeFailureImages(dir: string, name: string, expected: RawImage, actual: RawImage, tolerance: Tolerance): Promise<string> {
  await mkdir(dir, { recursive: true });
  const diffPath = join(dir, `${name}.diff.png`);
  await Promise.all([
    encodePng(expected).then((png) => writeFile(join(dir, `${name}.expected.png`), png)),
    encodePng(actual).then((png) => writeFile(join(dir, `${name}.actual.png`), png)),
    encodePng(diffImage(expected, actual, tolerance)).then((png) => writeFile(diffPath, png)),
  ]);
  return diffPath;
}

export function describeComparison(c: Comparison, tolerance: Tolerance): string {
  if (!c.sameSize) return 'the images differ in size';
  const where = c.where ? ` within x ${c.where.x}–${c.where.x + c.where.w - 1}, y ${c.where.y}–${c.where.y + c.where.h - 1}` : '';
  return `${c.differing} of ${c.total} pixels (${((100 * c.differing) / c.total).toFixed(3)}%, allowed ${(100 * tolerance.maxDifferingFraction).toFixed(3)}%) differ by more than ${tolerance.channelThreshold}/255${where}; ${c.touched} differ at all, by up to ${c.maxChannelDelta}`;
}
