import type { Texture } from 'pixi.js';
import type { SceneNode } from '../../compiler/format/scene.ts';
import type { BlobTextureStore } from './blob-textures.ts';
import type { FaultSink } from './render-report.ts';
import { blobsOf, mountLayer, type MountedLayer } from './scene-mount.ts';

// Each page's display objects are built once, when the page is first needed or, better, one
// page ahead, so a page change never waits for an image to decode (no blank frame). Layers
// that are neither on screen nor due next are destroyed, with their textures, so a bundle of
// hundreds of pages holds the memory of about three.

export interface LayerSpec {
  /** Page id, or a fixed key for the chrome layers. */
  readonly key: string;
  readonly scope: string;
  readonly nodes: readonly SceneNode[];
}

interface Entry {
  readonly spec: LayerSpec;
  readonly hashes: readonly string[];
  ready: Promise<MountedLayer | undefined>;
  layer?: MountedLayer;
  dropped: boolean;
  /** Set once the renderer has drawn it offscreen, so its text is rasterised before it is due. */
  warmed: boolean;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: BlobTextureStore,
    private readonly fault: FaultSink,
  ) {}

  /** The layer if it is built, without waiting. */
  get(key: string): MountedLayer | undefined {
    return this.entries.get(key)?.layer;
  }

  /**
   * Builds the layer once its images are loaded; concurrent calls share the work. Never
   * rejects: a layer that cannot be built at all is reported and resolves to undefined.
   */
  prepare(spec: LayerSpec): Promise<MountedLayer | undefined> {
    const existing = this.entries.get(spec.key);
    if (existing) return existing.ready;
    const hashes = blobsOf(spec.nodes);
    const entry: Entry = { spec, hashes, dropped: false, warmed: false, ready: Promise.resolve(undefined) };
    entry.ready = this.build(entry).catch((error: unknown) => {
      this.fault({ code: 'NODE_FAILED', scope: spec.scope, message: `the layer could not be built: ${String(error)}` });
      return undefined;
    });
    this.entries.set(spec.key, entry);
    return entry.ready;
  }

  /** Layers built and not yet drawn offscreen. */
  unwarmed(): { key: string; layer: MountedLayer }[] {
    return [...this.entries.values()].filter((e) => e.layer && !e.warmed).map((e) => ({ key: e.spec.key, layer: e.layer! }));
  }

  markWarmed(key: string): void {
    const entry = this.entries.get(key);
    if (entry) entry.warmed = true;
  }

  /** Destroys every layer whose key is not kept; returns how many were dropped. */
  retain(keep: ReadonlySet<string>): number {
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (keep.has(key)) continue;
      this.entries.delete(key);
      this.drop(entry);
      dropped += 1;
    }
    return dropped;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  destroy(): void {
    for (const entry of this.entries.values()) this.drop(entry);
    this.entries.clear();
  }

  private drop(entry: Entry): void {
    entry.dropped = true;
    // A build still loading images finishes into the void: build() sees `dropped` and frees.
    if (entry.layer) {
      entry.layer.view.removeFromParent();
      entry.layer.destroy();
      delete entry.layer;
      for (const hash of entry.hashes) this.store.release(hash);
    }
  }

  private async build(entry: Entry): Promise<MountedLayer | undefined> {
    const { spec } = entry;
    const loaded = await Promise.all(
      entry.hashes.map(async (hash) => {
        const nodeId = spec.nodes.find((n) => n.type === 'image' && n.blob === hash)?.id ?? '';
        return [hash, await this.store.acquire(hash, spec.scope, nodeId)] as const;
      }),
    );
    if (entry.dropped) {
      for (const hash of entry.hashes) this.store.release(hash);
      return undefined;
    }
    const textures = new Map<string, Texture>();
    for (const [hash, texture] of loaded) if (texture) textures.set(hash, texture);
    const layer = mountLayer(spec.nodes, { scope: spec.scope, textures, fault: this.fault });
    entry.layer = layer;
    return layer;
  }
}
