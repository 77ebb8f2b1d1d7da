/**
 * Text hygiene for what commune officers type into notices (titles, bodies, captions).
 *
 * A public screen must show exactly the Vietnamese the officer meant, so before any layout
 * work every text field goes through `cleanText`, which
 *   - normalises line endings (\r\n → \n) and Unicode (NFC: TCVN 6909 text is stored and drawn
 *     precomposed; NFD input from macOS or some input methods is legal and simply composed);
 *   - refuses characters that are invisible or dangerous on a screen (control characters,
 *     bidi overrides that can reorder what people read, U+FFFD left by a wrong decoding);
 *   - refuses text typed in the old 8-bit Vietnamese encodings (TCVN3/ABC, VNI, VISCII,
 *     Windows-1258) that still arrives by copy-paste from old Word files, because it would be
 *     drawn as mojibake such as "Th«ng b¸o";
 *   - warns (without refusing) when accent marks are missing altogether or look OCR-mangled.
 *
 * Everything here is pure string work: no locale APIs, no clock, no I/O. Positions in messages are
 * `line:column` of the NFC text (1-based, columns counted in characters), which is what the
 * officer sees in any editor.
 */

export type TextProblemCode =
  | 'TEXT_CONTROL_CHARACTER'
  | 'TEXT_BIDI_CONTROL'
  | 'TEXT_LEGACY_ENCODING'
  | 'TEXT_NO_DIACRITICS'
  | 'TEXT_OCR_SUSPECT'
  | 'TEXT_REPLACEMENT_CHARACTER';

export interface TextProblem {
  severity: 'error' | 'warning';
  code: TextProblemCode;
  /** An English sentence for the officer: what is wrong, where (line:column, quoted), how to fix it. */
  message: string;
}

export interface CleanText {
  /** NFC text with forbidden invisible characters removed and tabs (and, in one-line fields, line breaks) turned into spaces. */
  text: string;
  problems: TextProblem[];
}

// ---------------------------------------------------------------------------------------------
// Thresholds (named so the heuristics can be explained and tuned in one place)
// ---------------------------------------------------------------------------------------------

/**
 * Legacy encodings: a word is *evidence* for an encoding when it is not a Vietnamese syllable as
 * written but becomes one when its Latin-1 characters are read in that encoding. One stray
 * foreign word (a name such as "Müller") must not block a notice, so we want at least this many
 * evidence words …
 */
export const LEGACY_MIN_EVIDENCE_WORDS = 2;
/** … except in very short texts (a title of this many words or fewer), where one is enough. */
export const LEGACY_SHORT_TEXT_WORDS = 3;
/**
 * … and evidence must explain at least this share of the "odd" words (words with Latin-1
 * accented letters or symbols that are not valid Vietnamese as written); otherwise the text is
 * more likely a foreign language than mojibake.
 */
export const LEGACY_MIN_EVIDENCE_SHARE = 0.5;

/** Below this many Vietnamese-looking words a text is too short to judge its accent ratio. */
export const DIACRITIC_CHECK_MIN_WORDS = 6;
/**
 * Written Vietnamese carries a mark (tone, ă/â/ê/ô/ơ/ư or đ) on roughly three syllables in four
 * (the sample notices: 75–90 %). At or below this share the text "has no accents".
 */
export const NO_DIACRITICS_MAX_MARKED_SHARE = 0.1;
/** Between the two shares, marks are present but far too rare: typical of OCR output. */
export const OCR_MAX_MARKED_SHARE = 0.45;
/**
 * Also OCR-like: this share of words that cannot be Vietnamese as written but could be with
 * (other) marks, such as "hoach" (a syllable ending in -ch needs a sắc or nặng tone) or "trien"
 * ("iê" never appears without its circumflex).
 */
export const OCR_MIN_IMPOSSIBLE_SHARE = 0.2;
/** How many offending words a message quotes. */
const MAX_QUOTED_WORDS = 3;

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

export function cleanText(raw: string, options: { multiline: boolean }): CleanText {
  // A leading BOM is an artefact of how a file was saved, never content.
  let source = raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
  source = source.replace(/\r\n/g, '\n').normalize('NFC');
  if (!options.multiline) {
    // YAML block scalars (`title: >`) end with a line break; that is not the officer's text.
    source = source.replace(/^\n+/, '').replace(/\n+$/, '');
  }

  const problems: TextProblem[] = [];
  const { text, invisibleProblems } = removeInvisibles(source, options.multiline);
  problems.push(...invisibleProblems);

  // Both heuristics below look at `source` (before removals) so that positions match the input.
  const legacy = detectLegacyEncoding(source);
  if (legacy !== null) {
    problems.push(legacy);
  } else {
    const accents = checkDiacritics(source);
    if (accents !== null) problems.push(accents);
  }
  return { text, problems };
}

// ---------------------------------------------------------------------------------------------
// Invisible and replacement characters
// ---------------------------------------------------------------------------------------------

const BIDI_NAMES: ReadonlyMap<number, string> = new Map([
  [0x061c, 'ARABIC LETTER MARK'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
]);

const CONTROL_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'NULL'],
  [0x07, 'BELL'],
  [0x08, 'BACKSPACE'],
  [0x09, 'TAB'],
  [0x0a, 'LINE BREAK'],
  [0x0b, 'VERTICAL TAB'],
  [0x0c, 'FORM FEED / PAGE BREAK'],
  [0x0d, 'CARRIAGE RETURN'],
  [0x1b, 'ESCAPE'],
  [0x7f, 'DELETE'],
  [0x85, 'NEXT LINE'],
]);

function isControl(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
}

interface Occurrence {
  code: TextProblemCode;
  severity: 'error' | 'warning';
  cp: number;
  first: number;
  count: number;
}

/**
 * Decision on tabs: a tab has no meaning on a screen (there are no tab stops in a notice) and
 * usually comes from a table copied out of Word, so it becomes one space with a warning rather
 * than blocking the notice. Every other control character is an error and is removed from the
 * returned text, so later stages can keep working and report their own problems in one pass.
 * U+FFFD is an error too but stays in the text: we cannot know what it replaced.
 */
function removeInvisibles(
  source: string,
  multiline: boolean,
): { text: string; invisibleProblems: TextProblem[] } {
  const found = new Map<string, Occurrence>();
  const note = (code: TextProblemCode, severity: 'error' | 'warning', cp: number, index: number) => {
    const key = `${code}:${cp}`;
    const seen = found.get(key);
    if (seen) seen.count += 1;
    else found.set(key, { code, severity, cp, first: index, count: 1 });
  };

  let out = '';
  let index = 0;
  for (const ch of source) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0x0a) {
      if (multiline) out += ch;
      else {
        note('TEXT_CONTROL_CHARACTER', 'warning', cp, index);
        out += ' ';
      }
    } else if (cp === 0x09) {
      note('TEXT_CONTROL_CHARACTER', 'warning', cp, index);
      out += ' ';
    } else if (isControl(cp)) {
      note('TEXT_CONTROL_CHARACTER', 'error', cp, index);
    } else if (BIDI_NAMES.has(cp)) {
      note('TEXT_BIDI_CONTROL', 'error', cp, index);
    } else if (cp === 0xfffd) {
      note('TEXT_REPLACEMENT_CHARACTER', 'error', cp, index);
      out += ch;
    } else {
      out += ch;
    }
    index += ch.length;
  }

  const invisibleProblems = [...found.values()]
    .sort((a, b) => a.first - b.first)
    .map((o) => ({ severity: o.severity, code: o.code, message: invisibleMessage(source, o) }));
  return { text: out, invisibleProblems };
}

function invisibleMessage(source: string, o: Occurrence): string {
  const where = `at ${position(source, o.first)} (in ${quote(snippetAround(source, o.first))})`;
  const times = o.count > 1 ? `${o.count} times, first ${where}` : where;
  if (o.code === 'TEXT_REPLACEMENT_CHARACTER') {
    return (
      `The text contains the replacement character "\uFFFD" ${times}: letters were lost when ` +
      `the file was opened with the wrong encoding. Save the file as UTF-8 and retype the ` +
      `damaged words.`
    );
  }
  if (o.code === 'TEXT_BIDI_CONTROL') {
    return (
      `The text contains the invisible direction control ${cpLabel(o.cp)} ` +
      `(${BIDI_NAMES.get(o.cp) ?? 'direction control'}) ${times}. It can reorder what people ` +
      `read on the screen; delete it (retype the words around it).`
    );
  }
  if (o.cp === 0x09) {
    return (
      `The text contains a tab character ${times}; it was replaced by a space. Use spaces, or ` +
      `a list ("- " at the start of a line) for columns.`
    );
  }
  if (o.cp === 0x0a) {
    return (
      `This one-line field contains a line break ${times}; it was replaced by a space. ` +
      `Write the field on a single line.`
    );
  }
  const name = CONTROL_NAMES.get(o.cp);
  const c1Hint =
    o.cp >= 0x80 && o.cp <= 0x9f
      ? ' Characters like this appear when a Windows-1252 file is read as Latin-1; save the file as UTF-8.'
      : o.cp === 0x0d
        ? ' A lone carriage return comes from old Mac line endings; save the file with normal line endings.'
        : ' It usually comes from copying text out of another program.';
  return (
    `The text contains the invisible control character ${cpLabel(o.cp)}` +
    `${name ? ` (${name})` : ''} ${times}. It was removed; delete it from the file.${c1Hint}`
  );
}

// ---------------------------------------------------------------------------------------------
// Vietnamese syllables
// ---------------------------------------------------------------------------------------------

/*
 * A Vietnamese written syllable is onset + rhyme + one tone mark. The tables below list the
 * onsets and the rhymes of the modern orthography (with vowel modifiers, without tones); they
 * are deliberately lenient about spelling variants (c/k, g/gh, i/y, old and new tone placement
 * "hoà"/"hòa") because we only want to recognise text that cannot be Vietnamese, never to
 * correct spelling.
 */

type Tone = 'ngang' | 'sac' | 'huyen' | 'hoi' | 'nga' | 'nang';

const TONE_OF_MARK: ReadonlyMap<string, Tone> = new Map([
  ['\u0300', 'huyen'],
  ['\u0301', 'sac'],
  ['\u0303', 'nga'],
  ['\u0309', 'hoi'],
  ['\u0323', 'nang'],
]);

const ONSETS = [
  'ngh', 'ch', 'gh', 'gi', 'kh', 'ng', 'nh', 'ph', 'qu', 'th', 'tr',
  'b', 'c', 'd', 'đ', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'x', '',
] as const;

const RHYME_LIST = [
  // a, ă, â
  'a', 'ai', 'ao', 'au', 'ay', 'am', 'an', 'ang', 'anh', 'ap', 'at', 'ac', 'ach',
  'ăm', 'ăn', 'ăng', 'ăp', 'ăt', 'ăc',
  'âm', 'ân', 'âng', 'âp', 'ât', 'âc', 'âu', 'ây',
  // e, ê
  'e', 'em', 'en', 'eng', 'ep', 'et', 'ec', 'eo',
  'ê', 'êm', 'ên', 'ênh', 'êp', 'êt', 'êch', 'êu',
  // i, y, iê/yê, ia
  'i', 'ia', 'im', 'in', 'inh', 'ip', 'it', 'ich', 'iu',
  'iêm', 'iên', 'iêng', 'iêp', 'iêt', 'iêc', 'iêu',
  'y', 'yêm', 'yên', 'yêng', 'yêt', 'yêu',
  // o (and medial o before a, ă, e), ô, ơ
  'o', 'oi', 'om', 'on', 'ong', 'op', 'ot', 'oc', 'oong', 'ooc',
  'oa', 'oai', 'oay', 'oam', 'oan', 'oang', 'oanh', 'oap', 'oat', 'oac', 'oach',
  'oăm', 'oăn', 'oăng', 'oăt', 'oăc',
  'oe', 'oen', 'oeo', 'oet',
  'ô', 'ôi', 'ôm', 'ôn', 'ông', 'ôp', 'ôt', 'ôc',
  'ơ', 'ơi', 'ơm', 'ơn', 'ơp', 'ơt',
  // u (and medial u), uô, ua
  'u', 'ua', 'ui', 'um', 'un', 'ung', 'up', 'ut', 'uc',
  'uân', 'uâng', 'uât', 'uây', 'uê', 'uênh', 'uêch', 'uơ',
  'uy', 'uya', 'uych', 'uynh', 'uyt', 'uyp', 'uyu', 'uyên', 'uyêt',
  'uôi', 'uôm', 'uôn', 'uông', 'uôt', 'uôc',
  // ư, ươ, ưa
  'ư', 'ưa', 'ưi', 'ưu', 'ưm', 'ưn', 'ưng', 'ưt', 'ưc',
  'ươi', 'ươu', 'ươm', 'ươn', 'ương', 'ươp', 'ươt', 'ươc',
] as const;

const RHYMES: ReadonlySet<string> = new Set(RHYME_LIST);
/** After "gi" the i of iê is absorbed: "giếng", "giếc" are gi + êng, gi + êc. */
const GI_ONLY_RHYMES: ReadonlySet<string> = new Set(['êng', 'êc']);
const VOWELS: ReadonlySet<string> = new Set([...'aăâeêioôơuưy']);
const STOP_CODAS = ['ch', 'p', 't', 'c'] as const;

function rhymeAllowed(onset: string, rhyme: string, rhymes: ReadonlySet<string>, giOnly: ReadonlySet<string>): boolean {
  if (onset === 'qu') {
    // The u of "qu" is the medial: "quốc" = qu + ôc, "quyết" = qu + yêt, "quen" = qu + en.
    if (rhyme === '') return false;
    const first = rhyme[0] ?? '';
    return rhymes.has(`u${rhyme}`) || (rhymes.has(rhyme) && !'uưo'.includes(first));
  }
  if (onset === 'gi') return rhymes.has(rhyme) || giOnly.has(rhyme);
  return rhymes.has(rhyme);
}

interface Decomposed {
  /** Lowercase letters with vowel modifiers (ă â ê ô ơ ư đ) but without tone marks. */
  letters: string;
  tone: Tone;
  /** Index in `letters` of the letter carrying the tone mark, -1 for ngang. */
  toneIndex: number;
  toneCount: number;
}

function decompose(word: string): Decomposed {
  let letters = '';
  let tone: Tone = 'ngang';
  let toneIndex = -1;
  let toneCount = 0;
  for (const ch of word.toLowerCase()) {
    let kept = '';
    for (const part of ch.normalize('NFD')) {
      const t = TONE_OF_MARK.get(part);
      if (t === undefined) kept += part;
      else {
        tone = t;
        toneIndex = letters.length;
        toneCount += 1;
      }
    }
    letters += kept.normalize('NFC');
  }
  return { letters, tone, toneIndex, toneCount };
}

/** True when `word` (letters only) is a well-formed Vietnamese syllable as written, tone included. */
export function isVietnameseSyllable(word: string): boolean {
  const d = decompose(word);
  if (d.letters === '' || d.toneCount > 1) return false;
  for (const onset of ONSETS) {
    if (!d.letters.startsWith(onset)) continue;
    const rhyme = d.letters.slice(onset.length);
    if (!rhymeAllowed(onset, rhyme, RHYMES, GI_ONLY_RHYMES)) continue;
    if (d.toneIndex >= 0) {
      // The mark must sit on a vowel of the rhyme …
      if (d.toneIndex < onset.length || !VOWELS.has(d.letters[d.toneIndex] ?? '')) continue;
      // … and not on a final semivowel: "cáo", never "caó"; "tuổi", never "tuôỉ". ("uy" is the
      // exception: y is the nucleus there, and both "thuý" and "thúy" are in use.)
      const last = rhyme.length - 1;
      const endsInGlide =
        rhyme.length >= 2 && 'iyou'.includes(rhyme[last] ?? '') && VOWELS.has(rhyme[last - 1] ?? '') && rhyme !== 'uy';
      if (endsInGlide && d.toneIndex === onset.length + last) continue;
    }
    // A syllable closed by p, t, c or ch can only carry sắc or nặng.
    if (STOP_CODAS.some((c) => rhyme.endsWith(c)) && d.tone !== 'sac' && d.tone !== 'nang') continue;
    return true;
  }
  return false;
}

/** Removes every mark, đ → d: the letters an OCR engine or a keyboard without accents leaves. */
function skeleton(word: string): string {
  return word
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd');
}

const SKELETON_RHYMES: ReadonlySet<string> = new Set(RHYME_LIST.map(skeleton));
const SKELETON_GI_ONLY: ReadonlySet<string> = new Set([...GI_ONLY_RHYMES].map(skeleton));
const SKELETON_ONSETS: readonly string[] = [...new Set(ONSETS.map(skeleton))];

/**
 * True when some Vietnamese syllable has these letters once its marks are removed. Words that
 * fail are names, acronyms or foreign words ("Ksor", "Hlin", "UBND", "Drăng"), which say
 * nothing about whether the officer's Vietnamese lost its accents.
 */
function hasVietnameseSkeleton(word: string): boolean {
  const s = skeleton(word);
  if (s === '' || !/^[a-z]+$/.test(s)) return false;
  return SKELETON_ONSETS.some(
    (onset) => s.startsWith(onset) && rhymeAllowed(onset, s.slice(onset.length), SKELETON_RHYMES, SKELETON_GI_ONLY),
  );
}

// ---------------------------------------------------------------------------------------------
// Legacy 8-bit encodings
// ---------------------------------------------------------------------------------------------

/*
 * Old Vietnamese fonts reused the Latin-1 code points (0xA0–0xFF, shown by Windows as
 * Windows-1252) for Vietnamese letters. Text pasted out of such a document into a Unicode
 * editor keeps the Latin-1 characters, so we see what the tables below undo:
 *   TCVN3 (ABC, .Vn fonts): one code per letter, e.g. "¸" = á, "«" = ô, "Ö" = ệ: "Th«ng b¸o".
 *   VNI: base letter followed by a mark character, e.g. "e" + "ä" = ệ, "ñ" = đ: "Vieät Nam".
 *   VISCII: one code per letter, partly at the same places as Latin-1 (á, à, â …), e.g. "®" = ệ.
 *   Windows-1258: precomposed Latin-1 vowels plus separate tone codes, e.g. "ò" = dot below:
 *   "Viêòt" = Việt.
 */

export type LegacyEncoding = 'TCVN3' | 'VNI' | 'VISCII' | 'WINDOWS-1258';

const ENCODING_LABEL: Record<LegacyEncoding, string> = {
  TCVN3: 'TCVN3 (ABC, .Vn fonts)',
  VNI: 'VNI',
  VISCII: 'VISCII/Windows-1258',
  'WINDOWS-1258': 'VISCII/Windows-1258',
};

const CONVERTER_SOURCE: Record<LegacyEncoding, string> = {
  TCVN3: 'TCVN3 (ABC)',
  VNI: 'VNI Windows',
  VISCII: 'VISCII',
  'WINDOWS-1258': 'Vietnamese locale CP 1258',
};

/**
 * Builds a Latin-1 → letter map from rows of 16 characters for 0xA0, 0xB0 … 0xF0; a space marks
 * a code point that is not a letter (or, for VISCII, one that means the same as in Latin-1).
 */
function latin1Table(rows: readonly string[]): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  rows.forEach((row, r) => {
    [...row].forEach((letter, i) => {
      if (letter !== ' ') table.set(String.fromCharCode(0xa0 + r * 16 + i), letter);
    });
  });
  return table;
}

// TCVN 5712:1993 as used by the .Vn fonts. 0xB0–0xB4 (combining tones in VN1) are left out on
// purpose: they look like ° ± ² ³ ´, which legitimately follow numbers.
const TCVN3: ReadonlyMap<string, string> = latin1Table([
  ' ĂÂÊÔƠƯĐăâêôơưđẰ', // A0–AF
  '     àảãáạẲằẳẵắẴ', // B0–BF
  'ẮẦẨẪẤỀặầẩẫấậèỂẻẽ', // C0–CF
  'éẹềểễếệìỉỄẾỒĩíịò', // D0–DF
  'Ổỏõóọồổỗốộờởỡớợù', // E0–EF
  'ỖủũúụừửữứựỳỷỹýỵỐ', // F0–FF
]);

// VISCII 1.1 where it differs from Latin-1 (0xA0 is a space in pasted text).
const VISCII: ReadonlyMap<string, string> = latin1Table([
  ' ắằặấầẩậẽẹếềểễệố', // A0–AF
  'ồổỗỠƠộờởịỰỨỪỬơớƯ', // B0–BF
  '    ẢĂẳẵ   Ẻ  Ĩỳ', // C0–CF
  'Đứ   ạỷừử  ỹỵ ỡư', // D0–DF
  '    ảăữẫ   ẻ  ĩỉ', // E0–EF
  'đự    ỏọụ  ũủ ợỮ', // F0–FF
]);

// Windows-1258 read as Windows-1252: the letters that differ, and the five separate tone codes.
const CP1258: ReadonlyMap<string, string> = new Map([
  ['Ã', 'Ă'], ['ã', 'ă'], ['Õ', 'Ơ'], ['õ', 'ơ'], ['Ý', 'Ư'], ['ý', 'ư'], ['Ð', 'Đ'], ['ð', 'đ'],
  ['Ì', '\u0300'], ['ì', '\u0301'], ['Ò', '\u0309'], ['Þ', '\u0303'], ['ò', '\u0323'],
]);

// VNI: letters that stand alone, and marks that modify the letter before them.
const VNI_LETTERS: ReadonlyMap<string, string> = new Map([
  ['ñ', 'đ'], ['Ñ', 'Đ'], ['ô', 'ơ'], ['Ô', 'Ơ'], ['ö', 'ư'], ['Ö', 'Ư'],
  ['í', 'í'], ['Í', 'Í'], ['ì', 'ì'], ['Ì', 'Ì'], ['æ', 'ỉ'], ['Æ', 'Ỉ'],
  ['ó', 'ĩ'], ['Ó', 'Ĩ'], ['ò', 'ị'], ['Ò', 'Ị'], ['î', 'ỵ'], ['Î', 'Ỵ'],
]);
const CIRCUMFLEX = '\u0302';
const BREVE = '\u0306';
/** mark character (either case) → [vowel modifier or '', tone mark or ''] */
const VNI_MARKS: ReadonlyMap<string, readonly [string, string]> = new Map(
  (
    [
      ['ù', '', '\u0301'], ['ø', '', '\u0300'], ['û', '', '\u0309'], ['õ', '', '\u0303'], ['ï', '', '\u0323'],
      ['â', CIRCUMFLEX, ''], ['á', CIRCUMFLEX, '\u0301'], ['à', CIRCUMFLEX, '\u0300'],
      ['å', CIRCUMFLEX, '\u0309'], ['ã', CIRCUMFLEX, '\u0303'], ['ä', CIRCUMFLEX, '\u0323'],
      ['ê', BREVE, ''], ['é', BREVE, '\u0301'], ['è', BREVE, '\u0300'],
      ['ú', BREVE, '\u0309'], ['ü', BREVE, '\u0303'], ['ë', BREVE, '\u0323'],
    ] as const
  ).flatMap(([mark, modifier, tone]) => [
    [mark, [modifier, tone] as const] as const,
    [mark.toUpperCase(), [modifier, tone] as const] as const,
  ]),
);

function decodeTable(word: string, table: ReadonlyMap<string, string>): string {
  let out = '';
  for (const ch of word) out += table.get(ch) ?? ch;
  return out.normalize('NFC');
}

/** Reads `word` as VNI; null when a mark follows something it cannot modify. */
function decodeVni(word: string): string | null {
  const letters: { base: string; modifier: string; tone: string }[] = [];
  for (const ch of word) {
    const mark = VNI_MARKS.get(ch);
    const prev = letters[letters.length - 1];
    if (mark !== undefined) {
      const [modifier, tone] = mark;
      if (prev === undefined || prev.tone !== '') return null;
      const base = prev.base.toLowerCase();
      if (modifier !== '') {
        if (prev.modifier !== '') return null;
        if (modifier === CIRCUMFLEX ? !'aeo'.includes(base) : base !== 'a') return null;
        prev.modifier = modifier;
      } else if (!'aeiouyơư'.includes(base)) {
        return null;
      }
      prev.tone = tone;
      continue;
    }
    letters.push({ base: VNI_LETTERS.get(ch) ?? ch, modifier: '', tone: '' });
  }
  return letters
    .map((l) => l.base + l.modifier + l.tone)
    .join('')
    .normalize('NFC');
}

const DECODERS: readonly [LegacyEncoding, (word: string) => string | null][] = [
  ['TCVN3', (w) => decodeTable(w, TCVN3)],
  ['VNI', decodeVni],
  ['VISCII', (w) => decodeTable(w, VISCII)],
  ['WINDOWS-1258', (w) => decodeTable(w, CP1258)],
];

/**
 * Reads text that was typed in a legacy encoding (as it looks after pasting) as Unicode NFC, for
 * tools that offer to convert instead of refusing. Words that do not decode are left as they are.
 */
export function decodeLegacyText(text: string, encoding: LegacyEncoding): string {
  const decode = DECODERS.find(([e]) => e === encoding)?.[1];
  if (decode === undefined) return text;
  return text
    .normalize('NFC')
    .replace(/[A-Za-z\u00A1-\u00FF\p{L}\p{M}]+/gu, (word) =>
      /[^\u0000-\u00FF]/.test(word) ? word : (decode(word) ?? word),
    );
}

interface WordAt {
  word: string;
  index: number;
}

/**
 * Words as legacy text splits them: runs of ASCII letters, Latin-1 characters (which are letters
 * in the legacy fonts, even "¸" or "«") and other letters. Digits, ASCII punctuation, spaces and
 * Unicode punctuation (– — “ ” …) separate words.
 */
function legacyWords(text: string): WordAt[] {
  const words: WordAt[] = [];
  for (const m of text.matchAll(/[A-Za-z\u00A1-\u00FF\p{L}\p{M}]+/gu)) {
    words.push({ word: m[0], index: m.index ?? 0 });
  }
  return words;
}

function letterCount(word: string): number {
  return (word.match(/\p{L}/gu) ?? []).length;
}

/**
 * Returns a TEXT_LEGACY_ENCODING error when enough words read as Vietnamese only in one legacy
 * encoding (see the LEGACY_* thresholds), or null.
 */
function detectLegacyEncoding(text: string): TextProblem | null {
  const words = legacyWords(text);
  const evidence = new Map<LegacyEncoding, { at: WordAt; decoded: string }[]>();
  let odd = 0;
  for (const at of words) {
    const { word } = at;
    // Only words made of ASCII and Latin-1 can be legacy text; a real "ư" or "ạ" proves Unicode.
    if (!/[\u00A1-\u00FF]/.test(word) || /[^\u0000-\u00FF]/.test(word)) continue;
    if (isVietnameseSyllable(word)) continue;
    odd += 1;
    for (const [encoding, decode] of DECODERS) {
      const decoded = decode(word);
      // A single decoded letter ("«" → ô) is too weak: guillemets and symbols stand alone too.
      if (decoded === null || decoded === word || letterCount(decoded) < 2) continue;
      if (!isVietnameseSyllable(decoded)) continue;
      const list = evidence.get(encoding) ?? [];
      list.push({ at, decoded });
      evidence.set(encoding, list);
    }
  }

  let best: LegacyEncoding | null = null;
  let bestCount = 0;
  for (const [encoding] of DECODERS) {
    const count = evidence.get(encoding)?.length ?? 0;
    if (count > bestCount) {
      best = encoding;
      bestCount = count;
    }
  }
  if (best === null) return null;
  const enough =
    bestCount >= LEGACY_MIN_EVIDENCE_WORDS || words.length <= LEGACY_SHORT_TEXT_WORDS;
  if (!enough || bestCount / odd < LEGACY_MIN_EVIDENCE_SHARE) return null;

  const examples = (evidence.get(best) ?? []).slice(0, MAX_QUOTED_WORDS);
  const shown = examples.map((e) => `${quote(e.at.word)} (${position(text, e.at.index)}) is ${quote(e.decoded)}`);
  return {
    severity: 'error',
    code: 'TEXT_LEGACY_ENCODING',
    message:
      `This text was typed in the old ${ENCODING_LABEL[best]} encoding, not Unicode, so the ` +
      `screen would show garbled letters: ${shown.join(', ')}. Convert it to Unicode (for ` +
      `example Unikey's "Chuyển mã" tool, from ${CONVERTER_SOURCE[best]} to Unicode, or retype ` +
      `it with a Unicode font such as Times New Roman) and paste it again.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Missing or OCR-mangled accents
// ---------------------------------------------------------------------------------------------

/*
 * Heuristic, in words an officer can follow:
 *   1. Take the words made only of letters whose skeleton (letters without marks) is a
 *      Vietnamese syllable; names, acronyms and codes ("Ksor", "UBND", "tiep-cong-dan", "12/2026")
 *      are ignored.
 *   2. Count the words carrying any mark (tone, ă â ê ô ơ ư, đ) and the "impossible" words that
 *      are not Vietnamese as written although their skeleton is: "hoach", "phat" (no tone on a
 *      -ch/-t syllable), "trien" (iê without circumflex), or a tone on a glide ("caó").
 *   3. Long texts (DIACRITIC_CHECK_MIN_WORDS words or more):
 *        marked share ≤ NO_DIACRITICS_MAX_MARKED_SHARE            → TEXT_NO_DIACRITICS
 *        marked share < OCR_MAX_MARKED_SHARE, or impossible share ≥ OCR_MIN_IMPOSSIBLE_SHARE
 *                                                                 → TEXT_OCR_SUSPECT
 *      Short texts (titles, 2–5 words) only warn when clearly bare: no mark at all and at least
 *      one impossible word ("Lich tiep cong dan"); "Thong bao" is left alone.
 */
function checkDiacritics(text: string): TextProblem | null {
  const words: WordAt[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    // Trim punctuation around a word; a token with anything else inside is a code, not a word.
    const token = m[0];
    const lead = token.match(/^[^\p{L}]*/u)?.[0].length ?? 0;
    const core = token.slice(lead).replace(/[^\p{L}\p{M}]+$/u, '');
    if (core === '' || !/^[\p{L}\p{M}]+$/u.test(core)) continue;
    if (!hasVietnameseSkeleton(core)) continue;
    words.push({ word: core, index: (m.index ?? 0) + lead });
  }
  const total = words.length;
  if (total === 0) return null;
  const marked = words.filter((w) => skeleton(w.word) !== w.word.toLowerCase());
  const impossible = words.filter((w) => !isVietnameseSyllable(w.word));
  const markedShare = marked.length / total;
  const impossibleShare = impossible.length / total;

  if (total < DIACRITIC_CHECK_MIN_WORDS) {
    if (total >= 2 && marked.length === 0 && impossible.length > 0) {
      return noDiacritics(text, words, impossible, marked.length);
    }
    return null;
  }
  if (markedShare <= NO_DIACRITICS_MAX_MARKED_SHARE) return noDiacritics(text, words, impossible, marked.length);
  if (markedShare < OCR_MAX_MARKED_SHARE || impossibleShare >= OCR_MIN_IMPOSSIBLE_SHARE) {
    const quoted = (impossible.length > 0 ? impossible : words.filter((w) => !marked.includes(w)))
      .slice(0, MAX_QUOTED_WORDS)
      .map((w) => `${quote(w.word)} at ${position(text, w.index)}`);
    return {
      severity: 'warning',
      code: 'TEXT_OCR_SUSPECT',
      message:
        `This text looks like a scanned document read by OCR: accent marks are missing or ` +
        `misplaced (only ${marked.length} of ${total} words carry marks; check ${quoted.join(', ')}). ` +
        `Compare it with the original document and correct the words before publishing.`,
    };
  }
  return null;
}

function noDiacritics(text: string, words: WordAt[], impossible: WordAt[], markedCount: number): TextProblem {
  const start = words[0] ?? { word: '', index: 0 };
  const example = impossible[0] ?? start;
  return {
    severity: 'warning',
    code: 'TEXT_NO_DIACRITICS',
    message:
      `This text has no Vietnamese accent marks (dấu): ${markedCount} of ${words.length} words ` +
      `carry one, e.g. ${quote(lineExcerpt(text, start.index))} at ${position(text, start.index)}` +
      `${example !== start ? ` ("${example.word}" at ${position(text, example.index)} cannot be Vietnamese without marks)` : ''}. ` +
      `The screen shows it exactly as written; retype it with Vietnamese input (Unikey, Telex or VNI typing).`,
  };
}

// ---------------------------------------------------------------------------------------------
// Positions and quoting
// ---------------------------------------------------------------------------------------------

/** `line:column` of a UTF-16 index, both 1-based, columns counted in code points. */
function position(text: string, index: number): string {
  const before = text.slice(0, index);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = (before.match(/\n/g) ?? []).length + 1;
  const column = [...before.slice(lineStart)].length + 1;
  return `${line}:${column}`;
}

function cpLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Makes invisible characters visible inside a quoted snippet. */
function visible(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    out += isControl(cp) || BIDI_NAMES.has(cp) ? `[${cpLabel(cp)}]` : ch;
  }
  return out;
}

const SNIPPET_CONTEXT = 12;

/** A few characters either side of `index`, on the same line. */
function snippetAround(text: string, index: number): string {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const nextBreak = text.indexOf('\n', index + 1);
  const lineEnd = nextBreak === -1 ? text.length : nextBreak;
  const before = [...text.slice(lineStart, index)].slice(-SNIPPET_CONTEXT).join('');
  const here = [...text.slice(index)][0] ?? '';
  const after = [...text.slice(index + here.length, lineEnd)].slice(0, SNIPPET_CONTEXT).join('');
  return visible(before + here + after);
}

const EXCERPT_LENGTH = 40;

/** The rest of the line from `index`, cut at a word boundary near EXCERPT_LENGTH characters. */
function lineExcerpt(text: string, index: number): string {
  const end = text.indexOf('\n', index);
  const line = [...text.slice(index, end === -1 ? text.length : end)];
  if (line.length <= EXCERPT_LENGTH) return line.join('').trimEnd();
  const cut = line.slice(0, EXCERPT_LENGTH).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > 0 ? cut.slice(0, space) : cut).trimEnd()} …`;
}

function quote(s: string): string {
  return `"${s}"`;
}
