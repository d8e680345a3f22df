/**
 * Forward pass of a functional LayersModel on concrete tensors: every node of the graph applied
 * exactly once, deepest first, with `training` passed to each layer in a kwargs object of its own.
 *
 * Why not `model.execute` or `model.apply` (tfjs-layers 4.x, engine/executor.js):
 * - The executor walks the graph by symbolic tensor and applies a layer once for every output
 *   tensor the fetch needs. seq2seq-attention's encoder LSTM has three used outputs (the sequence,
 *   h and c), so it ran three times per forward pass; two of those runs were thrown away.
 * - It hands one kwargs object to every layer, and RNN.apply writes `kwargs.initialState` into it,
 *   so with `{ training: true }` the next application of an RNN to [x, h, c] throws "When inputs is
 *   an array, neither initialState or constants should be provided". `model.execute` takes no kwargs,
 *   so until now a multi-input model always trained with training = false (Dropout off).
 * graph-forward.spec.ts checks both against the stock executor's output.
 *
 * Contract: `inputs` are in the order of `model.inputs`; returns the first output (the one the
 * trainer's loss reads). Masks flow as in the executor: a node whose inputs carry masks gets the
 * first one as `kwargs.mask`, and its output masks come from `layer.computeMask`. Tensors are not
 * disposed here: call inside tf.tidy or tf.variableGrads, as the trainer does.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';

type Kwargs = { training: boolean; mask?: tf.Tensor };

export function forwardOnce(model: LayersModel, inputs: readonly tf.Tensor[], training: boolean): tf.Tensor {
  if (inputs.length !== model.inputs.length) {
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `Model "${model.name}" takes ${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(', ')}); got ${inputs.length}. Pass one tensor per model input, in that order.`,
      { field: 'inputs' }
    );
  }
  const values = new Map<number, { value: tf.Tensor; mask: tf.Tensor | null }>();
  model.inputs.forEach((symbolic, i) => values.set(symbolic.id, { value: inputs[i] as tf.Tensor, mask: null }));
  const depths = Object.keys(model.nodesByDepth)
    .map(Number)
    .sort((a, b) => b - a);
  for (const depth of depths) {
    for (const node of model.nodesByDepth[depth] ?? []) {
      if (node.outputTensors.every((t) => values.has(t.id))) continue; // input layers
      const fed = node.inputTensors.map((t) => values.get(t.id));
      if (fed.some((f) => f === undefined)) continue; // a branch that does not lead from these inputs
      const args = fed as { value: tf.Tensor; mask: tf.Tensor | null }[];
      const xs = args.map((a) => a.value);
      const masks = args.map((a) => a.mask);
      // As the executor: the layer gets the list of its inputs, and the first input's mask when it has one.
      const kwargs: Kwargs = { training };
      if (masks[0]) kwargs.mask = masks[0];
      const layer = node.outboundLayer;
      const outs = [layer.apply(xs, kwargs)].flat() as tf.Tensor[];
      const outMask = layer.supportsMasking ? layer.computeMask(xs, masks as tf.Tensor[]) : null;
      node.outputTensors.forEach((t, i) => {
        const mask = Array.isArray(outMask) ? (outMask[i] ?? null) : outMask;
        values.set(t.id, { value: outs[i] as tf.Tensor, mask: mask ?? null });
      });
    }
  }
  const output = model.outputs[0];
  const result = output ? values.get(output.id) : undefined;
  if (!result) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Model "${model.name}": its first output was not reached from its inputs; is it a functional model built from them?`, {
      field: 'model',
    });
  }
  return result.value;
}
