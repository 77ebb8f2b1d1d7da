// Where a line must not break although there is a space: the few Vietnamese joins that read
// wrong when split, "150–250 | mm" or "ngày | 22/11" at a line end, "Dơ | Ngol" with the
// village name torn in two. The fitter keeps each group on one line when the group fits a
// line at all; a group wider than a line (a very long chain in a narrow box) is broken as
// ordinary words, so these rules can only change where lines break, never whether text fits.
//
// The rules, each about the gap between two neighbouring words a and b:
//   1. number + unit: a is a number ("7", "150–250", "1.500", "22/11") and b a unit or
//      counter word (mm, km/h, %, °C, giờ, phút, tuổi, người, hộ, ...): "300 mm", "5 tuổi".
//      A number before ngày/tháng/năm stays with it ("96 năm", "3 ngày") unless the
//      calendar word is followed by a number itself: "05 | tháng 12 | năm 2026" reads as
//      the date it is, where "05 tháng | 12" would not.
//   2. calendar or counter word + number: a is ngày, đêm, tháng, năm, giờ, lúc, số, cấp,
//      quý, tuần, đợt, điều, khoản, phòng, and b begins with a digit: "ngày 22/11",
//      "tháng 12/2026", "giờ 30" (so "7 giờ 30" is one group), "cấp 3".
//   3. digit groups: a and b are both plain digit strings: "0269 3845 114", "1 500 000".
//   4. dashes: a line never starts with a dash standing alone ("7 giờ 30 – 11 giờ"); and a
//      range of numbers written with spaces ("150 – 250") is kept whole.
//   5. names: two or three neighbouring syllables that each begin with a capital followed
//      by lower case ("Ia Drăng", "Dơ Ngol", "Bò Ngoong", "Việt Nam", "Hồ Chí Minh",
//      "Thứ Hai"), the earlier ones without punctuation after them. Four or more in a row are
//      a Title-Case phrase, not a name, and break as usual; words in capitals do not count.
// No group is longer than MAX_GROUP_WORDS: a chain of joins that would grow past it is cut
// at the join that would make it too long.
// Authors can always force a join with a no-break space (U+00A0), which the fitter never
// breaks at.

/** Longest run of words the rules join, e.g. "7 giờ 30 phút". */
export const MAX_GROUP_WORDS = 4;

const OPENING = /^[(“"'‘[]+/u;
const CLOSING = /[)”"'’\]]+$/u;
/** Punctuation that ends a clause: no join may reach across it. */
const CLAUSE_END = /[,.;:!?…)”"’\]]$/u;
const NUMBER = /^\d+(?:[.,/–-]\d+)*$/u;
const DIGITS = /^\d+$/u;
const DASH = /^[–—-]$/u;
const NAME_SYLLABLE = /^\p{Lu}\p{Ll}*$/u;

const UNITS = new Set([
  'mm', 'cm', 'm', 'km', 'km/h', 'km/giờ', 'm/s', 'm³/s', 'm3/s', 'kg', 'g', 'tấn', 'ha', 'm²', 'm2', 'lít',
  '%', '°c', 'độ', 'h', 'giờ', 'phút', 'giây', 'tuần', 'tuổi', 'người', 'hộ', 'đồng', 'nghìn', 'ngàn',
  'triệu', 'tỷ', 'xã', 'thôn', 'làng', 'lần', 'cái', 'con', 'căn', 'chiếc', 'mét',
]);
/** Units that also open a date ("05 tháng 12"): joined to a number before them only when no number follows. */
const CALENDAR_UNITS = new Set(['ngày', 'tháng', 'năm']);
const BEFORE_NUMBER = new Set(['ngày', 'đêm', 'tháng', 'năm', 'giờ', 'lúc', 'số', 'cấp', 'quý', 'tuần', 'đợt', 'điều', 'khoản', 'phòng']);

/** The word without the brackets and quotes around it and, at the end, its punctuation. */
function bare(word: string): string {
  return word.replace(OPENING, '').replace(CLOSING, '').replace(/[,.;:!?…]+$/u, '').replace(CLOSING, '');
}

const isNumber = (word: string): boolean => NUMBER.test(bare(word));
const endsClause = (word: string): boolean => CLAUSE_END.test(word);

function joinsByRule(a: string, b: string, afterB: string | undefined): boolean {
  if (DASH.test(b)) return true; // rule 4: no line starts with a dash
  if (endsClause(a)) return false;
  const unit = bare(b).toLowerCase();
  if (isNumber(a)) {
    if (UNITS.has(unit)) return true; // rule 1
    if (CALENDAR_UNITS.has(unit)) return !(afterB !== undefined && /^\d/u.test(afterB.replace(OPENING, ''))); // rule 1, dates
    if (DIGITS.test(a) && DIGITS.test(bare(b)) && !endsClause(a)) return true; // rule 3
  }
  if (BEFORE_NUMBER.has(a.replace(OPENING, '').toLowerCase()) && /^\d/u.test(b)) return true; // rule 2
  return false;
}

/**
 * For each word, whether the gap before it must not break (index 0 is always false).
 * `words` are the space-separated words of one paragraph or list item, in order.
 */
export function nonBreakingGaps(words: readonly string[]): boolean[] {
  const glued = words.map((b, i) => i > 0 && joinsByRule(words[i - 1] as string, b, words[i + 1]));
  // Rule 4, ranges: "150 – 250" joins after the dash too.
  for (let i = 1; i + 1 < words.length; i += 1) {
    if (DASH.test(words[i] as string) && isNumber(words[i - 1] as string) && isNumber(words[i + 1] as string)) glued[i + 1] = true;
  }
  // Rule 5, names: runs of 2–3 capitalised syllables.
  for (let start = 0; start < words.length; ) {
    let end = start;
    while (end < words.length && NAME_SYLLABLE.test(bare(words[end] as string).replace(/^\P{L}+/u, '')) && (end === start || !endsClause(words[end - 1] as string))) end += 1;
    if (end - start >= 2 && end - start <= 3) for (let i = start + 1; i < end; i += 1) glued[i] = true;
    start = Math.max(end, start + 1);
  }
  // No group longer than MAX_GROUP_WORDS.
  let length = 1;
  for (let i = 1; i < words.length; i += 1) {
    if (glued[i] && length < MAX_GROUP_WORDS) length += 1;
    else {
      glued[i] = false;
      length = 1;
    }
  }
  return glued;
}
