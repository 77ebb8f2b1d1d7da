import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { BUNDLE_SCHEMA_VERSION, type BlobEntry, type BundleManifest, type ManifestApproval, type ManifestNotice } from './format/bundle-manifest.ts';
import { canonicalJson } from './format/canonical-json.ts';
import { SCHEDULE_SCHEMA_VERSION, type Schedule } from './format/schedule.ts';
import type { Page, SceneNode } from './format/scene.ts';
import type { Screen, Site } from './format/site-schema.ts';
import { loadFontMeasurer } from './io/font-measurer.ts';
import { ImageError, ImagePipeline, type PreparedImage } from './io/image-pipeline.ts';
import { layoutCodeVersion, NoticePagesStore } from './io/notice-pages-store.ts';
import { qrModules } from './io/qr-modules.ts';
import { SourceHashCache } from './io/source-hash-cache.ts';
import { JsonMemoStore } from './io/json-memo-store.ts';
import { readNotices, type ParsedNoticeText } from './io/read-notices.ts';
import { checkApprovals, unverifiedApprovalWarning, type ApproverRegistryKeys } from './io/check-approvals.ts';
import { readWithdrawals } from './io/withdrawals-file.ts';
import { withdrawnNotices } from './format/withdrawals.ts';
import { readSite } from './io/read-site.ts';
import { pruneBlobs, pruneScreens, replaceDirectory, writeBlob, writeFileAtomic } from './io/write-output.ts';
import { CompileFailure, type CompileProblem } from './plan/compile-problem.ts';
import type { LoadedNotice } from './plan/loaded-notice.ts';
import { planScreen } from './plan/plan-screen.ts';
import { selectNotices, sitePath, type SkippedNotice } from './plan/select-notices.ts';
import type { TextMeasurer } from './plan/text-measure.ts';
import { sha256Hex, signBytes } from './trust/station-key.ts';
import { signStatement } from './trust/emergency-signing.ts';
import { noticeEmergencyStatements } from './cap/notice-emergency.ts';
import type { PlannedNode, PlannedPage } from '../layouts/common/layout-types.ts';

// compile(): approved notices + site description + layouts → one signed bundle per screen.
// The output depends only on the inputs and `atMs`: files are read in sorted order, JSON is
// canonical, nothing records the wall clock, the machine or the output path.

export interface CompileLogger {
  progress(message: string): void;
}

export interface CompileOptions {
  readonly noticesDir: string;
  readonly siteFile: string;
  readonly outDir: string;
  /** The station's private key; without it the bundles are unsigned and players refuse them. */
  readonly privateKey?: KeyObject | undefined;
  /** The compile instant: decides which notices have ended. */
  readonly atMs: number;
  readonly cacheDir?: string | undefined;
  /** Largest accepted source picture, in pixels (default 40 megapixels). */
  readonly maxImagePixels?: number | undefined;
  readonly logger?: CompileLogger | undefined;
  /** Reuse a measurer across compiles (preview, benchmark); loaded from assets/fonts otherwise. */
  readonly measurer?: TextMeasurer | undefined;
  /** Reuse an image pipeline (and its in-memory cache) across compiles; it keeps its own directory. */
  readonly imagePipeline?: ImagePipeline | undefined;
  /**
   * The station's approver registry (--approvers). With it, only notices whose approval is
   * signed by a registered approver over their current content are compiled; without it,
   * approval blocks are taken on trust and the report warns about each.
   */
  readonly approvers?: ApproverRegistryKeys | undefined;
}

export interface ScreenResult {
  readonly screen: string;
  readonly bundleId: string;
  readonly pages: number;
  readonly notices: readonly string[];
  readonly signed: boolean;
}

export interface CompileReport {
  readonly at: string;
  readonly site: string;
  readonly screens: readonly ScreenResult[];
  readonly compiled: readonly string[];
  readonly skipped: readonly SkippedNotice[];
  readonly warnings: readonly CompileProblem[];
  readonly images: { readonly prepared: number; readonly cached: number };
  /** Notices laid out again vs. taken from the cache, summed over screens. */
  readonly layouts: { readonly laidOut: number; readonly cached: number };
}

export const DEFAULT_MAX_IMAGE_PIXELS = 40_000_000;

export function defaultCacheDir(): string {
  return process.env.SIGNAGE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'signage');
}

const quietLogger: CompileLogger = { progress: () => {} };

export async function compile(options: CompileOptions): Promise<CompileReport> {
  const logger = options.logger ?? quietLogger;
  const site = await readSite(options.siteFile);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const codeVersion = await layoutCodeVersion();
  const parsedNotices = await JsonMemoStore.open<ParsedNoticeText>(join(cacheDir, 'parsed-notices.json'), codeVersion);
  const read = await readNotices(options.noticesDir, { sourceHashes: SourceHashCache.inDirectory(cacheDir), parsedNotices });
  const problems: CompileProblem[] = [...read.problems];
  if (problems.some((p) => p.severity === 'error')) throw new CompileFailure(problems);
  logger.progress(`read ${read.notices.length} notice files and site ${site.site} (${site.screens.length} screens)`);

  if (site.approvals === 'signed' && !options.approvers) {
    throw new CompileFailure([{ severity: 'error', code: 'APPROVERS_REQUIRED', file: options.siteFile, field: 'approvals', message: 'this site requires signed approvals: compile with --approvers FILE (the registry "signage approver add" writes)' }]);
  }
  const withdrawn = withdrawnNotices(await readWithdrawals(options.noticesDir));
  const approvals = await checkApprovals(read.notices, options.approvers);
  const selection = selectNotices({ notices: read.notices, site, atMs: options.atMs, approvals, withdrawn });
  const pipeline = options.imagePipeline ?? new ImagePipeline({ cacheDir: join(cacheDir, 'images'), maxInputPixels: options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS });
  const measurer = options.measurer ?? (await loadFontMeasurer());
  const layoutStats = { laidOut: 0, cached: 0 };

  // Picture sizes are needed to lay pages out; a broken picture is an error naming its notice.
  const selected = uniqueNotices(selection.byScreen);
  for (const notice of selected) if (approvals.get(notice.file)?.status === 'unverified') problems.push(unverifiedApprovalWarning(notice));
  const imageSizes = new Map<string, { width: number; height: number }>();
  for (const notice of selected) {
    for (const [index, image] of notice.images.entries()) {
      try {
        imageSizes.set(image.sourceHash, await pipeline.info(image));
      } catch (error) {
        problems.push(imageProblem(error, notice, index));
      }
    }
  }
  if (problems.some((p) => p.severity === 'error')) throw new CompileFailure(problems);

  const qr = site.feedbackUrl ? { modules: qrModules(site.feedbackUrl), label: 'Quét mã để gửi ý kiến' } : undefined;
  const built: { screen: Screen; manifest: BundleManifest; schedule: Omit<Schedule, 'bundleId'>; blobs: Map<string, PreparedImage> }[] = [];
  for (const [i, screen] of site.screens.entries()) {
    const notices = selection.byScreen.get(screen.id) ?? [];
    logger.progress(`screen ${i + 1}/${site.screens.length} ${screen.id} (${screen.layout}, ${screen.size.width}×${screen.size.height}): ${notices.length} notices`);
    const store = await NoticePagesStore.open(join(cacheDir, 'plans'), `${site.site}/${screen.id}`);
    const planned = planScreen({ site, screen, notices, imageSizes, measurer, qr, siteFile: options.siteFile, cache: store, codeVersion });
    await store.save();
    layoutStats.laidOut += store.stats.misses;
    layoutStats.cached += store.stats.hits;
    problems.push(...planned.problems);
    if (planned.problems.some((p) => p.severity === 'error')) continue;
    const blobs = new Map<string, PreparedImage>();
    const resolvePage = async (page: PlannedPage): Promise<Page> => ({
      ...page,
      nodes: await Promise.all(page.nodes.map((node) => resolveNode({ node, screen, notices, pipeline, blobs, problems }))).then((nodes) => nodes.filter((n): n is SceneNode => n !== undefined)),
    });
    const pages: Page[] = [];
    for (const page of planned.output.pages) pages.push(await resolvePage(page));
    const idle = await resolvePage(planned.output.idle);
    const allPages = [...pages, idle];
    const blobEntries: BlobEntry[] = [...blobs.entries()].map(([hash, blob]) => ({ hash, bytes: blob.size, mime: blob.mime })).sort((a, b) => (a.hash < b.hash ? -1 : 1));
    const atIso = new Date(options.atMs).toISOString();
    const manifestNotices: ManifestNotice[] = notices.map((notice) => ({
      id: notice.front.id,
      title: notice.front.title,
      category: notice.front.category,
      priority: notice.front.priority,
      ...(notice.front.riskLevel !== undefined ? { riskLevel: notice.front.riskLevel } : {}),
      validFromMs: notice.validFromMs,
      validToMs: notice.validToMs,
      ...(notice.front.schedule ? { schedule: notice.front.schedule } : {}),
      approval: manifestApproval(notice, approvals.get(notice.file)?.status === 'verified'),
      sourceHash: notice.sourceHash,
      pageIds: pages.filter((page) => page.noticeId === notice.front.id).map((page) => page.id),
    }));
    const manifest: BundleManifest = {
      schemaVersion: BUNDLE_SCHEMA_VERSION,
      kind: notices.some((n) => n.front.priority === 'emergency') ? 'emergency' : 'content',
      issuedAt: atIso,
      site: { id: site.site, name: site.name, path: sitePath(site) },
      screen: {
        id: screen.id,
        kind: screen.kind,
        width: screen.size.width,
        height: screen.size.height,
        ...(screen.pitchMm !== undefined ? { pitchMm: screen.pitchMm } : {}),
        capture: screen.capture ?? { x: 0, y: 0 },
        background: '#000000',
      },
      layout: screen.layout,
      chrome: { under: [...planned.output.chrome.under], over: [...planned.output.chrome.over] },
      pages: allPages,
      idlePageId: idle.id,
      notices: manifestNotices,
      blobs: blobEntries,
    };
    const schedule: Omit<Schedule, 'bundleId'> = {
      schemaVersion: SCHEDULE_SCHEMA_VERSION,
      screen: screen.id,
      issuedAt: atIso,
      timezone: 'Asia/Ho_Chi_Minh',
      ...(screen.hours ? { hours: screen.hours } : {}),
      ...(screen.brightness ? { brightness: screen.brightness } : {}),
      idle: { pageId: idle.id, durationMs: idle.durationMs },
      entries: notices.map((notice) => ({
        noticeId: notice.front.id,
        priority: notice.front.priority,
        pages: pages.filter((page) => page.noticeId === notice.front.id).map((page) => ({ pageId: page.id, durationMs: page.durationMs })),
        riskLevel: notice.front.priority === 'emergency' ? (notice.front.riskLevel ?? 3) : 0,
        validFromMs: notice.validFromMs,
        validToMs: notice.validToMs,
        ...(notice.front.schedule?.days ? { days: notice.front.schedule.days } : {}),
        ...(notice.front.schedule?.from ? { from: notice.front.schedule.from } : {}),
        ...(notice.front.schedule?.to ? { to: notice.front.schedule.to } : {}),
      })),
    };
    built.push({ screen, manifest, schedule, blobs });
  }
  await pipeline.flush();
  if (problems.some((p) => p.severity === 'error')) throw new CompileFailure(problems);

  // Everything is planned: only now touch the output directory.
  const blobDir = join(options.outDir, 'blobs');
  const keep = new Set<string>();
  const screens: ScreenResult[] = [];
  for (const { screen, manifest, schedule, blobs } of built) {
    for (const [hash, blob] of blobs) {
      if (!keep.has(hash)) await writeBlob(blobDir, hash, () => readFile(blob.file));
      keep.add(hash);
    }
    const manifestText = canonicalJson(manifest);
    const bundleId = sha256Hex(manifestText);
    const scheduleText = canonicalJson({ ...schedule, bundleId });
    const files = new Map<string, string>([
      ['manifest.json', manifestText],
      ['schedule.json', scheduleText],
    ]);
    if (options.privateKey) {
      files.set('manifest.sig', canonicalJson(signBytes(Buffer.from(manifestText), options.privateKey)));
      files.set('schedule.sig', canonicalJson(signBytes(Buffer.from(scheduleText), options.privateKey)));
      // Emergency notices also travel the emergency path, ahead of the bundle's blobs
      // (compiler/cap/notice-emergency.ts); the hub stores these when it publishes.
      for (const statement of noticeEmergencyStatements({ manifest, signedAtMs: options.atMs })) {
        const signed = signStatement(statement, options.privateKey);
        files.set(`emergency-${statement.manifest!.notices[0]!.id}.json`, signed.bytes.toString('utf8'));
        files.set(`emergency-${statement.manifest!.notices[0]!.id}.sig`, signed.signature.toString('utf8'));
      }
    }
    await replaceDirectory(join(options.outDir, 'screens', screen.id), files);
    screens.push({ screen: screen.id, bundleId, pages: manifest.pages.length, notices: manifest.notices.map((n) => n.id), signed: options.privateKey !== undefined });
  }
  await pruneBlobs(blobDir, keep);
  await pruneScreens(join(options.outDir, 'screens'), new Set(site.screens.map((s) => s.id)));

  const warnings = problems.filter((p) => p.severity === 'warning');
  if (!options.privateKey) {
    warnings.push({ severity: 'warning', code: 'BUNDLE_UNSIGNED', file: options.outDir, message: 'no --key was given: the bundles are unsigned, and players refuse unsigned bundles. Use "signage keygen" once, then compile with --key' });
  }
  const report: CompileReport = {
    at: new Date(options.atMs).toISOString(),
    site: site.site,
    screens,
    compiled: selected.map((n) => n.front.id),
    skipped: selection.skipped,
    warnings,
    images: { prepared: pipeline.stats.prepared, cached: pipeline.stats.cacheHits },
    layouts: layoutStats,
  };
  // The report is part of the output: it must be deterministic too, so the image counters
  // (which depend on the cache's state) stay out of the file.
  await writeFileAtomic(join(options.outDir, 'report.json'), `${JSON.stringify({ ...report, images: undefined, layouts: undefined }, null, 2)}\n`);
  return report;
}

function manifestApproval(notice: LoadedNotice, verified: boolean): ManifestApproval {
  const { by, role, at, approver } = notice.front.approval!;
  return { by, role, at, ...(approver ? { approver } : {}), ...(verified ? { verified: true } : {}) };
}

function uniqueNotices(byScreen: ReadonlyMap<string, readonly LoadedNotice[]>): LoadedNotice[] {
  const seen = new Map<string, LoadedNotice>();
  for (const notices of byScreen.values()) for (const notice of notices) seen.set(notice.front.id, notice);
  return [...seen.values()].sort((a, b) => (a.front.id < b.front.id ? -1 : 1));
}

function imageProblem(error: unknown, notice: LoadedNotice, index: number): CompileProblem {
  const code = error instanceof ImageError ? error.code : 'IMAGE_UNREADABLE';
  return { severity: 'error', code, file: notice.file, field: `images[${index}]`, message: (error as Error).message };
}

async function resolveNode(options: {
  node: PlannedNode;
  screen: Screen;
  notices: readonly LoadedNotice[];
  pipeline: ImagePipeline;
  blobs: Map<string, PreparedImage>;
  problems: CompileProblem[];
}): Promise<SceneNode | undefined> {
  const { node } = options;
  if (node.type !== 'image-request') return node;
  const notice = options.notices.find((n) => n.front.id === node.noticeId);
  const source = notice?.images[node.imageIndex];
  if (!notice || !source) return undefined;
  const width = Math.round(node.w);
  const height = Math.round(node.h);
  try {
    // LED controllers get lossless PNG: WebP's chroma subsampling smears the saturated colours
    // LED walls are good at.
    const prepared = await options.pipeline.prepare(source, { width, height, fit: 'cover', format: options.screen.kind === 'led' ? 'png' : 'webp' });
    options.blobs.set(prepared.hash, prepared);
    return { type: 'image', id: node.id, x: node.x, y: node.y, w: width, h: height, blob: prepared.hash, mime: prepared.mime };
  } catch (error) {
    options.problems.push({ ...imageProblem(error, notice, node.imageIndex), screen: options.screen.id });
    return undefined;
  }
}

export async function readPrivateKeyFile(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

export type { Site };
