import type { Type } from 'arktype';
import type { ContributionKind } from './contribution-kind.js';

/**
 * What every contribution of a plugin has: the `use:` name a study refers to it by, one line of
 * documentation, the arktype schema of its options (the spec section minus `use:` and the core's
 * own fields), and a factory. The options type is inferred from the schema, never written twice.
 */
export interface Contribution<TSchema extends Type<object>, TContext, TProduct> {
  readonly id: string;
  readonly description: string;
  readonly options: TSchema;
  /**
   * Options that hold a whole section of another contribution, by option key and kind:
   * `nested: { base: 'model' }` lets a study write `model: { use: quadratic, base: { use: two-layer,
   * width: 1024 } }`. The core validates each such section with its own contribution (issues read
   * `model.base.width: …`, an unknown `use:` lists the known ones), and hands the factory, under
   * the same key, the nested section with its validated options, to build through its context
   * (`ModelContext.createModel`). The schema declares the key as `nestedSectionSchema`, so the
   * options type has it and a missing or malformed section is reported there.
   */
  readonly nested?: { readonly [K in keyof TSchema['infer'] & string]?: ContributionKind };
  create(options: TSchema['infer'], context: TContext): TProduct;
}

/** A contribution whose option types have been erased (as held by the registry). */
export interface AnyContribution {
  readonly id: string;
  readonly description: string;
  readonly options: Type<object>;
  readonly nested?: Readonly<Record<string, ContributionKind>>;
  create(options: never, context: never): unknown;
}
