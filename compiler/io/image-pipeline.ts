import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { canonicalJson } from '../format/canonical-json.ts';
import { sha256Hex } from '../trust/station-key.ts';

// Images arrive as whatever a phone or scanner produced: rotated by EXIF, in CMYK or with a
// colour profile, far larger than any panel. Every picture is turned into exactly the pixels
// of the box that shows it, once, and cached by (source hash, recipe): recompiling after one
// notice changes redoes only that notice's images.

export interface ImageRecipe {
  readonly width: number;
  readonly height: number;
  /** 'cover' crops to fill the box; 'contain' fits inside it (the box is sized to the aspect). */
  readonly fit: 'cover' | 'contain';
  readonly format: 'webp' | 'png';
}

export interface PreparedImage {
  readonly hash: string;
  readonly size: number;
  readonly mime: 'image/webp' | 'image/png';
  /** The prepared file in the cache; read it only when the output lacks this blob. */
  readonly file: string;
}

/**
 * What the cache knows without opening pictures: prepared results by recipe key, and upright
 * sizes by source hash. One small file, loaded once, so a warm recompile of 500 notices
 * neither decodes picture headers nor re-reads and re-hashes 1,500 prepared files.
 */
interface CacheIndex {
  prepared: Record<string, { hash: string; size: number }>;
  info: Record<string, ImageInfo>;
}

export interface ImageInfo {
  /** Width and height after EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
}

export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: 'IMAGE_UNREADABLE' | 'IMAGE_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

/** Bump when the encoding settings change, so cached results from older settings are not reused. */
const PIPELINE_VERSION = 2;

export interface ImagePipelineOptions {
  readonly cacheDir: string;
  /** Largest source image accepted, in pixels (width × height). */
  readonly maxInputPixels: number;
}

export class ImagePipeline {
  private readonly infoCache = new Map<string, ImageInfo>();
  private readonly memory = new Map<string, PreparedImage>();
  private loadedIndex: CacheIndex | undefined;
  private indexDirty = false;
  /** Counters for the compile report and the benchmark. */
  readonly stats = { prepared: 0, cacheHits: 0 };

  constructor(private readonly options: ImagePipelineOptions) {}

  async info(source: { path: string; sourceHash: string }): Promise<ImageInfo> {
    const cached = this.infoCache.get(source.sourceHash);
    if (cached) return cached;
    const index = await this.index();
    const stored = index.info[source.sourceHash];
    if (stored && stored.width * stored.height <= this.options.maxInputPixels) {
      this.infoCache.set(source.sourceHash, stored);
      return stored;
    }
    let metadata: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
    try {
      metadata = await sharp(await readFile(source.path), { limitInputPixels: this.options.maxInputPixels }).metadata();
    } catch (error) {
      throw this.explain(error, source.path);
    }
    if (!metadata.width || !metadata.height) throw new ImageError('IMAGE_UNREADABLE', `${source.path} has no dimensions: it is not a picture sharp can read`);
    if (metadata.width * metadata.height > this.options.maxInputPixels) {
      throw new ImageError('IMAGE_TOO_LARGE', `${source.path} is ${metadata.width}×${metadata.height} pixels, above the limit of ${this.options.maxInputPixels}; resize it before adding it`);
    }
    // EXIF orientations 5–8 swap width and height once the picture is turned upright.
    const swapped = (metadata.orientation ?? 1) >= 5;
    const info = swapped ? { width: metadata.height, height: metadata.width } : { width: metadata.width, height: metadata.height };
    this.infoCache.set(source.sourceHash, info);
    index.info[source.sourceHash] = info;
    this.indexDirty = true;
    return info;
  }

  async prepare(source: { path: string; sourceHash: string }, recipe: ImageRecipe): Promise<PreparedImage> {
    const key = sha256Hex(canonicalJson({ v: PIPELINE_VERSION, source: source.sourceHash, recipe }));
    const inMemory = this.memory.get(key);
    if (inMemory) {
      this.stats.cacheHits += 1;
      return inMemory;
    }
    const mime = recipe.format === 'webp' ? 'image/webp' : 'image/png';
    const cacheFile = join(this.options.cacheDir, `${key}.${recipe.format}`);
    const index = await this.index();
    const known = index.prepared[key];
    if (known && (await fileSize(cacheFile)) === known.size) {
      const prepared = { hash: known.hash, size: known.size, mime, file: cacheFile } as const;
      this.memory.set(key, prepared);
      this.stats.cacheHits += 1;
      return prepared;
    }
    const bytes = await this.render(source.path, recipe);
    await mkdir(this.options.cacheDir, { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, cacheFile);
    const prepared = { hash: sha256Hex(bytes), size: bytes.length, mime, file: cacheFile } as const;
    index.prepared[key] = { hash: prepared.hash, size: prepared.size };
    this.indexDirty = true;
    this.memory.set(key, prepared);
    this.stats.prepared += 1;
    return prepared;
  }

  /** Writes what this run learnt to the cache index; call once at the end of a compile. */
  async flush(): Promise<void> {
    if (!this.indexDirty || !this.loadedIndex) return;
    await mkdir(this.options.cacheDir, { recursive: true });
    const file = join(this.options.cacheDir, 'index.json');
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(this.loadedIndex));
    await rename(temporary, file);
    this.indexDirty = false;
  }

  private async index(): Promise<CacheIndex> {
    if (this.loadedIndex) return this.loadedIndex;
    try {
      const parsed = JSON.parse(await readFile(join(this.options.cacheDir, 'index.json'), 'utf8')) as Partial<CacheIndex>;
      this.loadedIndex = { prepared: parsed.prepared ?? {}, info: parsed.info ?? {} };
    } catch {
      this.loadedIndex = { prepared: {}, info: {} };
    }
    return this.loadedIndex;
  }

  private async render(path: string, recipe: ImageRecipe): Promise<Buffer> {
    try {
      const pipeline = sharp(await readFile(path), { limitInputPixels: this.options.maxInputPixels, failOn: 'truncated' })
        .rotate() // apply EXIF orientation before anything else; sharp drops the tag on output
        .toColourspace('srgb')
        // Centre crops: boxes already have the picture's aspect ratio except on full-wall LED
        // pages, and saliency ('attention') cropping cost 25% more time for little gain.
        .resize(recipe.width, recipe.height, { fit: recipe.fit === 'cover' ? 'cover' : 'fill', kernel: 'lanczos3' })
        .flatten({ background: '#000000' });
      // Encoders are deterministic for fixed settings; metadata is stripped by default.
      // smartSubsample and PNG level 9 were measured at 2.4× and 2× the encode time for a
      // few percent of size, which matters less than compile time on a station PC.
      return recipe.format === 'webp'
        ? await pipeline.webp({ quality: 82, effort: 4 }).toBuffer()
        : await pipeline.png({ compressionLevel: 6, palette: false }).toBuffer();
    } catch (error) {
      throw this.explain(error, path);
    }
  }

  private explain(error: unknown, path: string): ImageError {
    const message = (error as Error).message ?? String(error);
    if (/pixel limit/i.test(message)) {
      return new ImageError('IMAGE_TOO_LARGE', `${path} has more pixels than the limit of ${this.options.maxInputPixels}; resize it before adding it`);
    }
    return new ImageError('IMAGE_UNREADABLE', `${path} is not a readable picture (${message.split('\n')[0]}); it may be truncated or not an image. Export it again as JPEG or PNG`);
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
