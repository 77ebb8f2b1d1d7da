import { watch, type FSWatcher } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { compile, type CompileReport } from '../../compiler/compile.ts';
import { ImagePipeline } from '../../compiler/io/image-pipeline.ts';
import { loadApproverKeys } from '../../compiler/io/approver-registry-file.ts';
import { loadFontMeasurer } from '../../compiler/io/font-measurer.ts';
import { CompileFailure, type CompileProblem } from '../../compiler/plan/compile-problem.ts';
import type { TextMeasurer } from '../../compiler/plan/text-measure.ts';

// Recompiles the editor's notices whenever a file changes. Each successful compile goes into a
// new generation directory, so a page still showing the previous one keeps working while the
// next loads; a failed compile keeps the last good generation on screen and reports why.

export interface PreviewState {
  /** Increases with every compile attempt, good or bad. */
  readonly attempt: number;
  /** The generation on screen (last good compile), or undefined before the first one. */
  readonly generation?: number | undefined;
  readonly outDir?: string | undefined;
  readonly report?: CompileReport | undefined;
  /** Problems of the last attempt when it failed (the screen still shows `generation`). */
  readonly failure?: readonly CompileProblem[] | undefined;
  readonly compiledInMs?: number | undefined;
}

export interface PreviewCompilerOptions {
  readonly noticesDir: string;
  readonly siteFile: string;
  readonly workDir: string;
  readonly clock: () => number;
  readonly onChange: (state: PreviewState) => void;
  readonly cacheDir?: string | undefined;
  /**
   * The station's approver registry: with it the preview checks approval signatures as the
   * station's compile will (a notice edited after approval shows as skipped). Read at every
   * compile, so an approver added meanwhile counts at once.
   */
  readonly approversFile?: string | undefined;
  /** Wait this long after the last file event before compiling (editors save in bursts). */
  readonly debounceMs?: number;
}

export class PreviewCompiler {
  private state: PreviewState = { attempt: 0 };
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private measurer: TextMeasurer | undefined;
  private readonly pipeline: ImagePipeline;

  constructor(private readonly options: PreviewCompilerOptions) {
    this.pipeline = new ImagePipeline({ cacheDir: join(options.workDir, 'cache', 'images'), maxInputPixels: 40_000_000 });
  }

  current(): PreviewState {
    return this.state;
  }

  async start(): Promise<void> {
    await mkdir(this.options.workDir, { recursive: true });
    this.measurer = await loadFontMeasurer();
    await this.compileNow();
    const onEvent = () => this.schedule();
    // Notices are watched as a tree (pictures sit in sibling folders too, so watch the parent
    // of the notices folder); the site file is watched through its folder, because editors
    // replace files by renaming, which ends a watch on the file itself.
    const noticesRoot = resolve(this.options.noticesDir, '..');
    this.watchers.push(watch(noticesRoot, { recursive: true }, onEvent));
    const watched = [noticesRoot];
    for (const file of [this.options.siteFile, this.options.approversFile]) {
      if (file === undefined) continue;
      const dir = dirname(resolve(file));
      if (watched.some((root) => dir.startsWith(root))) continue;
      watched.push(dir);
      this.watchers.push(watch(dir, onEvent));
    }
  }

  async stop(): Promise<void> {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Compiles soon; bursts of events collapse into one compile. */
  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.compileNow(), this.options.debounceMs ?? 80);
  }

  async compileNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.attemptCompile().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.compileNow();
      }
    });
    return this.running;
  }

  private async attemptCompile(): Promise<void> {
    const attempt = this.state.attempt + 1;
    const generation = (this.state.generation ?? 0) + 1;
    const outDir = join(this.options.workDir, `gen-${generation}`);
    const started = performance.now();
    try {
      const report = await compile({
        noticesDir: this.options.noticesDir,
        siteFile: this.options.siteFile,
        outDir,
        atMs: this.options.clock(),
        cacheDir: this.options.cacheDir ?? join(this.options.workDir, 'cache'),
        measurer: this.measurer,
        imagePipeline: this.pipeline,
        approvers: this.options.approversFile === undefined ? undefined : { file: this.options.approversFile, keys: await loadApproverKeys(this.options.approversFile) },
      });
      const previous = this.state.outDir;
      this.state = { attempt, generation, outDir, report, compiledInMs: Math.round(performance.now() - started) };
      // Keep one older generation for pages still loading it; drop the rest.
      if (previous && generation >= 3) await rm(join(this.options.workDir, `gen-${generation - 2}`), { recursive: true, force: true });
    } catch (error) {
      const failure: CompileProblem[] =
        error instanceof CompileFailure ? [...error.problems] : [{ severity: 'error', code: 'PREVIEW_COMPILE', file: this.options.noticesDir, message: (error as Error).message }];
      this.state = { ...this.state, attempt, failure, compiledInMs: Math.round(performance.now() - started) };
      await rm(outDir, { recursive: true, force: true });
    }
    this.options.onChange(this.state);
  }
}
