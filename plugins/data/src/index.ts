import { DataSetContribution, definePlugin } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { fromFile } from './from-file.js';
import { gaussianInputsDataSet } from './gaussian-inputs.js';
import { gaussianTeacher } from './gaussian-teacher.js';
import { mnist } from './mnist.js';
import { quadraticTeacher } from './quadratic-teacher.js';
import { signTeacher } from './sign-teacher.js';
import { singleExample } from './single-example.js';
import { sphere } from './sphere.js';
import { twoClusters } from './two-clusters.js';

export { fromFile, readDataFiles } from './from-file.js';
export type { FromFileEval, FromFileOptions } from './from-file.js';
export { gegenbauer, gegenbauerAll, harmonicDimension } from './gegenbauer.js';
export { drawGaussianInputs, gaussianInputsDataSet } from './gaussian-inputs.js';
export type { GaussianInputsOptions } from './gaussian-inputs.js';
export { drawGaussianTeacher, gaussianTeacher } from './gaussian-teacher.js';
export type { GaussianTeacherKind, GaussianTeacherOptions, TeacherDataSet } from './gaussian-teacher.js';
export { parseCsv, parseJson, readTable } from './read-table.js';
export type { Table, TableFormat } from './read-table.js';
export { drawSignTeacher, signTeacher } from './sign-teacher.js';
export type { SignTeacherDirection, SignTeacherOptions } from './sign-teacher.js';
export { drawQuadraticTeacher, quadraticTeacher } from './quadratic-teacher.js';
export type { QuadraticTeacherDataSet, QuadraticTeacherOptions } from './quadratic-teacher.js';
export { drawMnist, mnist, mnistDataDirectory, readMnistImages, readMnistLabels, MNIST_PIXELS, MNIST_SIDE } from './mnist.js';
export type { MnistClass, MnistDataSet, MnistNormalization, MnistOptions, MnistSplit } from './mnist.js';
export { singleExample } from './single-example.js';
export { defaultSphereCoefficients, drawSphere, sphere, teacherOnSphere } from './sphere.js';
export type { SphereDataSet, SphereOptions } from './sphere.js';
export { drawTwoClusters, twoClusters } from './two-clusters.js';
export type { TwoClustersOptions } from './two-clusters.js';

/** The data plugin: single-example, gaussian-teacher, sign-teacher, two-clusters, from-file, gaussian-inputs, quadratic-teacher, sphere and mnist. */
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
    bind(DataSetContribution).toConstantValue(gaussianInputsDataSet);
    bind(DataSetContribution).toConstantValue(quadraticTeacher);
    bind(DataSetContribution).toConstantValue(sphere);
    bind(DataSetContribution).toConstantValue(mnist);
  }),
});

export default dataPlugin;
