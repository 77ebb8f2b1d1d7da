import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_GROUP_WORDS, nonBreakingGaps } from './line-break-joins.ts';

/** The text with "_" where the line must not break and " " where it may. */
function joined(text: string): string {
  const words = text.split(' ');
  const glued = nonBreakingGaps(words);
  return words.map((w, i) => (i === 0 ? w : `${glued[i] ? '_' : ' '}${w}`)).join('');
}

test('a number stays with its unit', () => {
  assert.equal(joined('lượng mưa phổ biến 150–250 mm, có nơi trên 300 mm.'), 'lượng mưa phổ biến 150–250_mm, có nơi trên 300_mm.');
  assert.equal(joined('tốc độ tối đa 20 km/h trên đoạn đường'), 'tốc độ tối đa 20_km/h trên đoạn đường');
  assert.equal(joined('trẻ em dưới 5 tuổi và 12 hộ dân'), 'trẻ em dưới 5_tuổi và 12_hộ dân');
  assert.equal(joined('độ ẩm 85 % và nhiệt độ 30 °C'), 'độ ẩm 85_% và nhiệt độ 30_°C');
  assert.equal(joined('chào mừng 96 năm Ngày truyền thống'), 'chào mừng 96_năm Ngày truyền thống');
});

test('times and dates stay whole, and a date splits between its parts', () => {
  assert.equal(joined('họp lúc 15 giờ tại hội trường'), 'họp lúc_15_giờ tại hội trường');
  assert.equal(joined('từ 7 giờ 30 đến 16 giờ 30.'), 'từ 7_giờ_30 đến 16_giờ_30.');
  assert.equal(joined('Từ đêm 22/11 đến ngày 24/11, khu vực'), 'Từ đêm_22/11 đến ngày_24/11, khu vực');
  // "05 tháng | 12" would read as a duration; the date breaks between day, month and year.
  assert.equal(joined('trước ngày 05 tháng 12 năm 2026 hằng năm'), 'trước ngày_05 tháng_12 năm_2026 hằng năm');
  assert.equal(joined('Lịch tiêm chủng tháng 12/2026'), 'Lịch tiêm chủng tháng_12/2026');
  assert.equal(joined('rủi ro thiên tai cấp 3 trên'), 'rủi ro thiên tai cấp_3 trên');
});

test('ranges and dashes: no line starts with a dash, spaced number ranges stay whole', () => {
  assert.equal(joined('Sáng thứ Hai: 7 giờ 30 – 11 giờ 00'), 'Sáng thứ Hai: 7_giờ_30_– 11_giờ_00');
  assert.equal(joined('mưa 150 – 250 mm'), 'mưa 150_–_250_mm');
  assert.equal(joined('(18/11/1930 – 18/11/2026).'), '(18/11/1930_–_18/11/2026).');
});

test('phone numbers written in groups stay whole', () => {
  assert.equal(joined('qua số điện thoại 0269 3845 114.'), 'qua số điện thoại 0269_3845_114.');
});

test('short names of capitalised syllables stay whole; Title-Case phrases and capitals do not count', () => {
  assert.equal(joined('các làng Dơ Ngol, Bò Ngoong và xã Ia Grai'), 'các làng Dơ_Ngol, Bò_Ngoong và xã Ia_Grai');
  assert.equal(joined('thành phố Hồ Chí Minh và Việt Nam'), 'thành phố Hồ_Chí_Minh và Việt_Nam');
  assert.equal(joined('suối Ia Lâu, Ia Púch'), 'suối Ia_Lâu, Ia_Púch');
  // Four capitalised words in a row are a heading in Title Case, not a name.
  assert.equal(joined('Ban Chỉ Huy Quân Sự xã'), 'Ban Chỉ Huy Quân Sự xã');
  assert.equal(joined('CẢNH BÁO MƯA LỚN'), 'CẢNH BÁO MƯA LỚN');
  // A comma ends the name: "Ngol, Bò" is two names.
  assert.equal(joined('Ngol, Bò'), 'Ngol, Bò');
  // Opening quotes and brackets do not hide a name.
  assert.equal(joined('(Ia Drăng) và “Ia Grai”'), '(Ia_Drăng) và “Ia_Grai”');
});

test('no join reaches across clause punctuation', () => {
  assert.equal(joined('năm 2026, mm'), 'năm_2026, mm');
  assert.equal(joined('đạt 300. Mm'), 'đạt 300. Mm');
  assert.equal(joined('lúc 15: giờ'), 'lúc_15: giờ');
});

test(`no group is longer than ${MAX_GROUP_WORDS} words`, () => {
  const words = '0269 3845 114 115 116 117'.split(' ');
  const glued = nonBreakingGaps(words);
  let run = 1;
  let longest = 1;
  for (let i = 1; i < words.length; i += 1) {
    run = glued[i] ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  assert.equal(longest, MAX_GROUP_WORDS);
  assert.equal(glued[0], false);
  assert.deepEqual(nonBreakingGaps([]), []);
});
