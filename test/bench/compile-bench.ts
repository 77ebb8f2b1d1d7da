import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { compile } from '../../compiler/compile.ts';
import { ImagePipeline, type ImageRecipe } from '../../compiler/io/image-pipeline.ts';
import { generateStationKeyPair, loadPrivateKey, sha256Hex } from '../../compiler/trust/station-key.ts';
import { SHARED_SAMPLES, scratchDir } from '../support/paths.ts';
import { generateCorpus, noticeMarkdown } from './generate-notices.ts';
import { emit, median, round } from './stats.ts';

// Compile benchmark (issue: compiler). A generated set of notices with pictures for the sample
// site is compiled from a cold image cache, then again after one notice changes. The image
// pipeline is compared with a bare sharp resize loop over the same pictures and sizes, in the
// same run, so the ratio survives a noisy shared machine.

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { notices: { type: 'string', default: '500' }, runs: { type: 'string', default: '3' } } });
  const count = Number(values.notices);
  const runs = Number(values.runs);
  const scratch = await scratchDir('bench-compile');
  try {
    const corpus = await generateCorpus(scratch.path, count);
    await cp(join(SHARED_SAMPLES, 'site.yaml'), join(scratch.path, 'site.yaml'));
    const privateKey = loadPrivateKey(generateStationKeyPair().privateKeyPem);
    const atMs = Date.parse('2026-11-21T08:00:00+07:00');
    emit({ event: 'corpus', notices: count, images: count });

    const coldMs: number[] = [];
    const warmMs: number[] = [];
    const imageRatios: number[] = [];
    for (let r = 0; r < runs; r += 1) {
      const cache = join(scratch.path, `cache-${r}`);
      const out = join(scratch.path, `out-${r}`);
      const pipeline = new ImagePipeline({ cacheDir: join(cache, 'images'), maxInputPixels: 40_000_000 });
      let started = performance.now();
      const report = await compile({ noticesDir: corpus.notices, siteFile: join(scratch.path, 'site.yaml'), outDir: out, privateKey, atMs, imagePipeline: pipeline, cacheDir: cache });
      const cold = performance.now() - started;
      coldMs.push(cold);

      // Change one notice, recompile as a new station process would: fresh pipeline and fonts,
      // the disk cache warm.
      const changed = join(corpus.notices, 'tb-0003.md');
      await writeFile(changed, noticeMarkdown(3, r + 1));
      started = performance.now();
      const warmReport = await compile({ noticesDir: corpus.notices, siteFile: join(scratch.path, 'site.yaml'), outDir: out, privateKey, atMs, cacheDir: cache });
      const warm = performance.now() - started;
      warmMs.push(warm);

      const ratio = await imageRatio(corpus.images, out, cache);
      imageRatios.push(ratio.ratio);
      emit({
        event: 'run',
        run: r + 1,
        cold_ms: round(cold, 0),
        warm_ms: round(warm, 0),
        warm_fraction: round(warm / cold),
        pages: report.screens.reduce((sum, s) => sum + s.pages, 0),
        images_prepared_cold: report.images.prepared,
        images_prepared_warm: warmReport.images.prepared,
        notices_laid_out_warm: warmReport.layouts.laidOut,
        pipeline_ms: round(ratio.pipelineMs, 0),
        bare_sharp_ms: round(ratio.bareMs, 0),
        image_ratio_vs_sharp: round(ratio.ratio),
      });
      await rm(out, { recursive: true, force: true });
    }
    emit({
      event: 'summary',
      bench: 'compile',
      notices: count,
      runs,
      notices_per_s: round(count / (median(coldMs) / 1000), 1),
      cold_ms_median: round(median(coldMs), 0),
      warm_ms_median: round(median(warmMs), 0),
      warm_fraction: round(median(warmMs) / median(coldMs)),
      image_ratio_vs_sharp: round(median(imageRatios)),
      goals: { warm_fraction: '<= 0.05', image_ratio_vs_sharp: '>= 0.8' },
    });
  } finally {
    await scratch.cleanup();
  }
}

/**
 * Throughput of the project's image pipeline relative to a bare sharp resize, over the exact
 * (picture, size, format) jobs the compile produced. Both loops run one job at a time, cold.
 */
async function imageRatio(imagesDir: string, outDir: string, cacheRoot: string): Promise<{ ratio: number; pipelineMs: number; bareMs: number }> {
  const jobs: { path: string; recipe: ImageRecipe }[] = [];
  for (const screen of ['ubnd-sanh', 'ubnd-kiosk', 'cong-xa']) {
    const manifest = JSON.parse(await readFile(join(outDir, 'screens', screen, 'manifest.json'), 'utf8'));
    for (const page of manifest.pages) {
      for (const node of page.nodes) {
        if (node.type !== 'image') continue;
        const id = String(page.noticeId).slice(3);
        jobs.push({ path: join(imagesDir, `anh-${id}.jpg`), recipe: { width: node.w, height: node.h, fit: 'cover', format: node.mime === 'image/png' ? 'png' : 'webp' } });
      }
    }
  }
  const unique = [...new Map(jobs.map((job) => [`${job.path}|${job.recipe.width}x${job.recipe.height}|${job.recipe.format}`, job])).values()];
  const sources = new Map<string, string>();
  for (const job of unique) if (!sources.has(job.path)) sources.set(job.path, sha256Hex(await readFile(job.path)));

  const bareStart = performance.now();
  for (const job of unique) {
    const image = sharp(await readFile(job.path)).resize(job.recipe.width, job.recipe.height, { fit: 'cover' });
    await (job.recipe.format === 'png' ? image.png() : image.webp()).toBuffer();
  }
  const bareMs = performance.now() - bareStart;

  const pipeline = new ImagePipeline({ cacheDir: `${cacheRoot}-ratio`, maxInputPixels: 40_000_000 });
  const pipelineStart = performance.now();
  for (const job of unique) await pipeline.prepare({ path: job.path, sourceHash: sources.get(job.path)! }, job.recipe);
  const pipelineMs = performance.now() - pipelineStart;
  await rm(`${cacheRoot}-ratio`, { recursive: true, force: true });
  return { ratio: bareMs / pipelineMs, pipelineMs, bareMs };
}
