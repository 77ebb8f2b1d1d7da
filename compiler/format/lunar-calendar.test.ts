import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAN_CHI_YEAR_NAMES,
  LUNAR_CALENDAR_MAX_YEAR,
  LUNAR_CALENDAR_MIN_YEAR,
  canChiYear,
  leapMonthOf,
  lunarMonthLength,
  lunarToSolar,
  solarToLunar,
  tetDate,
  type CivilDate,
} from './lunar-calendar.ts';

function iso(date: CivilDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// Tết Nguyên Đán in Vietnam (UTC+7), one entry per lunar year. In most years it is the same day
// as the Chinese New Year; the years where it is not are marked and asserted again below.
const TET_IN_VIETNAM: Record<number, string> = {
  1968: '1968-01-29', // China 1968-01-30
  1969: '1969-02-16', // China 1969-02-17
  1970: '1970-02-06',
  1971: '1971-01-27',
  1972: '1972-02-15',
  1973: '1973-02-03',
  1974: '1974-01-23',
  1975: '1975-02-11',
  1976: '1976-01-31',
  1977: '1977-02-18',
  1978: '1978-02-07',
  1979: '1979-01-28',
  1980: '1980-02-16',
  1981: '1981-02-05',
  1982: '1982-01-25',
  1983: '1983-02-13',
  1984: '1984-02-02',
  1985: '1985-01-21', // China 1985-02-20
  1986: '1986-02-09',
  1987: '1987-01-29',
  1988: '1988-02-17',
  1989: '1989-02-06',
  1990: '1990-01-27',
  1991: '1991-02-15',
  1992: '1992-02-04',
  1993: '1993-01-23',
  1994: '1994-02-10',
  1995: '1995-01-31',
  1996: '1996-02-19',
  1997: '1997-02-07',
  1998: '1998-01-28',
  1999: '1999-02-16',
  2000: '2000-02-05',
  2001: '2001-01-24',
  2002: '2002-02-12',
  2003: '2003-02-01',
  2004: '2004-01-22',
  2005: '2005-02-09',
  2006: '2006-01-29',
  2007: '2007-02-17', // China 2007-02-18
  2008: '2008-02-07',
  2009: '2009-01-26',
  2010: '2010-02-14',
  2011: '2011-02-03',
  2012: '2012-01-23',
  2013: '2013-02-10',
  2014: '2014-01-31',
  2015: '2015-02-19',
  2016: '2016-02-08',
  2017: '2017-01-28',
  2018: '2018-02-16',
  2019: '2019-02-05',
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-02', // China 2030-02-03
  2031: '2031-01-23',
  2032: '2032-02-11',
  2033: '2033-01-31',
  2034: '2034-02-19',
  2035: '2035-02-08',
  2036: '2036-01-28',
  2037: '2037-02-15',
  2038: '2038-02-04',
  2039: '2039-01-24',
  2040: '2040-02-12',
  2041: '2041-02-01',
  2042: '2042-01-22',
  2043: '2043-02-10',
  2044: '2044-01-30',
  2045: '2045-02-17',
  2046: '2046-02-06',
  2047: '2047-01-26',
  2048: '2048-02-14',
  2049: '2049-02-02',
  2050: '2050-01-23',
  2051: '2051-02-11',
  2052: '2052-02-01',
  2053: '2053-02-18', // China 2053-02-19
};

test('Tết in Vietnam for every lunar year 1968–2053 matches the reference table', () => {
  for (let year = 1968; year <= 2053; year += 1) {
    assert.equal(iso(tetDate(year)), TET_IN_VIETNAM[year], `Tết ${year}`);
  }
});

test('years where Vietnam and China celebrate Tết on different days', () => {
  // Tết Mậu Thân: the new moon of 29 Jan 1968 16:29 UTC is 23:29 in UTC+7 but already 30 Jan
  // in UTC+8 (the North had just moved to UTC+7; the South, still on UTC+8, celebrated the 30th).
  assert.equal(iso(tetDate(1968)), '1968-01-29');
  // Same situation a year later: new moon 16 Feb 1969 about 16:25 UTC (China: 17 Feb).
  assert.equal(iso(tetDate(1969)), '1969-02-16');
  // Tết Ất Sửu: a whole month apart. In UTC+7 the winter-solstice month and the leap month fall
  // differently (Vietnam's leap month comes in 1985 instead of China's leap 10 in 1984), so
  // Vietnam started the year on 21 Jan while China waited until 20 Feb.
  assert.equal(iso(tetDate(1985)), '1985-01-21');
  assert.deepEqual(solarToLunar(1985, 1, 21), { day: 1, month: 1, year: 1985, leap: false });
  assert.deepEqual(solarToLunar(1985, 1, 20), { day: 30, month: 12, year: 1984, leap: false });
  // New moon 17 Feb 2007 about 16:14 UTC: 23:14 in Hà Nội, 00:14 on the 18th in Beijing.
  assert.equal(iso(tetDate(2007)), '2007-02-17');
  // New moon 2 Feb 2030 about 16:07 UTC (China: 3 Feb).
  assert.equal(iso(tetDate(2030)), '2030-02-02');
  // New moon 18 Feb 2053 about 16:31 UTC (China: 19 Feb).
  assert.equal(iso(tetDate(2053)), '2053-02-18');
});

test('a lunar year has a leap month exactly when 13 new moons separate its Tết from the next', () => {
  for (let year = 1968; year <= 2052; year += 1) {
    const days =
      (Date.parse(TET_IN_VIETNAM[year + 1] as string) - Date.parse(TET_IN_VIETNAM[year] as string)) / 86_400_000;
    assert.equal(leapMonthOf(year) !== null, days > 365, `lunar year ${year} (${days} days)`);
  }
});

test('known leap months', () => {
  assert.equal(leapMonthOf(2020), 4);
  assert.equal(leapMonthOf(2023), 2);
  assert.equal(leapMonthOf(2025), 6);
  assert.equal(leapMonthOf(2024), null);
  assert.equal(leapMonthOf(2026), null);
  // The rare leap 11 (the "2033 problem" of the Chinese calendar): it belongs to lunar 2033 and
  // starts on 22 Dec 2033, the day the winter solstice month ends.
  assert.equal(leapMonthOf(2033), 11);
  assert.deepEqual(solarToLunar(2033, 12, 22), { day: 1, month: 11, year: 2033, leap: true });

  // 2023: month 2 (from 20 Feb) then leap month 2 from 22 Mar to 19 Apr, then month 3.
  assert.deepEqual(lunarToSolar({ day: 1, month: 2, year: 2023, leap: true }), { year: 2023, month: 3, day: 22 });
  assert.deepEqual(solarToLunar(2023, 3, 21), { day: 30, month: 2, year: 2023, leap: false });
  assert.deepEqual(solarToLunar(2023, 3, 22), { day: 1, month: 2, year: 2023, leap: true });
  assert.deepEqual(solarToLunar(2023, 4, 19), { day: 29, month: 2, year: 2023, leap: true });
  assert.deepEqual(solarToLunar(2023, 4, 20), { day: 1, month: 3, year: 2023, leap: false });
  // 2020: leap month 4 from 23 May; 2025: leap month 6 from 25 Jul.
  assert.deepEqual(lunarToSolar({ day: 1, month: 4, year: 2020, leap: true }), { year: 2020, month: 5, day: 23 });
  assert.deepEqual(lunarToSolar({ day: 1, month: 6, year: 2025, leap: true }), { year: 2025, month: 7, day: 25 });
  assert.equal(lunarMonthLength({ month: 6, year: 2025, leap: true }), 29);
});

test('festival dates', () => {
  // Tết Trung Thu 2024: 15/8 Giáp Thìn.
  assert.deepEqual(solarToLunar(2024, 9, 17), { day: 15, month: 8, year: 2024, leap: false });
  // Giỗ Tổ Hùng Vương (10/3), a public holiday.
  assert.deepEqual(lunarToSolar({ day: 10, month: 3, year: 2024, leap: false }), { year: 2024, month: 4, day: 18 });
  assert.deepEqual(lunarToSolar({ day: 10, month: 3, year: 2025, leap: false }), { year: 2025, month: 4, day: 7 });
  assert.deepEqual(lunarToSolar({ day: 10, month: 3, year: 2026, leap: false }), { year: 2026, month: 4, day: 26 });
  // Month 12 of Ất Tỵ has 29 days, so there is no "30 Tết" before Tết Bính Ngọ 2026.
  assert.deepEqual(solarToLunar(2026, 2, 16), { day: 29, month: 12, year: 2025, leap: false });
  assert.equal(lunarMonthLength({ month: 12, year: 2025, leap: false }), 29);
});

test('solarToLunar and lunarToSolar round-trip every day of several years', () => {
  // Years with leap months at different places (1968: 7, 1985: 2, 2020: 4, 2023: 2, 2025: 6,
  // 2033: 11), years without, and year boundaries on both sides of Tết.
  for (const year of [1968, 1984, 1985, 2000, 2020, 2023, 2024, 2025, 2026, 2033, 2034]) {
    let previous: { month: number; leap: boolean; day: number } | undefined;
    for (let month = 1; month <= 12; month += 1) {
      for (let day = 1; day <= daysInMonth(year, month); day += 1) {
        const lunar = solarToLunar(year, month, day);
        assert.deepEqual(lunarToSolar(lunar), { year, month, day }, `${year}-${month}-${day} → ${JSON.stringify(lunar)}`);
        assert.ok(lunar.day >= 1 && lunar.day <= 30);
        // Consecutive days: either the next day of the same month or day 1 of a new month.
        if (previous !== undefined) {
          const sameMonth = lunar.month === previous.month && lunar.leap === previous.leap;
          assert.ok(
            sameMonth ? lunar.day === previous.day + 1 : lunar.day === 1 && previous.day >= 29,
            `${year}-${month}-${day}`,
          );
        }
        previous = lunar;
      }
    }
  }
});

test('the calendar is computable over the whole supported range', () => {
  for (let year = LUNAR_CALENDAR_MIN_YEAR; year <= LUNAR_CALENDAR_MAX_YEAR; year += 1) {
    const tet = tetDate(year);
    // Tết always falls between about 20 January and 20 February.
    const dayOfYear = tet.month === 1 ? tet.day : 31 + tet.day;
    assert.ok(dayOfYear >= 19 && dayOfYear <= 52, `Tết ${year}: ${iso(tet)}`);
    assert.deepEqual(solarToLunar(tet.year, tet.month, tet.day), { day: 1, month: 1, year, leap: false });
  }
});

test('invalid dates are rejected with RangeError', () => {
  assert.throws(() => solarToLunar(2023, 2, 29), RangeError);
  assert.throws(() => solarToLunar(2023, 13, 1), RangeError);
  assert.throws(() => solarToLunar(2023, 1, 0), RangeError);
  assert.throws(() => solarToLunar(1500, 1, 1), RangeError);
  assert.throws(() => lunarToSolar({ day: 1, month: 3, year: 2023, leap: true }), /no leap month 3/);
  assert.throws(() => lunarToSolar({ day: 30, month: 12, year: 2025, leap: false }), /has 29 days/);
  assert.throws(() => lunarToSolar({ day: 1, month: 0, year: 2025, leap: false }), RangeError);
});

test('canChiYear', () => {
  assert.equal(canChiYear(2024), 'Giáp Thìn');
  assert.equal(canChiYear(2025), 'Ất Tỵ');
  assert.equal(canChiYear(2026), 'Bính Ngọ');
  assert.equal(canChiYear(2023), 'Quý Mão');
  assert.equal(canChiYear(1968), 'Mậu Thân');
  assert.equal(canChiYear(1975), 'Ất Mão');
  assert.equal(canChiYear(1984), 'Giáp Tý');
  assert.equal(canChiYear(1985), 'Ất Sửu');
  assert.equal(canChiYear(2000), 'Canh Thìn');
  assert.equal(canChiYear(2053), 'Quý Dậu');
  assert.equal(CAN_CHI_YEAR_NAMES.length, 60);
  assert.equal(new Set(CAN_CHI_YEAR_NAMES).size, 60);
  assert.equal(CAN_CHI_YEAR_NAMES[59], 'Quý Hợi');
  for (const name of CAN_CHI_YEAR_NAMES) assert.equal(name, name.normalize('NFC'));
});
