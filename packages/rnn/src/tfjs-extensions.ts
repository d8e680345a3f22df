/**
 * Node loads tfjs-core through its CommonJS bundle, which registers neither the op gradients (the
 * 'ops' path and stock tfjs-layers need them for autodiff) nor the chained tensor methods
 * (tfjs-layers' Orthogonal initializer calls x.flatten()). The @tensorflow/tfjs union package registers
 * both on the one hoisted tfjs-core, as packages/models does.
 */
import '@tensorflow/tfjs';
