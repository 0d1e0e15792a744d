import type { SectionSpec } from './study-spec.js';
import type { ResolvedPart } from './validate-study.js';

/**
 * Builds a validated part with its contribution's factory. The registry holds contributions with
 * their option types erased; validation already checked `part.options` against the same schema.
 *
 * The factory's context is `context` plus `createModel`, which builds the part's nested model
 * sections (`nested` in the contribution) with this same `context`: a nested model is built
 * exactly as it would be at the top level, and its own nested sections in turn the same way.
 * `createSchedule` does the same for nested schedule sections (`linear-warmup`'s `schedule`).
 */
export function createPart<T>(part: ResolvedPart, context: object): T {
  const createNested = (kind: 'model' | 'schedule', factory: string) => (section: SectionSpec): unknown => {
    const nested = Object.values(part.nested ?? {}).find((candidate) => candidate.section === section);
    if (!nested) {
      throw new Error(
        `${part.path}: ${factory} was given a section that is not one of the nested sections of "${part.entry.contribution.id}" ` +
          '(declare its option key in the contribution\'s `nested`, and pass the section from the options as it was handed over)',
      );
    }
    if (nested.entry.kind !== kind) throw new Error(`${nested.path}: is a ${nested.entry.kind} section, not a ${kind}`);
    return createPart(nested, context);
  };
  return (part.entry.contribution as unknown as { create(options: object, context: object): T }).create(part.options, {
    ...context,
    createModel: createNested('model', 'createModel'),
    createSchedule: createNested('schedule', 'createSchedule'),
  });
}
