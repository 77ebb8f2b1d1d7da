// The Vietnamese lunisolar calendar (âm lịch), computed for UTC+07:00 with the method published
// by Hồ Ngọc Đức: months begin on the civil day (in Vietnam) of an astronomical new moon, month
// 11 is the month that contains the winter solstice, and in a year with 13 months between two
// such months the first month without a major solar term (trung khí) is the leap month.
//
// Why not a Chinese-calendar library or Intl's "chinese" calendar: those work in UTC+08:00 and
// give different dates in some years (Tết 1985 was 21 Jan in Vietnam but 20 Feb in China).
//
// Pure: no clock, no I/O, no Intl. Day arithmetic uses Julian Day Numbers (JDN, integer days).

export interface LunarDate {
  /** 1–30. */
  day: number;
  /** 1–12; a leap month repeats the number of the month before it. */
  month: number;
  /** The lunar year number; lunar year Y starts at Tết, in January or February of Gregorian Y. */
  year: number;
  /** True for the intercalary month ("tháng 4 nhuận"). */
  leap: boolean;
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Gregorian years this module accepts. The series below (a truncated Meeus new-moon formula and
 * a polynomial for ΔT) are only meant for a few centuries around 1900; boards need today ±100
 * years, so the range is kept well inside where the method's published tables are trusted.
 */
export const LUNAR_CALENDAR_MIN_YEAR = 1800;
export const LUNAR_CALENDAR_MAX_YEAR = 2199;

/** Vietnam's civil time zone, in hours east of UTC; this is what makes the calendar Vietnamese. */
const TIME_ZONE_HOURS = 7;

/** Mean length of a lunation, in days. */
const SYNODIC_MONTH_DAYS = 29.530588853;

/** Julian Date of the mean new moon numbered k = 0 (6 January 1900, Meeus' lunation count). */
const NEW_MOON_ZERO_JD = 2415021.076998695;

const DEGREE = Math.PI / 180;

const CAN = ['Giáp', 'Ất', 'Bính', 'Đinh', 'Mậu', 'Kỷ', 'Canh', 'Tân', 'Nhâm', 'Quý'] as const;
// Vietnamese uses Mão (the cat) where Chinese has the rabbit; "Mẹo" is a southern variant that
// official calendars do not print.
const CHI = ['Tý', 'Sửu', 'Dần', 'Mão', 'Thìn', 'Tỵ', 'Ngọ', 'Mùi', 'Thân', 'Dậu', 'Tuất', 'Hợi'] as const;

// ---------------------------------------------------------------------------------------------
// Julian Day Numbers (proleptic Gregorian; the supported range is far after 1582).

function julianDayNumber(year: number, month: number, day: number): number {
  // Count years from March so that the leap day is the last day of the counted year.
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return (
    day +
    Math.floor((153 * m + 2) / 5) +
    365 * y +
    Math.floor(y / 4) -
    Math.floor(y / 100) +
    Math.floor(y / 400) -
    32045
  );
}

function civilDateFromJulianDayNumber(jdn: number): CivilDate {
  const a = jdn + 32044;
  const b = Math.floor((4 * a + 3) / 146097);
  const c = a - Math.floor((146097 * b) / 4);
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return {
    day: e - Math.floor((153 * m + 2) / 5) + 1,
    month: m + 3 - 12 * Math.floor(m / 10),
    year: 100 * b + d - 4800 + Math.floor(m / 10),
  };
}

// ---------------------------------------------------------------------------------------------
// Astronomy.

/**
 * Julian Date (UT) of the k-th new moon after the one of January 1900, from the series in
 * Meeus' "Astronomical Formulae for Calculators" (mean phase plus the largest periodic terms),
 * minus ΔT. Accurate to a few minutes. This is the series the published Vietnamese calendar
 * tables were computed with, so month starts that fall near midnight come out as printed.
 */
function newMoonJulianDate(k: number): number {
  const t = k / 1236.85; // Julian centuries since 1900
  const t2 = t * t;
  const t3 = t2 * t;

  const meanPhase =
    2415020.75933 +
    29.53058868 * k +
    0.0001178 * t2 -
    0.000000155 * t3 +
    0.00033 * Math.sin((166.56 + 132.87 * t - 0.009173 * t2) * DEGREE);

  const sunAnomaly = (359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3) * DEGREE;
  const moonAnomaly = (306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3) * DEGREE;
  const moonLatitudeArg = (21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3) * DEGREE;

  const correction =
    (0.1734 - 0.000393 * t) * Math.sin(sunAnomaly) +
    0.0021 * Math.sin(2 * sunAnomaly) -
    0.4068 * Math.sin(moonAnomaly) +
    0.0161 * Math.sin(2 * moonAnomaly) -
    0.0004 * Math.sin(3 * moonAnomaly) +
    0.0104 * Math.sin(2 * moonLatitudeArg) -
    0.0051 * Math.sin(sunAnomaly + moonAnomaly) -
    0.0074 * Math.sin(sunAnomaly - moonAnomaly) +
    0.0004 * Math.sin(2 * moonLatitudeArg + sunAnomaly) -
    0.0004 * Math.sin(2 * moonLatitudeArg - sunAnomaly) -
    0.0006 * Math.sin(2 * moonLatitudeArg + moonAnomaly) +
    0.001 * Math.sin(2 * moonLatitudeArg - moonAnomaly) +
    0.0005 * Math.sin(sunAnomaly + 2 * moonAnomaly);

  // The series gives Ephemeris Time; civil dates need Universal Time (ΔT, in days).
  const deltaT =
    t < -11
      ? 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
      : -0.000278 + 0.000265 * t + 0.000262 * t2;

  return meanPhase + correction - deltaT;
}

/** JDN of the civil day in Vietnam on which the k-th new moon happens: that day is "mùng 1". */
function newMoonDay(k: number): number {
  // A JDN day runs from noon to noon UT; +0.5 moves to midnight-based days, +7h to Vietnam.
  return Math.floor(newMoonJulianDate(k) + 0.5 + TIME_ZONE_HOURS / 24);
}

/**
 * Which 30° sector (0–11) of the ecliptic the Sun is in at the local midnight that starts day
 * `jdn`. Major terms are the sector boundaries (0° spring equinox, 270° winter solstice = the
 * start of sector 9), so a month has a major term exactly when the sector at its first day
 * differs from the sector at the first day of the next month. Low-precision solar longitude
 * (Meeus), as in the published method.
 */
function sunSector(jdn: number): number {
  const jd = jdn - 0.5 - TIME_ZONE_HOURS / 24;
  const t = (jd - 2451545.0) / 36525; // Julian centuries since J2000
  const t2 = t * t;
  const meanAnomaly = (357.5291 + 35999.0503 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * DEGREE;
  const meanLongitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
  const equationOfCentre =
    (1.9146 - 0.004817 * t - 0.000014 * t2) * Math.sin(meanAnomaly) +
    (0.019993 - 0.000101 * t) * Math.sin(2 * meanAnomaly) +
    0.00029 * Math.sin(3 * meanAnomaly);
  const longitude = meanLongitude + equationOfCentre;
  const normalized = longitude - 360 * Math.floor(longitude / 360);
  return Math.floor(normalized / 30);
}

/** Lunation number of the new moon that starts on day `jdn` (which must be a new-moon day). */
function lunationIndex(jdn: number): number {
  // A true new moon is within a day of the mean one, far less than half a lunation.
  return Math.round((jdn - NEW_MOON_ZERO_JD) / SYNODIC_MONTH_DAYS);
}

/** JDN of the first day of lunar month 11, the month containing the winter solstice of `year`. */
function month11Start(year: number): number {
  const lastDayOfYear = julianDayNumber(year, 12, 31);
  const k = Math.floor((lastDayOfYear - NEW_MOON_ZERO_JD) / SYNODIC_MONTH_DAYS);
  const candidate = newMoonDay(k);
  // Sector 9 or later at the candidate's first day means the solstice (270°) is already behind
  // it, so the month that contains the solstice is the one before.
  return sunSector(candidate) >= 9 ? newMoonDay(k - 1) : candidate;
}

// ---------------------------------------------------------------------------------------------
// Months between two winter solstices.

interface LunarMonthSpan {
  /** JDN of day 1. */
  start: number;
  /** Number of days (29 or 30). */
  length: number;
  month: number;
  leap: boolean;
  year: number;
}

/**
 * The lunar months from month 11 of lunar year `year - 1` (which contains the winter solstice
 * of Gregorian `year - 1`) up to, not including, the month 11 that contains the solstice of
 * Gregorian `year`. Months 11 and 12 at the start belong to lunar year `year - 1`, the rest
 * (from month 1, Tết) to lunar year `year`.
 */
function monthsBetweenSolstices(year: number): LunarMonthSpan[] {
  const first = month11Start(year - 1);
  const next = month11Start(year);
  const k0 = lunationIndex(first);
  // 12 lunations are about 354 days, 13 about 384: anything above a year has 13 months.
  const count = next - first > 365 ? 13 : 12;
  // First days of the `count` months, plus the first day of the next span's month 11.
  const starts: number[] = [first];
  for (let i = 1; i < count; i += 1) starts.push(newMoonDay(k0 + i));
  starts.push(next);

  const leapIndex = count === 13 ? firstMonthWithoutMajorTerm(starts) : -1;

  const months: LunarMonthSpan[] = [];
  let month = 10;
  let lunarYear = year - 1;
  for (let i = 0; i < count; i += 1) {
    const leap = i === leapIndex;
    if (!leap) {
      month = month === 12 ? 1 : month + 1;
      if (month === 1) lunarYear = year;
    }
    const start = starts[i] as number;
    months.push({ start, length: (starts[i + 1] as number) - start, month, leap, year: lunarYear });
  }
  return months;
}

/**
 * Index (1–12) of the first month after month 11 whose first day and the next month's first day
 * lie in the same sun sector, i.e. a month during which no major term begins.
 */
function firstMonthWithoutMajorTerm(starts: readonly number[]): number {
  for (let i = 1; i < starts.length - 1; i += 1) {
    if (sunSector(starts[i] as number) === sunSector(starts[i + 1] as number)) return i;
  }
  // 13 lunations hold only 12 major terms, so one month must lack one; reaching this line
  // means the astronomy above is broken, not that the input is unusual.
  throw new Error('lunar-calendar: 13-month year without a month lacking a major term');
}

// ---------------------------------------------------------------------------------------------
// Public API.

function assertCivilYear(year: number, what: string): void {
  if (!Number.isInteger(year) || year < LUNAR_CALENDAR_MIN_YEAR || year > LUNAR_CALENDAR_MAX_YEAR) {
    throw new RangeError(
      `${what} ${year} is outside the supported range ${LUNAR_CALENDAR_MIN_YEAR}–${LUNAR_CALENDAR_MAX_YEAR}`,
    );
  }
}

/** Lunar date of a Gregorian calendar day as lived in Vietnam (not an instant: a civil date). */
export function solarToLunar(year: number, month: number, day: number): LunarDate {
  assertCivilYear(year, 'Year');
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new RangeError(`Month ${month} is not 1–12`);
  }
  const jdn = julianDayNumber(year, month, day);
  if (!Number.isInteger(day) || day < 1 || civilDateFromJulianDayNumber(jdn).month !== month) {
    throw new RangeError(`${day}/${month}/${year} is not a valid date`);
  }

  // Days from this year's month 11 on belong to the span that ends at next year's solstice month.
  const months = monthsBetweenSolstices(jdn >= month11Start(year) ? year + 1 : year);
  let found = months[0] as LunarMonthSpan;
  for (const span of months) if (span.start <= jdn) found = span;
  return { day: jdn - found.start + 1, month: found.month, year: found.year, leap: found.leap };
}

/** All months of lunar year `lunarYear`, Tết first. */
function monthsOfLunarYear(lunarYear: number): LunarMonthSpan[] {
  // Months 1–10 lie in the span ending at the solstice of `lunarYear`, months 11–12 (and a leap
  // 11 or 12) in the following span.
  return [...monthsBetweenSolstices(lunarYear), ...monthsBetweenSolstices(lunarYear + 1)].filter(
    (span) => span.year === lunarYear,
  );
}

/** Gregorian date (in Vietnam) of a lunar date. Throws RangeError if that lunar date does not exist. */
export function lunarToSolar(lunar: LunarDate): CivilDate {
  const { day, month, year, leap } = lunar;
  assertCivilYear(year, 'Lunar year');
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new RangeError(`Lunar month ${month} is not 1–12`);
  }
  const span = monthsOfLunarYear(year).find((m) => m.month === month && m.leap === leap);
  if (span === undefined) {
    throw new RangeError(`Lunar year ${year} has no leap month ${month}`);
  }
  if (!Number.isInteger(day) || day < 1 || day > span.length) {
    throw new RangeError(
      `Lunar month ${month}${leap ? ' (leap)' : ''} of ${year} has ${span.length} days; day ${day} does not exist`,
    );
  }
  return civilDateFromJulianDayNumber(span.start + day - 1);
}

/** The leap month of lunar year `lunarYear` (its number, e.g. 4 for "tháng 4 nhuận"), or null. */
export function leapMonthOf(lunarYear: number): number | null {
  assertCivilYear(lunarYear, 'Lunar year');
  return monthsOfLunarYear(lunarYear).find((m) => m.leap)?.month ?? null;
}

/** Number of days (29 or 30) of a lunar month. Throws RangeError if the month does not exist. */
export function lunarMonthLength(lunar: Pick<LunarDate, 'month' | 'year' | 'leap'>): number {
  assertCivilYear(lunar.year, 'Lunar year');
  const span = monthsOfLunarYear(lunar.year).find((m) => m.month === lunar.month && m.leap === lunar.leap);
  if (span === undefined) {
    throw new RangeError(`Lunar year ${lunar.year} has no ${lunar.leap ? 'leap ' : ''}month ${lunar.month}`);
  }
  return span.length;
}

/** Sexagenary (can chi) name of a lunar year: 2024 → "Giáp Thìn", 2026 → "Bính Ngọ". */
export function canChiYear(lunarYear: number): string {
  if (!Number.isInteger(lunarYear)) throw new RangeError(`Lunar year ${lunarYear} is not an integer`);
  // Year 4 (and every 60 years from it, e.g. 1984, 2044) is Giáp Tý: stem 0, branch 0.
  const stem = CAN[(((lunarYear - 4) % 10) + 10) % 10] as string;
  const branch = CHI[(((lunarYear - 4) % 12) + 12) % 12] as string;
  return `${stem} ${branch}`;
}

/** Gregorian date in Vietnam of Tết Nguyên Đán (lunar 1/1) of lunar year `lunarYear`. */
export function tetDate(lunarYear: number): CivilDate {
  return lunarToSolar({ day: 1, month: 1, year: lunarYear, leap: false });
}

/** All can-chi year names, in cycle order from Giáp Tý (for layouts that measure them). */
export const CAN_CHI_YEAR_NAMES: readonly string[] = Array.from({ length: 60 }, (_, i) => canChiYear(1984 + i));
