import type { ContentNotices } from '../../compiler/cap/emergency-view.ts';
import { scheduleSchema, type Schedule } from '../../compiler/format/schedule.ts';
import type { BundleStore, StoredBundle } from './bundle-store.ts';
import type { VerifiedOffer } from './offer-verification.ts';
import type { PlayableBundle } from './playback.ts';

// The active bundle as the runtime uses it: the parsed schedule that playback and the
// scheduler follow, and the commune emergency notices its content carries. One activation
// asks for these several times (playback, the emergency controller, the scheduler), and the
// renderer's page reloads ask again; each bundle's documents are read from the store and
// parsed once, when it becomes active (or taken as parsed when the offer was verified). Their
// bytes were verified when the bundle was stored.

interface ParsedActive {
  readonly playable: PlayableBundle;
  readonly notices: ContentNotices;
}

type ManifestNotices = { notices: readonly { id: string; priority: string; sourceHash: string }[] };

function fromDocuments(bundleId: string, issuedAtMs: number, manifest: ManifestNotices, schedule: Schedule): ParsedActive {
  return {
    playable: { bundleId, schedule },
    notices: { issuedAtMs, emergencyNotices: new Map(manifest.notices.filter((n) => n.priority === 'emergency').map((n) => [n.id, n.sourceHash])) },
  };
}

function parse(bundle: StoredBundle): ParsedActive {
  const manifest = JSON.parse(bundle.manifestBytes.toString('utf8')) as ManifestNotices;
  return fromDocuments(bundle.id, bundle.issuedAtMs, manifest, scheduleSchema.parse(JSON.parse(bundle.scheduleBytes.toString('utf8'))));
}

export class ActiveBundleView {
  private cached: { readonly bundleId: string; readonly parsed: ParsedActive } | undefined;

  constructor(private readonly store: BundleStore) {}

  /** A bundle just activated, with the documents its offer was verified with (not read back). */
  activated(bundle: VerifiedOffer): void {
    this.cached = { bundleId: bundle.id, parsed: fromDocuments(bundle.id, bundle.issuedAtMs, bundle.manifest, bundle.schedule) };
  }

  /** The schedule of the bundle on screen, or undefined when there is none. */
  playable(): PlayableBundle | undefined {
    return this.current()?.playable;
  }

  /** The emergency notices of the bundle on screen (emergency-view.ts), or undefined. */
  contentNotices(): ContentNotices | undefined {
    return this.current()?.notices;
  }

  private current(): ParsedActive | undefined {
    // The id alone is a cheap query; the documents are read only when it changed.
    const { activeId } = this.store.pointers();
    if (activeId === null) return (this.cached = undefined);
    if (this.cached?.bundleId !== activeId) {
      const bundle = this.store.bundle(activeId);
      if (!bundle) return (this.cached = undefined);
      this.cached = { bundleId: activeId, parsed: parse(bundle) };
    }
    return this.cached.parsed;
  }
}
