import type { Type } from 'arktype';

/**
 * What every contribution of a plugin has: the `use:` name a study refers to it by, one line of
 * documentation, the arktype schema of its options (the spec section minus `use:` and the core's
 * own fields), and a factory. The options type is inferred from the schema, never written twice.
 */
export interface Contribution<TSchema extends Type<object>, TContext, TProduct> {
  readonly id: string;
  readonly description: string;
  readonly options: TSchema;
  create(options: TSchema['infer'], context: TContext): TProduct;
}

/** A contribution whose option types have been erased (as held by the registry). */
export interface AnyContribution {
  readonly id: string;
  readonly description: string;
  readonly options: Type<object>;
  create(options: never, context: never): unknown;
}
