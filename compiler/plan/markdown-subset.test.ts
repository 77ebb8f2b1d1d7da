import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNoticeBody, type BodyProblem, type TextBlock } from './markdown-subset.ts';

// Bodies of three sample notices (shared/samples/notices), copied so the test is self-contained.
const TIEM_CHUNG = `Trạm Y tế xã Ia Drăng tổ chức tiêm chủng mở rộng cho trẻ em dưới 5 tuổi vào **ngày 05 và 06 tháng 12 năm 2026**, từ 7 giờ 30 đến 16 giờ 30.

Phụ huynh mang theo sổ tiêm chủng và căn cước công dân. Trẻ đang sốt hoặc mắc bệnh cấp tính sẽ được hẹn tiêm vào đợt sau.
`;

const TIEP_CONG_DAN = `Chủ tịch Ủy ban nhân dân xã tiếp công dân vào sáng thứ Hai và chiều thứ Năm hằng tuần tại Phòng tiếp công dân, trụ sở UBND xã.

- Sáng thứ Hai: 7 giờ 30 – 11 giờ 00
- Chiều thứ Năm: 13 giờ 30 – 16 giờ 30

Công dân có thể gửi ý kiến phản ánh qua hòm thư góp ý hoặc quét mã QR trên bảng tin.
`;

const KE_HOACH = `Thực hiện Chiến lược phát triển lĩnh vực thông tin cơ sở, Ủy ban nhân dân xã ban hành kế hoạch năm 2026 với các nhiệm vụ trọng tâm sau đây.

1. Duy trì hệ thống truyền thanh ứng dụng công nghệ thông tin – viễn thông hoạt động đến tất cả thôn, làng; kịp thời sửa chữa các cụm loa hư hỏng, bảo đảm công tác tuyên truyền thường xuyên.
2. Vận hành bảng tin điện tử công cộng tại trụ sở Ủy ban nhân dân xã và cổng xã, kết nối với Hệ thống thông tin nguồn của tỉnh để nhận nội dung và báo cáo thống kê hoạt động.
3. Cập nhật thường xuyên Trang thông tin điện tử của xã: thông tin về chủ trương, chính sách, văn bản pháp luật mới, các quy định của chính quyền cơ sở và tin tức về các sự kiện nổi bật.
4. Tiếp nhận, xử lý đầy đủ ý kiến phản ánh của người dân về hiệu quả thực thi chính sách, pháp luật ở cơ sở thông qua hệ thống thông tin cơ sở.
5. Cử cán bộ làm công tác thông tin cơ sở tham gia các lớp bồi dưỡng về chuyên môn, nghiệp vụ, ứng dụng công nghệ số để biên soạn tài liệu, lưu trữ thông tin, quản lý và vận hành thiết bị kỹ thuật.
6. Tuyên truyền, phổ biến các ứng dụng công nghệ thông tin trong hoạt động thông tin cơ sở đến đông đảo người dân; biểu dương những mô hình hay, cách làm sáng tạo.

Các thôn, làng và đơn vị liên quan căn cứ kế hoạch này xây dựng kế hoạch cụ thể, báo cáo kết quả thực hiện về Ủy ban nhân dân xã trước ngày 05 tháng 12 hằng năm.
`;

function plain(text: string): TextBlock {
  return { kind: 'paragraph', runs: [{ text, bold: false }] };
}

function problemCodes(problems: BodyProblem[]): string[] {
  return problems.map((p) => `${p.severity}:${p.code}@${p.line}`);
}

// ---------------------------------------------------------------------------------------------
// Sample notices
// ---------------------------------------------------------------------------------------------

test('tiem-chung-thang-12: a bold run inside the first paragraph', () => {
  const { blocks, problems } = parseNoticeBody(TIEM_CHUNG);
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [
    {
      kind: 'paragraph',
      runs: [
        { text: 'Trạm Y tế xã Ia Drăng tổ chức tiêm chủng mở rộng cho trẻ em dưới 5 tuổi vào ', bold: false },
        { text: 'ngày 05 và 06 tháng 12 năm 2026', bold: true },
        { text: ', từ 7 giờ 30 đến 16 giờ 30.', bold: false },
      ],
    },
    plain(
      'Phụ huynh mang theo sổ tiêm chủng và căn cước công dân. Trẻ đang sốt hoặc mắc bệnh cấp tính sẽ được hẹn tiêm vào đợt sau.',
    ),
  ]);
});

test('tiep-cong-dan: paragraph, two bullets, paragraph', () => {
  const { blocks, problems } = parseNoticeBody(TIEP_CONG_DAN);
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [
    plain(
      'Chủ tịch Ủy ban nhân dân xã tiếp công dân vào sáng thứ Hai và chiều thứ Năm hằng tuần tại Phòng tiếp công dân, trụ sở UBND xã.',
    ),
    { kind: 'bullet', runs: [{ text: 'Sáng thứ Hai: 7 giờ 30 – 11 giờ 00', bold: false }] },
    { kind: 'bullet', runs: [{ text: 'Chiều thứ Năm: 13 giờ 30 – 16 giờ 30', bold: false }] },
    plain('Công dân có thể gửi ý kiến phản ánh qua hòm thư góp ý hoặc quét mã QR trên bảng tin.'),
  ]);
});

test('ke-hoach-thong-tin-co-so: numbered list 1–6 between two paragraphs', () => {
  const { blocks, problems } = parseNoticeBody(KE_HOACH);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    blocks.map((b) => [b.kind, b.number]),
    [
      ['paragraph', undefined],
      ['numbered', 1],
      ['numbered', 2],
      ['numbered', 3],
      ['numbered', 4],
      ['numbered', 5],
      ['numbered', 6],
      ['paragraph', undefined],
    ],
  );
  assert.deepEqual(blocks[3], {
    kind: 'numbered',
    number: 3,
    runs: [
      {
        text: 'Cập nhật thường xuyên Trang thông tin điện tử của xã: thông tin về chủ trương, chính sách, văn bản pháp luật mới, các quy định của chính quyền cơ sở và tin tức về các sự kiện nổi bật.',
        bold: false,
      },
    ],
  });
  assert.ok(!('number' in (blocks[0] ?? {})));
});

// ---------------------------------------------------------------------------------------------
// Paragraphs and whitespace
// ---------------------------------------------------------------------------------------------

test('single line breaks join with a space; blank lines (also with spaces, CRLF) separate paragraphs', () => {
  const { blocks, problems } = parseNoticeBody('  Dòng một\ndòng hai  \r\n   \r\nĐoạn   hai\t có\n\n\n\nĐoạn ba');
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [plain('Dòng một dòng hai'), plain('Đoạn hai có'), plain('Đoạn ba')]);
});

test('empty and whitespace-only bodies give no blocks', () => {
  assert.deepEqual(parseNoticeBody(''), { blocks: [], problems: [] });
  assert.deepEqual(parseNoticeBody('\n  \n\t\n'), { blocks: [], problems: [] });
});

test('a no-break space is kept (it is deliberate), ASCII whitespace is collapsed', () => {
  const { blocks } = parseNoticeBody('lượng mưa 150\u00A0mm,   có nơi');
  assert.deepEqual(blocks, [plain('lượng mưa 150\u00A0mm, có nơi')]);
});

// ---------------------------------------------------------------------------------------------
// Bold
// ---------------------------------------------------------------------------------------------

test('**bold** and __bold__, spanning a line break, with whitespace at the edges trimmed', () => {
  const { blocks, problems } = parseNoticeBody('**Khẩn:** người dân __không__ qua\n**ngầm\ntràn**.  ');
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [
    {
      kind: 'paragraph',
      runs: [
        { text: 'Khẩn:', bold: true },
        { text: ' người dân ', bold: false },
        { text: 'không', bold: true },
        { text: ' qua ', bold: false },
        { text: 'ngầm tràn', bold: true },
        { text: '.', bold: false },
      ],
    },
  ]);
});

test('adjacent runs with the same boldness are merged', () => {
  const { blocks } = parseNoticeBody('**Mưa** **lớn** và __lũ__**quét**');
  assert.deepEqual(blocks, [
    {
      kind: 'paragraph',
      runs: [
        { text: 'Mưa lớn', bold: true },
        { text: ' và ', bold: false },
        { text: 'lũquét', bold: true },
      ],
    },
  ]);
});

test('bold around punctuation and quotes follows the flanking rules', () => {
  const { blocks, problems } = parseNoticeBody('Chủ đề:**“Ngày hội Đại đoàn kết”** năm 2026');
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks[0]?.runs, [
    { text: 'Chủ đề:', bold: false },
    { text: '“Ngày hội Đại đoàn kết”', bold: true },
    { text: ' năm 2026', bold: false },
  ]);
});

test('an unclosed ** is a warning and is shown literally', () => {
  const { blocks, problems } = parseNoticeBody('Dòng đầu\n\nLịch **tiêm chủng tháng 12');
  assert.deepEqual(blocks[1], plain('Lịch **tiêm chủng tháng 12'));
  assert.deepEqual(problemCodes(problems), ['warning:BODY_UNCLOSED_BOLD@3']);
  assert.match(problems[0]?.message ?? '', /^Line 3: "\*\*" has no partner/);
});

test('a stray closing ** and an unclosed __ are warnings too', () => {
  const { blocks, problems } = parseNoticeBody('tiêm chủng** tháng 12\n__sáng thứ Hai');
  assert.deepEqual(blocks, [plain('tiêm chủng** tháng 12 __sáng thứ Hai')]);
  assert.deepEqual(problemCodes(problems), ['warning:BODY_UNCLOSED_BOLD@1', 'warning:BODY_UNCLOSED_BOLD@2']);
});

test('escapes produce literal characters and never start bold', () => {
  const { blocks, problems } = parseNoticeBody('Giá \\*\\*không đổi\\*\\*, ký hiệu \\_\\_x\\_\\_, \\# và \\[1\\], đường dẫn C:\\Windows');
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [plain('Giá **không đổi**, ký hiệu __x__, # và [1], đường dẫn C:\\Windows')]);
});

test('single * and _ (italic in full Markdown), ***, intraword __ and arithmetic stay literal', () => {
  const { blocks, problems } = parseNoticeBody('*nghiêng* _nghiêng_ 5 * 3 = 15, ma_so__phieu__01');
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [plain('*nghiêng* _nghiêng_ 5 * 3 = 15, ma_so__phieu__01')]);

  const triple = parseNoticeBody('***Khẩn***');
  assert.deepEqual(triple.problems, []);
  assert.deepEqual(triple.blocks[0]?.runs, [{ text: '*Khẩn*', bold: true }]);
});

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

test('bullets with -, * and +, continuation lines, and bold inside items', () => {
  const { blocks, problems } = parseNoticeBody(
    'Chuẩn bị:\n- Sổ **tiêm chủng**\n* Căn cước\n  công dân\n+ Khẩu trang',
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [
    plain('Chuẩn bị:'),
    { kind: 'bullet', runs: [{ text: 'Sổ ', bold: false }, { text: 'tiêm chủng', bold: true }] },
    { kind: 'bullet', runs: [{ text: 'Căn cước công dân', bold: false }] },
    { kind: 'bullet', runs: [{ text: 'Khẩu trang', bold: false }] },
  ]);
});

test('a line starting with ** is bold text, not a bullet; "-5" and "---" are text', () => {
  const { blocks } = parseNoticeBody('**Lưu ý** mang theo sổ\n\n-5 độ C\n\n---');
  assert.deepEqual(blocks, [
    { kind: 'paragraph', runs: [{ text: 'Lưu ý', bold: true }, { text: ' mang theo sổ', bold: false }] },
    plain('-5 độ C'),
    plain('---'),
  ]);
});

test('numbered items with "1." and "1)" count on from the first number, across blank lines', () => {
  const { blocks } = parseNoticeBody('3) ba\n3) bốn\n\n3. năm\n\nĐoạn giữa.\n\n1. một\n1. hai');
  assert.deepEqual(
    blocks.map((b) => [b.kind, b.number, b.runs[0]?.text]),
    [
      ['numbered', 3, 'ba'],
      ['numbered', 4, 'bốn'],
      ['numbered', 5, 'năm'],
      ['paragraph', undefined, 'Đoạn giữa.'],
      ['numbered', 1, 'một'],
      ['numbered', 2, 'hai'],
    ],
  );
});

test('dates and times at the start of a line are not list items', () => {
  const { blocks } = parseNoticeBody('18/11/1930 – 18/11/2026\n7 giờ 30: tập trung');
  assert.deepEqual(blocks, [plain('18/11/1930 – 18/11/2026 7 giờ 30: tập trung')]);
});

// ---------------------------------------------------------------------------------------------
// Headings
// ---------------------------------------------------------------------------------------------

test('a heading is a warning and becomes a bold paragraph of its own', () => {
  const { blocks, problems } = parseNoticeBody('Mở đầu\n## Lịch **tiêm** ##\nNội dung tiếp theo');
  assert.deepEqual(blocks, [
    plain('Mở đầu'),
    { kind: 'paragraph', runs: [{ text: 'Lịch tiêm', bold: true }] },
    plain('Nội dung tiếp theo'),
  ]);
  assert.deepEqual(problemCodes(problems), ['warning:BODY_HEADING@2']);
  assert.match(problems[0]?.message ?? '', /bold paragraph/);
  assert.match(problems[0]?.message ?? '', /title:/);
});

test('#hashtag and #5 are text, not headings', () => {
  const { blocks, problems } = parseNoticeBody('#ChungTayPhongDich và phòng #5');
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [plain('#ChungTayPhongDich và phòng #5')]);
});

// ---------------------------------------------------------------------------------------------
// Refused constructs
// ---------------------------------------------------------------------------------------------

test('HTML tags are errors and are dropped from the text', () => {
  const { blocks, problems } = parseNoticeBody(
    'Đây là <b>chữ đậm</b>.<br>\n<script>alert(1)</script>\n<img src="http://x.vn/a.png" alt="ảnh">\n<!-- ghi chú -->',
  );
  assert.deepEqual(problemCodes(problems), [
    'error:BODY_HTML@1',
    'error:BODY_HTML@1',
    'error:BODY_HTML@1',
    'error:BODY_HTML@2',
    'error:BODY_HTML@2',
    'error:BODY_HTML@3',
    'error:BODY_HTML@4',
  ]);
  assert.match(problems[0]?.message ?? '', /^Line 1: the HTML "<b>" is not allowed/);
  assert.match(problems[5]?.message ?? '', /<img src="http:\/\/x\.vn\/a\.png" alt="ảnh">/);
  assert.match(problems[5]?.message ?? '', /images:/);
  assert.deepEqual(blocks, [plain('Đây là chữ đậm. alert(1)')]);
});

test('a < that is not a tag is text', () => {
  const { blocks, problems } = parseNoticeBody('trẻ em < 5 tuổi, a<b, 3 <= 4 và <5kg>');
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [plain('trẻ em < 5 tuổi, a<b, 3 <= 4 và <5kg>')]);
});

test('Markdown links are errors; the link text is kept', () => {
  const { blocks, problems } = parseNoticeBody('Xem [Cổng dịch vụ **công**](https://dichvucong.gov.vn) để nộp hồ sơ.');
  assert.deepEqual(problemCodes(problems), ['error:BODY_LINK@1']);
  assert.match(problems[0]?.message ?? '', /Write the address as plain text/);
  assert.match(problems[0]?.message ?? '', /https:\/\/dichvucong\.gov\.vn/);
  assert.deepEqual(blocks[0]?.runs, [
    { text: 'Xem Cổng dịch vụ ', bold: false },
    { text: 'công', bold: true },
    { text: ' để nộp hồ sơ.', bold: false },
  ]);
});

test('autolinks (URL and e-mail) are errors; the address is kept as text', () => {
  const { blocks, problems } = parseNoticeBody('Trang <https://iadrang.gialai.gov.vn>\nhoặc <vanthu@iadrang.gov.vn>');
  assert.deepEqual(problemCodes(problems), ['error:BODY_LINK@1', 'error:BODY_LINK@2']);
  assert.match(problems[0]?.message ?? '', /without the angle brackets: https:\/\/iadrang\.gialai\.gov\.vn$/);
  assert.deepEqual(blocks, [plain('Trang https://iadrang.gialai.gov.vn hoặc vanthu@iadrang.gov.vn')]);
});

test('images are errors pointing to the images: field, and are dropped', () => {
  const { blocks, problems } = parseNoticeBody('Bản đồ vùng ngập:\n\n![bản đồ](../images/ban-do.png)\n\nHết.');
  assert.deepEqual(problemCodes(problems), ['error:BODY_IMAGE@3']);
  assert.match(problems[0]?.message ?? '', /"!\[bản đồ\]\(\.\.\/images\/ban-do\.png\)"/);
  assert.match(problems[0]?.message ?? '', /"images:" field/);
  assert.deepEqual(blocks, [plain('Bản đồ vùng ngập:'), plain('Hết.')]);
});

test('a bare URL written as plain text is fine, underscores and all', () => {
  const { blocks, problems } = parseNoticeBody('Tra cứu tại https://dichvucong.gov.vn/p/home/dvc_trang_chu__moi.html hoặc www.gialai.gov.vn.');
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [plain('Tra cứu tại https://dichvucong.gov.vn/p/home/dvc_trang_chu__moi.html hoặc www.gialai.gov.vn.')]);
});

test('square brackets without a (url) are text', () => {
  const { blocks, problems } = parseNoticeBody('Theo [1] và [Điều 5] (Luật Tiếp công dân)');
  assert.deepEqual(problems, []);
  assert.deepEqual(blocks, [plain('Theo [1] và [Điều 5] (Luật Tiếp công dân)')]);
});

test('problems are reported in line order with the line of the construct inside a block', () => {
  const { problems } = parseNoticeBody('# Tiêu đề\n\nDòng hai\ndòng ba có <u>gạch</u>\n- mục [x](y)\n  **chưa đóng');
  assert.deepEqual(problemCodes(problems), [
    'warning:BODY_HEADING@1',
    'error:BODY_HTML@4',
    'error:BODY_HTML@4',
    'error:BODY_LINK@5',
    'warning:BODY_UNCLOSED_BOLD@6',
  ]);
});
