import type { Type } from 'arktype';

/** The declared keys of an options schema, for "known options" hints; [] if it is not a plain object type. */
export function optionKeys(schema: Type<object>): string[] {
  try {
    // Type<object> erases the props' types; every object type has this shape at run time.
    const props = (schema as unknown as { props: readonly { key: PropertyKey }[] }).props;
    return props.map((prop) => prop.key).filter((key): key is string => typeof key === 'string');
  } catch {
    return []; // unions and morphs have no single key list
  }
}
