import type { AnyContribution } from '../contributions/contribution.js';
import type { ContributionKind } from '../contributions/contribution-kind.js';

/** A contribution as the registry holds it: with its kind and the plugin it came from. */
export interface RegisteredContribution {
  readonly kind: ContributionKind;
  /** "name@version" of the contributing plugin. */
  readonly plugin: string;
  readonly contribution: AnyContribution;
}
