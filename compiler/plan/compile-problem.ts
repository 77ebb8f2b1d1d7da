// Every complaint the compiler makes has the same shape, so the CLI, the preview page and the
// compile report can all show it: a stable code, the file, the field, and a sentence that
// says what is wrong and how to fix it.

export type Severity = 'error' | 'warning';

export interface CompileProblem {
  readonly severity: Severity;
  readonly code: string;
  /** The input file the problem is in, as given on the command line (or a notice id). */
  readonly file: string;
  /** Dotted path of the field inside the file, e.g. "valid.to" or "screens[2].size.width". */
  readonly field?: string;
  /** The screen the problem concerns, when it is about fitting to one screen. */
  readonly screen?: string;
  readonly message: string;
}

export function formatProblem(problem: CompileProblem): string {
  const where = [problem.file, problem.field ? `field ${problem.field}` : undefined, problem.screen ? `screen ${problem.screen}` : undefined]
    .filter(Boolean)
    .join(', ');
  return `${problem.severity} ${problem.code} (${where}): ${problem.message}`;
}

/** Thrown when compilation cannot produce output; carries every error found, not just the first. */
export class CompileFailure extends Error {
  override readonly name = 'CompileFailure';
  constructor(readonly problems: readonly CompileProblem[]) {
    super(problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n'));
  }
}

/** Turns a zod issue path into the dotted form officers see: screens[2].size.width */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}
