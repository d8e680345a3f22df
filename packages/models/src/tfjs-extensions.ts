/**
 * Makes the tfjs-core that Node loads complete enough to train.
 *
 * Node loads tfjs-core through its CommonJS bundle (dist/tf-core.node.js), which registers neither the
 * op gradients nor the chained tensor methods (`x.flatten()`): without them `tf.variableGrads` fails
 * ("gradient function not found for Sum") and tfjs-layers' Orthogonal initializer fails
 * ("rMat.flatten is not a function"). The `@tensorflow/tfjs` union package registers both (tfjs-node
 * imports it for the same reason); it shares the one hoisted tfjs-core, so the registrations apply to
 * every tensor whichever backend is selected.
 */
import '@tensorflow/tfjs';
