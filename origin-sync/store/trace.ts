// The event explorer's shapes (docs/contract.md §3): what happened to one core event, step by step.
// The steps live in the database (store.ts); these are what the API answers.

export type StepName =
  | 'received'
  | 'validated'
  | 'journaled'
  | 'fanned_out'
  | 'pushed'
  | 'applied'
  | 'skipped'
  | 'rendered'
  /** An extension of docs/contract.md §3: the certificate updater's progress for a page event. */
  | 'certificate'
  | 'failed';

export interface TraceStep {
  step: StepName;
  at: string;
  pageId?: string;
  renderVersion?: number;
  detail?: string;
  error?: string;
}

export interface EventTrace {
  id: string;
  type: string;
  receivedAt: string;
  steps: TraceStep[];
}
