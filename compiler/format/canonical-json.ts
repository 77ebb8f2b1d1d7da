// Canonical JSON: object keys sorted by code unit, no insignificant white space, strings NFC.
// A bundle id is the sha256 of these bytes, so two compiles of the same inputs must produce
// the same text no matter in which order the compiler happened to build its objects.

export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError';
}

export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

const NON_ASCII = /[^\x00-\x7f]/;

// Written as plain loops: a 500-notice compile canonicalises megabytes of scene data, and the
// entries/sort/map/join version spent most of a warm recompile here.
function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${path} is not a finite number`);
      // -0 and 0 must hash the same.
      return JSON.stringify(value === 0 ? 0 : value);
    case 'string':
      return JSON.stringify(NON_ASCII.test(value) ? value.normalize('NFC') : value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) out += (i > 0 ? ',' : '') + write(value[i], path);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${write(item, path)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new CanonicalJsonError(`${path} has type ${typeof value}, which JSON cannot carry`);
  }
}
