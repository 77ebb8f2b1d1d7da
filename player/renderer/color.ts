// Scene colours are "#rrggbb" or "#rrggbbaa" (checked by the scene schema); pixi wants the
// RGB part as a number and the alpha apart, so a translucent fill blends instead of being
// drawn opaque.

export interface ParsedColor {
  readonly rgb: number;
  readonly alpha: number;
}

export function parseColor(value: string): ParsedColor {
  const hex = value.startsWith('#') ? value.slice(1) : value;
  const rgb = Number.parseInt(hex.slice(0, 6), 16);
  const alpha = hex.length >= 8 ? Number.parseInt(hex.slice(6, 8), 16) / 255 : 1;
  return { rgb: Number.isNaN(rgb) ? 0 : rgb, alpha: Number.isNaN(alpha) ? 1 : alpha };
}
