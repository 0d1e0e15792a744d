/** Per-run services bound in each run's child container. */
export const RunContextToken = Symbol.for('@tdlab/core/RunContext');
export const ValidatedStudyToken = Symbol.for('@tdlab/core/ValidatedStudy');
export const MetricBoardToken = Symbol.for('@tdlab/core/MetricBoard');
