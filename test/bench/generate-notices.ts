import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

// A deterministic corpus of realistic notices with pictures, for benchmarks: varied lengths,
// lists and bold runs, priority mixes, and one distinct photo-like image per notice.

const TITLES = [
  'Thông báo lịch tiếp công dân định kỳ tháng',
  'Kế hoạch tổng vệ sinh môi trường khu dân cư',
  'Tuyên truyền phòng, chống dịch sốt xuất huyết',
  'Lịch tiêm chủng mở rộng cho trẻ em dưới 5 tuổi',
  'Thông báo thu thuế sử dụng đất phi nông nghiệp',
  'Hướng dẫn đăng ký tạm trú, tạm vắng trực tuyến',
  'Ngày hội văn hóa, thể thao các dân tộc của xã',
  'Cảnh giác với các hình thức lừa đảo qua điện thoại',
];
const SENTENCES = [
  'Ủy ban nhân dân xã đề nghị các thôn, làng phổ biến rộng rãi nội dung này đến từng hộ gia đình.',
  'Người dân mang theo căn cước công dân và các giấy tờ liên quan khi đến làm thủ tục.',
  'Mọi thắc mắc xin liên hệ bộ phận một cửa của Ủy ban nhân dân xã trong giờ hành chính.',
  'Các hộ gia đình chủ động khơi thông cống rãnh, thu gom rác thải đúng nơi quy định.',
  'Trưởng thôn có trách nhiệm tổng hợp danh sách và báo cáo kết quả về xã trước ngày 15.',
  'Đề nghị bà con không tự ý đốt rác, đốt thực bì gần khu dân cư và rừng phòng hộ.',
  'Thời gian thực hiện từ 7 giờ 30 đến 11 giờ 00 các ngày thứ Hai đến thứ Sáu hằng tuần.',
];

/** A small seeded generator so the corpus is identical on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function photo(path: string, seed: number): Promise<void> {
  const random = seeded(seed);
  const shapes = Array.from({ length: 14 }, () => {
    const colour = `rgb(${Math.floor(random() * 255)},${Math.floor(random() * 255)},${Math.floor(random() * 255)})`;
    return `<circle cx="${Math.floor(random() * 1600)}" cy="${Math.floor(random() * 1000)}" r="${40 + Math.floor(random() * 300)}" fill="${colour}" fill-opacity="0.7"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1000"><defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#7fb3e0"/><stop offset="1" stop-color="#3d7a3a"/></linearGradient></defs><rect width="1600" height="1000" fill="url(#g)"/>${shapes}</svg>`;
  await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toFile(path);
}

export function noticeMarkdown(index: number, variant = 0): string {
  const random = seeded(index * 7919 + 17);
  const title = `${TITLES[index % TITLES.length]} (số ${index + 1})`;
  const paragraphs: string[] = [];
  const count = 1 + Math.floor(random() * 4);
  for (let p = 0; p < count; p += 1) {
    const sentences = Array.from({ length: 1 + Math.floor(random() * 3) }, () => SENTENCES[Math.floor(random() * SENTENCES.length)]);
    paragraphs.push(sentences.join(' '));
  }
  if (random() < 0.4) paragraphs.push(['- Sáng: 7 giờ 30 – 11 giờ 00', '- Chiều: 13 giờ 30 – 16 giờ 30'].join('\n'));
  if (random() < 0.3) paragraphs.push(`Hạn cuối: **ngày ${String(1 + (index % 28)).padStart(2, '0')} tháng 12 năm 2026**.`);
  if (variant > 0) paragraphs.push(`Cập nhật lần ${variant}: bổ sung thông tin theo chỉ đạo của Ủy ban nhân dân xã.`);
  const priority = index % 10 === 0 ? 'priority' : 'normal';
  return [
    '---',
    `id: tb-${String(index).padStart(4, '0')}`,
    `title: "${title}"`,
    'category: thong-bao',
    `priority: ${priority}`,
    'valid: { from: "2026-11-01T00:00:00+07:00", to: "2027-01-31T23:59:59+07:00" }',
    'targets: [xa-ia-drang]',
    `images: [../images/anh-${String(index).padStart(4, '0')}.jpg]`,
    'approval: { by: "Ksor Thuận", role: "Chủ tịch UBND xã", at: "2026-10-30T08:00:00+07:00" }',
    '---',
    paragraphs.join('\n\n'),
    '',
  ].join('\n');
}

export async function generateCorpus(dir: string, count: number): Promise<{ notices: string; images: string }> {
  const notices = join(dir, 'notices');
  const images = join(dir, 'images');
  await mkdir(notices, { recursive: true });
  await mkdir(images, { recursive: true });
  for (let i = 0; i < count; i += 1) {
    await photo(join(images, `anh-${String(i).padStart(4, '0')}.jpg`), i + 1);
    await writeFile(join(notices, `tb-${String(i).padStart(4, '0')}.md`), noticeMarkdown(i));
  }
  return { notices, images };
}
