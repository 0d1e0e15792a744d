import type { ResolvedPart } from './validate-study.js';

/**
 * Builds a validated part with its contribution's factory. The registry holds contributions with
 * their option types erased; validation already checked `part.options` against the same schema.
 */
export function createPart<T>(part: ResolvedPart, context: object): T {
  return (part.entry.contribution as unknown as { create(options: object, context: object): T }).create(part.options, context);
}
