import { DataSetContribution, definePlugin } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { fromFile } from './from-file.js';
import { gaussianTeacher } from './gaussian-teacher.js';
import { signTeacher } from './sign-teacher.js';
import { singleExample } from './single-example.js';
import { twoClusters } from './two-clusters.js';

export { fromFile, readDataFiles } from './from-file.js';
export type { FromFileOptions } from './from-file.js';
export { drawGaussianTeacher, gaussianTeacher } from './gaussian-teacher.js';
export type { GaussianTeacherKind, GaussianTeacherOptions, TeacherDataSet } from './gaussian-teacher.js';
export { parseCsv, parseJson, readTable } from './read-table.js';
export type { Table, TableFormat } from './read-table.js';
export { drawSignTeacher, signTeacher } from './sign-teacher.js';
export type { SignTeacherDirection, SignTeacherOptions } from './sign-teacher.js';
export { singleExample } from './single-example.js';
export { drawTwoClusters, twoClusters } from './two-clusters.js';
export type { TwoClustersOptions } from './two-clusters.js';

/** The data plugin: single-example, gaussian-teacher, sign-teacher, two-clusters and from-file. */
const dataPlugin = definePlugin({
  name: '@tdlab/plugin-data',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(DataSetContribution).toConstantValue(singleExample);
    bind(DataSetContribution).toConstantValue(gaussianTeacher);
    bind(DataSetContribution).toConstantValue(signTeacher);
    bind(DataSetContribution).toConstantValue(twoClusters);
    bind(DataSetContribution).toConstantValue(fromFile);
  }),
});

export default dataPlugin;
