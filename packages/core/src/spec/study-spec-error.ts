import type { SpecIssue } from './spec-issue.js';

/** A study spec that does not validate; lists every issue, one per line. */
export class StudySpecError extends Error {
  override readonly name = 'StudySpecError';

  constructor(
    readonly issues: readonly SpecIssue[],
    readonly source?: string,
  ) {
    const where = source ? ` (${source})` : '';
    super(`invalid study${where}:\n${issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n')}`);
  }
}
