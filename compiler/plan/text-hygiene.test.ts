import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cleanText,
  decodeLegacyText,
  isVietnameseSyllable,
  type TextProblem,
  type TextProblemCode,
} from './text-hygiene.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/**
 * Texts of the sample notices in shared/samples/notices, copied here so the test does not depend
 * on a folder outside the repository. phong-chay-rung-nfd.md stores its title and body in NFD,
 * reproduced with normalize('NFD').
 */
const SAMPLE_TITLES = [
  'CẢNH BÁO MƯA LỚN, LŨ QUÉT VÀ SẠT LỞ ĐẤT',
  'Thông báo thu gom rác thải (bản nháp)',
  'Kế hoạch phát triển thông tin cơ sở năm 2026 trên địa bàn xã',
  '“NGÀY HỘI ĐẠI ĐOÀN KẾT TOÀN DÂN TỘC” NĂM 2026',
  'Mùa khô: chủ động phòng cháy, chữa cháy rừng'.normalize('NFD'),
  'Lịch tiêm chủng mở rộng tháng 12/2026',
  'Lịch tiếp công dân định kỳ',
];

const SAMPLE_PEOPLE = [
  'Ksor Thuận',
  'Rơ Châm Hlin',
  'Chủ tịch UBND xã',
  'Phó Chủ tịch UBND xã',
  'canh-bao-mua-lon',
  'xa-ia-drang',
  '2026-11-22T05:00:00+07:00',
];

const SAMPLE_BODIES = [
  `Từ đêm 22/11 đến ngày 24/11, khu vực xã Ia Drăng có mưa to đến rất to, lượng mưa phổ biến 150–250 mm, có nơi trên 300 mm. Nguy cơ cao xảy ra lũ quét ở các suối Ia Lâu, Ia Púch và sạt lở đất tại các làng Dơ Ngol, Bò Ngoong.

Người dân không qua lại ngầm tràn, suối sâu; di dời tài sản, vật nuôi đến nơi an toàn; theo dõi chỉ dẫn của Ban Chỉ huy phòng thủ dân sự xã.
`,
  `Bản nháp chưa được duyệt: không được xuất hiện trên bảng tin.
`,
  `Thực hiện Chiến lược phát triển lĩnh vực thông tin cơ sở, Ủy ban nhân dân xã ban hành kế hoạch năm 2026 với các nhiệm vụ trọng tâm sau đây.

1. Duy trì hệ thống truyền thanh ứng dụng công nghệ thông tin – viễn thông hoạt động đến tất cả thôn, làng; kịp thời sửa chữa các cụm loa hư hỏng, bảo đảm công tác tuyên truyền thường xuyên.
2. Vận hành bảng tin điện tử công cộng tại trụ sở Ủy ban nhân dân xã và cổng xã, kết nối với Hệ thống thông tin nguồn của tỉnh để nhận nội dung và báo cáo thống kê hoạt động.
3. Cập nhật thường xuyên Trang thông tin điện tử của xã: thông tin về chủ trương, chính sách, văn bản pháp luật mới, các quy định của chính quyền cơ sở và tin tức về các sự kiện nổi bật.
4. Tiếp nhận, xử lý đầy đủ ý kiến phản ánh của người dân về hiệu quả thực thi chính sách, pháp luật ở cơ sở thông qua hệ thống thông tin cơ sở.
5. Cử cán bộ làm công tác thông tin cơ sở tham gia các lớp bồi dưỡng về chuyên môn, nghiệp vụ, ứng dụng công nghệ số để biên soạn tài liệu, lưu trữ thông tin, quản lý và vận hành thiết bị kỹ thuật.
6. Tuyên truyền, phổ biến các ứng dụng công nghệ thông tin trong hoạt động thông tin cơ sở đến đông đảo người dân; biểu dương những mô hình hay, cách làm sáng tạo.

Các thôn, làng và đơn vị liên quan căn cứ kế hoạch này xây dựng kế hoạch cụ thể, báo cáo kết quả thực hiện về Ủy ban nhân dân xã trước ngày 05 tháng 12 hằng năm.
`,
  `Chào mừng 96 năm Ngày truyền thống Mặt trận Tổ quốc Việt Nam (18/11/1930 – 18/11/2026). Các thôn, làng tổ chức Ngày hội Đại đoàn kết toàn dân tộc với các hoạt động văn hóa, thể thao, biểu dương gia đình văn hóa tiêu biểu.
`,
  `Không đốt nương rẫy khi có gió lớn. Khi phát hiện cháy rừng, báo ngay cho Ban Chỉ huy phòng thủ dân sự xã qua số điện thoại 0269 3845 114.
`.normalize('NFD'),
  `Trạm Y tế xã Ia Drăng tổ chức tiêm chủng mở rộng cho trẻ em dưới 5 tuổi vào **ngày 05 và 06 tháng 12 năm 2026**, từ 7 giờ 30 đến 16 giờ 30.

Phụ huynh mang theo sổ tiêm chủng và căn cước công dân. Trẻ đang sốt hoặc mắc bệnh cấp tính sẽ được hẹn tiêm vào đợt sau.
`,
  `Chủ tịch Ủy ban nhân dân xã tiếp công dân vào sáng thứ Hai và chiều thứ Năm hằng tuần tại Phòng tiếp công dân, trụ sở UBND xã.

- Sáng thứ Hai: 7 giờ 30 – 11 giờ 00
- Chiều thứ Năm: 13 giờ 30 – 16 giờ 30

Công dân có thể gửi ý kiến phản ánh qua hòm thư góp ý hoặc quét mã QR trên bảng tin.
`,
];

/** Syllables that exercise the rare corners of the orthography. */
const RARE_VIETNAMESE =
  'Khuya rồi, ngoài sân giếng nước, bà cụ khuỷu tay run run nguệch ngoạc mấy chữ; thuở ấy ' +
  'quỳnh hoa nở, rượu ngon, xoong nồi trên boong tàu ngoằn ngoèo, oẳn tù tì, quýt ngọt, ' +
  'huých nhẹ, tuýp thuốc, khoẻ khoắn, thuý, thúy, hoà, hòa thuận, yểng hót, uể oải, ươm tơ, ' +
  'giữ gìn, tháng giêng, quyết, quen, quăng, xoăn, khuâng, ngoẹo, nhoẻn, khoét, gì, ạ, ừ.';

// ---------------------------------------------------------------------------------------------
// Legacy encoders, written independently of the detector: what a .Vn / VNI / VISCII / CP1258
// document looks like after its bytes are pasted into a Unicode editor (each byte shown as its
// Windows-1252 / Latin-1 character).
// ---------------------------------------------------------------------------------------------

const LOWER_LETTERS =
  'ăâêôơưđ' + 'àảãáạ' + 'ằẳẵắặ' + 'ầẩẫấậ' + 'èẻẽéẹ' + 'ềểễếệ' + 'ìỉĩíị' + 'òỏõóọ' + 'ồổỗốộ' +
  'ờởỡớợ' + 'ùủũúụ' + 'ừửữứự' + 'ỳỷỹýỵ';
// TCVN 5712 (VN3) bytes for the letters above, in the same order.
const TCVN3_BYTES =
  '¨©ª«¬\u00AD®' + 'µ¶·¸¹' + '»¼½¾Æ' + 'ÇÈÉÊË' + 'ÌÎÏÐÑ' + 'ÒÓÔÕÖ' + '×ØÜÝÞ' + 'ßáâãä' + 'åæçèé' +
  'êëìíî' + 'ïñòóô' + 'õö÷øù' + 'úûüýþ';

function encodeTcvn3(text: string): string {
  const upper: Record<string, string> = { Ă: '¡', Â: '¢', Ê: '£', Ô: '¤', Ơ: '¥', Ư: '¦', Đ: '§' };
  const lowerLetters = [...LOWER_LETTERS];
  const bytes = [...TCVN3_BYTES];
  assert.equal(lowerLetters.length, 67);
  assert.equal(bytes.length, 67);
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const up = upper[ch];
    if (up !== undefined) {
      out += up;
      continue;
    }
    // .Vn fonts have no codes for capitals with tones: typists use the lowercase code with the
    // capitals-only .VnTimeH font, so the pasted text shows the lowercase code.
    const i = lowerLetters.indexOf(ch.toLowerCase());
    out += i >= 0 ? bytes[i] : ch;
  }
  return out;
}

function encodeVni(text: string): string {
  const toneMark: Record<string, string> = { '\u0301': 'ù', '\u0300': 'ø', '\u0309': 'û', '\u0303': 'õ', '\u0323': 'ï' };
  const circumflex: Record<string, string> = { '': 'â', '\u0301': 'á', '\u0300': 'à', '\u0309': 'å', '\u0303': 'ã', '\u0323': 'ä' };
  const breve: Record<string, string> = { '': 'ê', '\u0301': 'é', '\u0300': 'è', '\u0309': 'ú', '\u0303': 'ü', '\u0323': 'ë' };
  const iTone: Record<string, string> = { '': 'i', '\u0301': 'í', '\u0300': 'ì', '\u0309': 'æ', '\u0303': 'ó', '\u0323': 'ò' };
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const isUpper = ch !== ch.toLowerCase();
    const cased = (s: string) => (isUpper ? s.toUpperCase() : s);
    const parts = [...ch.toLowerCase().normalize('NFD')];
    const base = parts[0] ?? '';
    const marks = parts.slice(1);
    const tone = marks.find((m) => m in toneMark) ?? '';
    if (base === 'đ') out += cased('ñ');
    else if (base === 'i' && marks.length > 0) out += cased(iTone[tone] ?? '');
    else if (base === 'y' && tone === '\u0323') out += cased('î');
    else if (marks.includes('\u031B')) out += cased(base === 'o' ? 'ô' : 'ö') + (tone ? cased(toneMark[tone] ?? '') : '');
    else if (marks.includes('\u0302')) out += cased(base) + cased(circumflex[tone] ?? '');
    else if (marks.includes('\u0306')) out += cased(base) + cased(breve[tone] ?? '');
    else if (tone) out += cased(base) + cased(toneMark[tone] ?? '');
    else out += ch;
  }
  return out;
}

/** VISCII for the letters used in the test sentence (others are the same as Latin-1). */
function encodeViscii(text: string): string {
  const table: Record<string, string> = {
    ị: '¸', ế: 'ª', ề: '«', ỳ: 'Ï', ứ: 'Ñ', ằ: '¢', ầ: '¥', ạ: 'Õ', ụ: 'ø', ở: '·', ờ: '¶', đ: 'ð', ư: 'ß',
  };
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const mapped = table[ch];
    if (mapped === undefined && ch > '\u00FF') throw new Error(`no VISCII code in this test table for ${ch}`);
    out += mapped ?? ch;
  }
  return out;
}

/** Windows-1258 in its decomposed form (base letter + separate tone byte), read as Windows-1252. */
function encodeCp1258(text: string): string {
  const letter: Record<string, string> = { ă: 'ã', Ă: 'Ã', ơ: 'õ', Ơ: 'Õ', ư: 'ý', Ư: 'Ý', đ: 'ð', Đ: 'Ð' };
  const tone: Record<string, string> = { '\u0300': 'Ì', '\u0301': 'ì', '\u0309': 'Ò', '\u0303': 'Þ', '\u0323': 'ò' };
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const parts = [...ch.normalize('NFD')];
    const toneMark = parts.find((p) => p in tone);
    const withoutTone = parts.filter((p) => p !== toneMark).join('').normalize('NFC');
    out += (letter[withoutTone] ?? withoutTone) + (toneMark ? tone[toneMark] : '');
  }
  return out;
}

const SENTENCE =
  'Ủy ban nhân dân xã thông báo lịch tiếp công dân định kỳ vào sáng thứ Hai hằng tuần tại ' +
  'trụ sở, đề nghị người dân đến đúng giờ.';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function codes(problems: TextProblem[]): TextProblemCode[] {
  return problems.map((p) => p.code);
}

function only(problems: TextProblem[], code: TextProblemCode): TextProblem {
  const found = problems.filter((p) => p.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(problems)}`);
  return found[0] as TextProblem;
}

// ---------------------------------------------------------------------------------------------
// Correct Vietnamese is left alone
// ---------------------------------------------------------------------------------------------

test('sample notice titles, bodies and names produce no problem at all', () => {
  for (const title of SAMPLE_TITLES) {
    assert.deepEqual(cleanText(title, { multiline: false }).problems, [], title);
  }
  for (const text of SAMPLE_PEOPLE) {
    assert.deepEqual(cleanText(text, { multiline: false }).problems, [], text);
  }
  for (const body of SAMPLE_BODIES) {
    assert.deepEqual(cleanText(body, { multiline: true }).problems, [], body.slice(0, 40));
  }
});

test('NFD input (the phong-chay-rung sample, Windows-1258-style combining tones) is composed, not flagged', () => {
  const nfd = SAMPLE_BODIES[4] ?? '';
  assert.notEqual(nfd, nfd.normalize('NFC'));
  assert.match(nfd, /\u0300|\u0301|\u0303|\u0309|\u0323/);
  const result = cleanText(nfd, { multiline: true });
  assert.deepEqual(result.problems, []);
  assert.equal(result.text, nfd.normalize('NFC'));
  assert.ok(result.text.startsWith('Không đốt nương rẫy'));

  const viet = cleanText('Việt Nam'.normalize('NFD'), { multiline: false });
  assert.equal(viet.text, 'Vi\u1EC7t Nam');
  assert.deepEqual(viet.problems, []);
});

test('ethnic-minority names do not trigger errors or warnings', () => {
  for (const name of ['Ia Drăng', 'Ksor Thuận', 'Rơ Châm Hlin', 'Dơ Ngol', 'Bò Ngoong', 'Ia Púch']) {
    assert.deepEqual(cleanText(name, { multiline: false }).problems, [], name);
  }
  const sentence = 'Ông Ksor Thuận và bà Rơ Châm Hlin thăm hỏi bà con làng Dơ Ngol, Bò Ngoong, xã Ia Drăng.';
  assert.deepEqual(cleanText(sentence, { multiline: true }).problems, []);
  const highlands =
    "Đoàn công tác thăm hỏi bà Kpă Thuyên, Siu H'Bia, H'Hen Niê, ông Y Moan Ênuôl ở Đắk Lắk, " +
    "Buôn Ma Thuột, Krông Pắc, Ea H'leo, Kon Tum, Plei Ku.";
  assert.deepEqual(cleanText(highlands, { multiline: true }).problems, []);
});

test('punctuation, numbers, units and symbols are not mistaken for legacy letters', () => {
  const texts = [
    'lượng mưa phổ biến 150–250 mm — có nơi trên 300 mm …',
    'số điện thoại 0269 3845 114',
    'Mặt trận Tổ quốc Việt Nam (18/11/1930 – 18/11/2026)',
    '“Ngày hội” và ‘đoàn kết’ «toàn dân» « tộc »',
    'nhiệt độ 25°C ± 2°, độ ẩm ½, diện tích 3×2 m², © 2026, § 3, giá 10.000 ₫',
  ];
  for (const text of texts) assert.deepEqual(cleanText(text, { multiline: true }).problems, [], text);
});

test('rare but valid Vietnamese syllables are accepted', () => {
  assert.deepEqual(cleanText(RARE_VIETNAMESE, { multiline: true }).problems, []);
  for (const word of RARE_VIETNAMESE.match(/\p{L}+/gu) ?? []) {
    assert.ok(isVietnameseSyllable(word), word);
  }
});

test('foreign words with Latin-1 letters are not taken for legacy encodings', () => {
  const text = 'Đoàn khách của ông Müller, bà Peña và Zoë từ São Paulo, Björn từ Malmö đến thăm xã.';
  assert.deepEqual(cleanText(text, { multiline: true }).problems, []);
  const german = 'Schöne Grüße aus München an Jürgen und Bärbel, für später.';
  assert.ok(!codes(cleanText(german, { multiline: true }).problems).includes('TEXT_LEGACY_ENCODING'));
});

// ---------------------------------------------------------------------------------------------
// Syllable rules used by the heuristics
// ---------------------------------------------------------------------------------------------

test('isVietnameseSyllable: tones, rhymes and glides', () => {
  const valid = ['phát', 'hoạch', 'cáo', 'thuý', 'thúy', 'hoà', 'hòa', 'người', 'quốc', 'giếng', 'gì', 'NGƯỜI', 'Đất', 'khuỷu'];
  const invalid = ['phàt', 'phat', 'hoach', 'trien', 'nguoi', 'caó', 'tuôỉ', 'Ksor', 'Hlin', 'UBND', 'ăn' + '\u0301\u0300', 'tră'];
  for (const w of valid) assert.ok(isVietnameseSyllable(w), w);
  for (const w of invalid) assert.ok(!isVietnameseSyllable(w), w);
});

// ---------------------------------------------------------------------------------------------
// Line endings, control, bidi and replacement characters
// ---------------------------------------------------------------------------------------------

test('CRLF becomes LF without a problem; a lone CR is an error and is removed', () => {
  const crlf = cleanText('Dòng một\r\nDòng hai\r\n', { multiline: true });
  assert.equal(crlf.text, 'Dòng một\nDòng hai\n');
  assert.deepEqual(crlf.problems, []);

  const cr = cleanText('Dòng một\rDòng hai', { multiline: true });
  assert.equal(cr.text, 'Dòng mộtDòng hai');
  const problem = only(cr.problems, 'TEXT_CONTROL_CHARACTER');
  assert.equal(problem.severity, 'error');
  assert.match(problem.message, /U\+000D/);
  assert.match(problem.message, /1:9/);
});

test('control characters are errors, removed, and reported once with count and first position', () => {
  const result = cleanText('Lịch tiêm\u0007 chủng\nngày 05\u0007 tháng 12\u000B', { multiline: true });
  assert.equal(result.text, 'Lịch tiêm chủng\nngày 05 tháng 12');
  assert.deepEqual(codes(result.problems), ['TEXT_CONTROL_CHARACTER', 'TEXT_CONTROL_CHARACTER']);
  const [bell, vt] = result.problems;
  assert.equal(bell?.severity, 'error');
  assert.match(bell?.message ?? '', /U\+0007 \(BELL\) 2 times, first at 1:10 \(in "Lịch tiêm\[U\+0007\] chủng"\)/);
  assert.match(vt?.message ?? '', /U\+000B .*at 2:18/);
});

test('C1 control characters (Windows-1252 read as Latin-1) are errors', () => {
  const result = cleanText('7 giờ 30 \u0096 11 giờ', { multiline: false });
  assert.equal(result.text, '7 giờ 30  11 giờ');
  const problem = only(result.problems, 'TEXT_CONTROL_CHARACTER');
  assert.equal(problem.severity, 'error');
  assert.match(problem.message, /U\+0096.*1:10/);
  assert.match(problem.message, /UTF-8/);
});

test('a tab becomes a space with a warning', () => {
  const result = cleanText('Sáng thứ Hai:\t7 giờ 30', { multiline: true });
  assert.equal(result.text, 'Sáng thứ Hai: 7 giờ 30');
  const problem = only(result.problems, 'TEXT_CONTROL_CHARACTER');
  assert.equal(problem.severity, 'warning');
  assert.match(problem.message, /tab character at 1:14/);
});

test('one-line fields: inner line breaks become spaces with a warning, outer ones are dropped', () => {
  const folded = cleanText('Lịch tiếp công dân\n', { multiline: false });
  assert.equal(folded.text, 'Lịch tiếp công dân');
  assert.deepEqual(folded.problems, []);

  const broken = cleanText('Lịch tiếp\ncông dân', { multiline: false });
  assert.equal(broken.text, 'Lịch tiếp công dân');
  const problem = only(broken.problems, 'TEXT_CONTROL_CHARACTER');
  assert.equal(problem.severity, 'warning');
  assert.match(problem.message, /line break at 1:10/);

  assert.equal(cleanText('Lịch tiếp\ncông dân', { multiline: true }).text, 'Lịch tiếp\ncông dân');
});

test('bidi controls are errors and are removed', () => {
  for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]) {
    const ch = String.fromCodePoint(cp);
    const result = cleanText(`Thông báo${ch} khẩn`, { multiline: false });
    assert.equal(result.text, 'Thông báo khẩn');
    const problem = only(result.problems, 'TEXT_BIDI_CONTROL');
    assert.equal(problem.severity, 'error');
    assert.match(problem.message, new RegExp(`U\\+${cp.toString(16).toUpperCase().padStart(4, '0')}`));
    assert.match(problem.message, /1:10/);
  }
  const override = cleanText('Số tiền: \u202E000.01\u202C đồng', { multiline: false });
  assert.match(override.problems[0]?.message ?? '', /RIGHT-TO-LEFT OVERRIDE/);
  assert.equal(override.problems.length, 2);
});

test('U+FFFD is an error and stays visible in the text', () => {
  const result = cleanText('Th\uFFFDng b\uFFFDo', { multiline: false });
  assert.equal(result.text, 'Th\uFFFDng b\uFFFDo');
  const problem = only(result.problems, 'TEXT_REPLACEMENT_CHARACTER');
  assert.equal(problem.severity, 'error');
  assert.match(problem.message, /2 times, first at 1:3/);
});

test('a leading byte-order mark is dropped silently', () => {
  assert.deepEqual(cleanText('\uFEFFThông báo', { multiline: false }), { text: 'Thông báo', problems: [] });
});

// ---------------------------------------------------------------------------------------------
// Legacy encodings
// ---------------------------------------------------------------------------------------------

test('the test encoders produce the classic mojibake', () => {
  assert.equal(encodeTcvn3('Thông báo lịch tiếp công dân'), 'Th«ng b¸o lÞch tiÕp c«ng d©n');
  assert.equal(encodeTcvn3('Điện Biên'), '§iÖn Biªn');
  assert.equal(encodeVni('Việt Nam'), 'Vieät Nam');
  assert.equal(encodeVni('được Đảng'), 'ñöôïc Ñaûng');
  assert.equal(encodeViscii('lịch tiếp'), 'l¸ch tiªp');
  assert.equal(encodeCp1258('Việt Nam'), 'Viêòt Nam');
});

test('TCVN3 (.Vn fonts) text is refused, naming the encoding and what the words should read', () => {
  const pasted = encodeTcvn3(SENTENCE);
  assert.ok(pasted.includes('®Ò nghÞ ng­êi d©n'));
  const result = cleanText(pasted, { multiline: true });
  const problem = only(result.problems, 'TEXT_LEGACY_ENCODING');
  assert.equal(problem.severity, 'error');
  assert.match(problem.message, /TCVN3 \(ABC, \.Vn fonts\)/);
  assert.match(problem.message, /"ñy" \(1:1\) is "ủy"|"b¸o" \(1:\d+\) is "báo"/);
  assert.match(problem.message, /Unicode/);
  // No accent warning on top of the error: the accents are there, only encoded wrongly.
  assert.deepEqual(codes(result.problems), ['TEXT_LEGACY_ENCODING']);
  assert.equal(decodeLegacyText(pasted, 'TCVN3'), SENTENCE.replace('Ủy', 'ủy'));
});

test('short TCVN3 titles are refused too, including all-caps (.VnTimeH) ones', () => {
  const title = cleanText('Th«ng b¸o', { multiline: false });
  assert.match(only(title.problems, 'TEXT_LEGACY_ENCODING').message, /"Th«ng" \(1:1\) is "Thông", "b¸o" \(1:7\) is "báo"/);

  const caps = encodeTcvn3('CẢNH BÁO MƯA LỚN, LŨ QUÉT VÀ SẠT LỞ ĐẤT');
  assert.equal(caps, 'C¶NH B¸O M¦A LíN, Lò QUÐT Vµ S¹T Lë §ÊT');
  assert.match(only(cleanText(caps, { multiline: false }).problems, 'TEXT_LEGACY_ENCODING').message, /TCVN3/);
});

test('VNI text is refused as VNI', () => {
  const short = cleanText('Vieät Nam', { multiline: false });
  assert.match(only(short.problems, 'TEXT_LEGACY_ENCODING').message, /old VNI encoding.*"Vieät" \(1:1\) is "Việt"/);

  const pasted = encodeVni(SENTENCE);
  assert.ok(pasted.startsWith('UÛy ban nhaân daân xaõ thoâng baùo lòch tieáp'));
  const result = cleanText(pasted, { multiline: true });
  const problem = only(result.problems, 'TEXT_LEGACY_ENCODING');
  assert.equal(problem.severity, 'error');
  assert.match(problem.message, /old VNI encoding/);
  assert.match(problem.message, /from VNI Windows to Unicode/);
  assert.equal(decodeLegacyText(pasted, 'VNI'), SENTENCE);
});

test('VISCII and Windows-1258 text is refused as VISCII/Windows-1258', () => {
  const lower = SENTENCE.replace('Ủy', 'ủy').replace('Hai', 'hai');
  const viscii = cleanText(encodeViscii(lower.replace('ủy ban', 'ban')), { multiline: true });
  assert.match(only(viscii.problems, 'TEXT_LEGACY_ENCODING').message, /VISCII\/Windows-1258/);

  const cp1258 = encodeCp1258(SENTENCE);
  assert.ok(cp1258.includes('thông baìo liòch tiêìp'));
  const result = cleanText(cp1258, { multiline: true });
  const problem = only(result.problems, 'TEXT_LEGACY_ENCODING');
  assert.match(problem.message, /VISCII\/Windows-1258/);
  assert.match(problem.message, /"baìo" \(1:\d+\) is "báo"/);
  assert.equal(decodeLegacyText(cp1258, 'WINDOWS-1258'), SENTENCE);
});

test('a legacy paragraph inside a correct Unicode body is still found, with its line', () => {
  const body = `${SAMPLE_BODIES[1] ?? ''}\n${encodeTcvn3('Đề nghị các thôn, làng thông báo cho người dân.')}\n`;
  const problem = only(cleanText(body, { multiline: true }).problems, 'TEXT_LEGACY_ENCODING');
  assert.match(problem.message, /"§Ò" \(3:1\) is "Đề"/);
});

// ---------------------------------------------------------------------------------------------
// Missing and OCR-mangled accents
// ---------------------------------------------------------------------------------------------

test('text without any accents gets TEXT_NO_DIACRITICS (a warning)', () => {
  const result = cleanText('Thong bao lich tiep cong dan', { multiline: true });
  assert.equal(result.text, 'Thong bao lich tiep cong dan');
  const problem = only(result.problems, 'TEXT_NO_DIACRITICS');
  assert.equal(problem.severity, 'warning');
  assert.match(problem.message, /0 of 6 words/);
  assert.match(problem.message, /"Thong bao lich tiep cong dan" at 1:1/);
  assert.match(problem.message, /"lich" at 1:11 cannot be Vietnamese without marks/);

  const long = cleanText(
    'Uy ban nhan dan xa thong bao lich tiep cong dan dinh ky vao sang thu Hai hang tuan tai tru so.',
    { multiline: true },
  );
  assert.equal(only(long.problems, 'TEXT_NO_DIACRITICS').severity, 'warning');
});

test('short strings only get an accent warning when clearly bare', () => {
  assert.deepEqual(cleanText('Thong bao', { multiline: false }).problems, []);
  assert.deepEqual(cleanText('tiep-cong-dan', { multiline: false }).problems, []);
  assert.deepEqual(cleanText('Ia Drang', { multiline: false }).problems, []);
  assert.deepEqual(cleanText('Lịch tiếp công dân', { multiline: false }).problems, []);
  const bare = cleanText('Lich tiep cong dan', { multiline: false });
  assert.equal(only(bare.problems, 'TEXT_NO_DIACRITICS').severity, 'warning');
});

test('OCR-mangled text gets TEXT_OCR_SUSPECT (a warning) quoting the suspicious words', () => {
  const result = cleanText('Ké hoach phat trien thong tin co sé', { multiline: false });
  const problem = only(result.problems, 'TEXT_OCR_SUSPECT');
  assert.equal(problem.severity, 'warning');
  assert.match(problem.message, /only 2 of 8 words carry marks/);
  assert.match(problem.message, /"hoach" at 1:4, "phat" at 1:10, "trien" at 1:15/);
  assert.deepEqual(codes(result.problems), ['TEXT_OCR_SUSPECT']);

  // OCR that kept the vowel modifiers but lost most tones: enough marks, but many words that
  // cannot be Vietnamese as written ("Thưc" needs a tone on a -c syllable).
  const tonesLost = cleanText(
    'Thưc hiên Chiên lươc phat triên linh vưc thông tin cơ sơ, Uy ban nhân dân xa ban hanh kê hoach',
    { multiline: true },
  );
  const ocr = only(tonesLost.problems, 'TEXT_OCR_SUSPECT');
  assert.match(ocr.message, /only 12 of 21 words carry marks; check "Thưc" at 1:1, "lươc" at 1:17, "phat" at 1:22/);
});

test('a few typos in otherwise correct text do not warn', () => {
  const text = 'Ủy ban nhân dân xã thông báo lịch tiêp công dân định kỳ vào sáng thứ Hai hằng tuần tại trụ sở.';
  assert.deepEqual(cleanText(text, { multiline: true }).problems, []);
});
