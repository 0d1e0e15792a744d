import type { ArkErrors } from 'arktype';
import type { SpecIssue } from './spec-issue.js';

/** Turns arktype errors into spec issues with full paths below `prefix`. */
export function arkIssues(errors: ArkErrors, prefix: string, knownKeys?: readonly string[]): SpecIssue[] {
  return errors.map((error) => {
    const inner = error.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
    const path = `${prefix}${inner}`.replace(/^\./, '') || '(root)';
    let message = error.problem;
    if (error.code === 'predicate' && error.expected === 'removed') {
      message = knownKeys && knownKeys.length > 0 ? `is not a known option (known: ${knownKeys.join(', ')})` : 'is not a known option';
    } else if (error.propString && message.startsWith(error.propString)) {
      // arktype's union messages repeat the key ("activation must be …"); the path says it already.
      message = message.slice(error.propString.length).trimStart();
    }
    return { path, message };
  });
}
