import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { CompileFailure, fieldPath, type CompileProblem } from '../plan/compile-problem.ts';

// Reads a small YAML file the station keeps (approver registry, withdrawals, trusted sources)
// through its zod schema. Every problem names the file and the field; nothing is half-read.

export async function readYamlFile<S extends z.ZodType>(options: { file: string; schema: S; code: string; what: string; missing?: () => z.infer<S> }): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.missing) return options.missing();
    throw new CompileFailure([{ severity: 'error', code: `${options.code}_UNREADABLE`, file: options.file, message: `cannot read the ${options.what} (${(error as Error).message}); check the path` }]);
  }
  return parseYamlText({ ...options, text });
}

export function parseYamlText<S extends z.ZodType>(options: { text: string; file: string; schema: S; code: string; what: string }): z.infer<S> {
  const document = parseDocument(options.text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new CompileFailure(
      document.errors.map((error) => ({ severity: 'error' as const, code: `${options.code}_YAML`, file: options.file, message: `the ${options.what} is malformed YAML: ${error.message.split('\n')[0]}` })),
    );
  }
  const parsed = options.schema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new CompileFailure(
      parsed.error.issues.map((issue): CompileProblem => ({
        severity: 'error',
        code: `${options.code}_FIELD`,
        file: options.file,
        field: fieldPath(issue.path) || '(top level)',
        message: issue.code === 'unrecognized_keys' ? `${issue.message}; remove it or check its spelling` : `${issue.message} (in the ${options.what})`,
      })),
    );
  }
  return parsed.data;
}
