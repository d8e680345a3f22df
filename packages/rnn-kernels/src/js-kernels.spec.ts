import { jsRnnKernels } from './js-kernels.js';
import { describeKernelSuite } from './kernel-suite.testing.js';

describeKernelSuite('js kernels', jsRnnKernels);
