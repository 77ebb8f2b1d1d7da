import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { siteSchema, type Site } from '../format/site-schema.ts';
import { CompileFailure, fieldPath, type CompileProblem } from '../plan/compile-problem.ts';

/** Reads and validates a site description; throws CompileFailure naming the file and field. */
export async function readSite(file: string): Promise<Site> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CompileFailure([
      { severity: 'error', code: 'SITE_UNREADABLE', file, message: `cannot read the site description (${(error as Error).message}); check the --site path` },
    ]);
  }
  return parseSite(text, file);
}

export function parseSite(text: string, file: string): Site {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new CompileFailure(
      document.errors.map((error) => ({
        severity: 'error' as const,
        code: 'SITE_YAML',
        file,
        message: `the YAML is malformed: ${error.message.split('\n')[0]}`,
      })),
    );
  }
  const parsed = siteSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new CompileFailure(
      parsed.error.issues.map((issue): CompileProblem => ({
        severity: 'error',
        code: issue.code === 'unrecognized_keys' ? 'SITE_UNKNOWN_FIELD' : 'SITE_FIELD',
        file,
        field: fieldPath(issue.path) || '(top level)',
        message:
          issue.code === 'unrecognized_keys'
            ? `${issue.message}; remove it or check its spelling against compiler/format/json-schema/site.schema.json`
            : issue.message,
      })),
    );
  }
  const site = parsed.data;
  const problems: CompileProblem[] = [];
  const seen = new Set<string>();
  site.screens.forEach((screen, i) => {
    if (seen.has(screen.id)) {
      problems.push({ severity: 'error', code: 'SITE_DUPLICATE_SCREEN', file, field: `screens[${i}].id`, message: `screen id "${screen.id}" is used twice; give each screen its own id` });
    }
    seen.add(screen.id);
    if (screen.kind === 'led' && screen.pitchMm === undefined) {
      problems.push({ severity: 'error', code: 'SITE_LED_PITCH', file, field: `screens[${i}].pitchMm`, message: 'an LED screen needs its pixel pitch in millimetres (e.g. pitchMm: 5) to choose legible text sizes' });
    }
  });
  if (problems.length > 0) throw new CompileFailure(problems);
  return site;
}
