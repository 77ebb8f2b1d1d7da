import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { jsonSchemas } from '../compiler/cli.ts';
import { PROJECT_ROOT, SHARED_SAMPLES } from './support/paths.ts';

// The JSON Schemas editors validate against are generated from the zod schemas the compiler
// uses; the committed copies must not drift from them (regenerate with `npm run schemas`).

test('committed JSON Schemas equal the ones generated from the code', async () => {
  for (const [name, schema] of Object.entries(jsonSchemas())) {
    const committed = JSON.parse(await readFile(join(PROJECT_ROOT, 'compiler', 'format', 'json-schema', name), 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(schema)), `${name} is stale: run npm run schemas`);
  }
});

test('the site schema refuses unknown fields and accepts the sample site', async () => {
  const schema = jsonSchemas()['site.schema.json'] as { additionalProperties: boolean; required: string[]; properties: Record<string, unknown> };
  assert.equal(schema.additionalProperties, false);
  assert.ok(schema.required.includes('screens'));
  const sample = parse(await readFile(join(SHARED_SAMPLES, 'site.yaml'), 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(sample)) assert.ok(key in schema.properties, `sample field ${key} is in the schema`);
});
