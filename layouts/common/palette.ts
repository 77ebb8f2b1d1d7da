// Colours shared by the layouts. The commune boards follow the red-and-gold of state notice
// boards for their frame, with dark ink on a warm paper tone for long reading on LCDs, and
// saturated light-on-black for LED walls (black pixels are off pixels: less glare, less power).

export const PALETTE = {
  headerRed: '#a61b1b',
  headerRedDark: '#7d1010',
  gold: '#ffd54a',
  paper: '#fbf6ea',
  paperEdge: '#efe4cc',
  ink: '#1d2733',
  inkSoft: '#4a5562',
  navy: '#0f3557',
  white: '#ffffff',
  black: '#000000',
  ledYellow: '#ffd400',
  ledWhite: '#ffffff',
  ledGreen: '#38e07b',
  ledRed: '#ff3b30',
} as const;

/** Vietnamese disaster-risk levels (Quyết định 18/2021/QĐ-TTg, Điều 4) and their colours. */
export const RISK_COLOURS: Record<number, { background: string; text: string; name: string }> = {
  1: { background: '#8fd0f2', text: '#0b1b2b', name: 'xanh dương nhạt' },
  2: { background: '#fff07a', text: '#1a1400', name: 'vàng nhạt' },
  3: { background: '#f28c0f', text: '#140a00', name: 'da cam' },
  4: { background: '#d21f1f', text: '#ffffff', name: 'đỏ' },
  5: { background: '#7a1fa2', text: '#ffffff', name: 'tím' },
};

export function riskColour(level: number | undefined): { background: string; text: string } {
  return RISK_COLOURS[Math.min(5, Math.max(1, level ?? 3))]!;
}

const CATEGORY_LABELS: Record<string, string> = {
  'thong-bao': 'THÔNG BÁO',
  'tuyen-truyen': 'TUYÊN TRUYỀN',
  lich: 'LỊCH',
  'canh-bao': 'CẢNH BÁO',
  'y-te': 'Y TẾ',
  'su-kien': 'SỰ KIỆN',
  'phap-luat': 'PHÁP LUẬT',
};

/** Category ids are ASCII; the screen shows their Vietnamese name, or a neutral one. */
export function categoryLabel(category: string): string {
  return CATEGORY_LABELS[category] ?? 'THÔNG TIN';
}

export const CATEGORY_COLOURS: Record<string, string> = {
  'thong-bao': '#0f3557',
  'tuyen-truyen': '#a61b1b',
  lich: '#1b6b3a',
  'canh-bao': '#c2410c',
  'y-te': '#0e7490',
};

export function categoryColour(category: string): string {
  return CATEGORY_COLOURS[category] ?? PALETTE.navy;
}
