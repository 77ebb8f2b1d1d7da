import QRCode from 'qrcode';

/** The dark/light modules of a QR code for `text`, as rows of '1' and '0' (no quiet zone). */
export function qrModules(text: string): string[] {
  // Level M survives a scratched or sun-faded screen without making the code too dense to
  // scan from a metre away.
  const code = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const { size, data } = code.modules;
  const rows: string[] = [];
  for (let row = 0; row < size; row += 1) {
    let line = '';
    for (let col = 0; col < size; col += 1) line += data[row * size + col] ? '1' : '0';
    rows.push(line);
  }
  return rows;
}
