import type { Renderer } from 'pixi.js';

// pixi keeps per-object GPU bookkeeping in hashes keyed by object uid (texts, graphics,
// contexts, GL textures, buffers, geometries) and a hash of text textures keyed by the text
// itself. Destroying an object sets its slot to null rather than deleting it; pixi's own
// collector (GCSystem) compacts those hashes, but it also unloads whatever has not been drawn
// for a minute, which would drop the pre-rasterised text of a page due later, so the renderer
// runs with it off (gcActive: false). Without it nothing removes the null slots, and a screen
// that changes page every few seconds for months grows them without end: this file does the
// compaction part alone, and counts what is live, for the soak benchmark and tests.
//
// These are pixi internals (8.x): every access is guarded, so a pixi that reorganises them
// makes the counts empty and the compaction a no-op instead of breaking the renderer.

/** Live entries and slots (live + emptied, not yet compacted) of one pixi hash. */
export interface HashCount {
  readonly live: number;
  readonly slots: number;
}

interface ManagedHashEntry {
  readonly context: Record<string, unknown> & { name?: string };
  readonly hash: string;
}

interface RendererInternals {
  readonly gc?: { _managedResourceHashes?: ManagedHashEntry[] };
  readonly canvasText?: { _activeTextures?: Record<string, unknown> | null };
  readonly renderPipes?: { batch?: { _batchersByInstructionSet?: Record<string, Record<string, BatcherInternals | undefined>> } };
}

/** A batch's textures: `ids` maps a texture source's uid to its slot in `textures`. */
interface BatchTexturesInternals {
  ids: Record<number, number | null>;
  readonly textures: readonly ({ readonly uid: number } | null)[];
  readonly count: number;
}

interface BatcherInternals {
  readonly batches?: readonly ({ textures?: BatchTexturesInternals | null } | undefined)[] | null;
}

function withoutEmpty(hash: Record<string, unknown>, prototype: object | null): Record<string, unknown> {
  const clean: Record<string, unknown> = Object.create(prototype);
  for (const key in hash) {
    const value = hash[key];
    if (value != null) clean[key] = value;
  }
  return clean;
}

function managedHashes(renderer: Renderer): { name: string; owner: Record<string, unknown>; key: string }[] {
  const entries = (renderer as unknown as RendererInternals).gc?._managedResourceHashes;
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((e) => e && typeof e.context === 'object' && typeof e.hash === 'string')
    .map((e, i) => ({ name: typeof e.context.name === 'string' ? e.context.name : `hash${i}`, owner: e.context, key: e.hash }));
}

function textTextures(renderer: Renderer): Record<string, unknown> | undefined {
  const hash = (renderer as unknown as RendererInternals).canvasText?._activeTextures;
  return hash && typeof hash === 'object' ? hash : undefined;
}

function count(hash: unknown): HashCount {
  if (!hash || typeof hash !== 'object') return { live: 0, slots: 0 };
  let live = 0;
  let slots = 0;
  for (const key in hash) {
    slots += 1;
    if ((hash as Record<string, unknown>)[key] != null) live += 1;
  }
  return { live, slots };
}

/** Live and total slots of each of pixi's uid-keyed hashes, by pixi's name for it, plus 'textTextures'. */
export function countPixiResources(renderer: Renderer): Record<string, HashCount> {
  const counts: Record<string, HashCount> = {};
  for (const { name, owner, key } of managedHashes(renderer)) {
    const previous = counts[name] ?? { live: 0, slots: 0 };
    const here = count(owner[key]);
    counts[name] = { live: previous.live + here.live, slots: previous.slots + here.slots };
  }
  const texts = textTextures(renderer);
  if (texts) counts.textTextures = count(texts);
  return counts;
}

/**
 * Replaces each hash holding more emptied slots than `minNulls` by a copy without them, as
 * pixi's collector does (it reads the hash from its owner on every use, so a new object is
 * safe), and drops the emptied text-texture keys the same way. Returns the number of slots removed.
 */
export function compactPixiBookkeeping(renderer: Renderer, minNulls = 64): number {
  let removed = 0;
  for (const { owner, key } of managedHashes(renderer)) {
    const hash = owner[key];
    if (!hash || typeof hash !== 'object') continue;
    const { live, slots } = count(hash);
    if (slots - live < minNulls) continue;
    owner[key] = withoutEmpty(hash as Record<string, unknown>, null);
    removed += slots - live;
  }
  removed += compactBatchTextureIds(renderer);
  const system = (renderer as unknown as RendererInternals).canvasText;
  const texts = textTextures(renderer);
  if (system && texts) {
    const { live, slots } = count(texts);
    if (slots - live >= minNulls) {
      (system as { _activeTextures: Record<string, unknown> })._activeTextures = withoutEmpty(texts, Object.getPrototypeOf(texts) as object | null);
      removed += slots - live;
    }
  }
  return removed;
}

/**
 * pixi's batches are pooled and reused frame after frame, and each one's texture map (`ids`,
 * texture source uid → slot) is emptied by setting the uid's entry to null, never deleting it.
 * Every texture source a batch has ever drawn thus stays a key: each page built anew brings
 * new sources (its pictures, its gradients), so the maps of the batches that draw pages grow
 * with every page change (the soak benchmark's heap snapshots showed them as the largest new
 * arrays). Rebuilds each reachable batch's map from the textures it holds now. Batches sitting
 * in pixi's pool are out of reach; they come back into a batcher when drawn and are compacted
 * at a later page change.
 */
function compactBatchTextureIds(renderer: Renderer): number {
  const byInstructionSet = (renderer as unknown as RendererInternals).renderPipes?.batch?._batchersByInstructionSet;
  if (!byInstructionSet || typeof byInstructionSet !== 'object') return 0;
  let removed = 0;
  const seen = new Set<BatchTexturesInternals>();
  for (const batchers of Object.values(byInstructionSet)) {
    for (const batcher of Object.values(batchers ?? {})) {
      for (const batch of batcher?.batches ?? []) {
        const textures = batch?.textures;
        if (!textures || typeof textures.ids !== 'object' || !Array.isArray(textures.textures) || seen.has(textures)) continue;
        seen.add(textures);
        const ids: Record<number, number | null> = Object.create(null);
        let kept = 0;
        for (let slot = 0; slot < textures.count; slot += 1) {
          const source = textures.textures[slot];
          if (source && typeof source.uid === 'number') {
            ids[source.uid] = slot;
            kept += 1;
          }
        }
        let before = 0;
        for (const key in textures.ids) before += 1;
        if (before === kept) continue;
        textures.ids = ids;
        removed += before - kept;
      }
    }
  }
  return removed;
}
