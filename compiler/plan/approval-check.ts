// What the compiler found when it checked a notice's approval against the station's approver
// registry. Computed where the keys and bytes are (compiler/trust/approval-signature.ts);
// acted on by the pure selection (select-notices.ts), which skips refused notices.

export type ApprovalCheck =
  /** The approver's signature over the notice's current content verified against the registry. */
  | { readonly status: 'verified'; readonly approver: string }
  /** No registry was configured: the approval block is taken on trust and the report warns. */
  | { readonly status: 'unverified' }
  /** A registry is configured and the approval does not hold; the notice is skipped. */
  | { readonly status: 'refused'; readonly code: ApprovalRefusalCode; readonly field: string; readonly reason: string };

export type ApprovalRefusalCode = 'APPROVAL_UNSIGNED' | 'APPROVAL_UNKNOWN_APPROVER' | 'APPROVAL_WRONG_KEY' | 'APPROVAL_CONTENT_CHANGED';
