/**
 * A tfjs IOHandler that saves and loads a layers model as DIR/model.json + DIR/weights.bin, the
 * same layout tfjs-node's `file://` handler writes (tfjs-node is optional here, so that handler may
 * not exist). model.json: { modelTopology, format: 'layers-model', generatedBy, convertedBy: null,
 * weightsManifest: [{ paths: ['weights.bin'], weights: [...specs] }] } (+ trainingConfig etc. when
 * the model has them). weights.bin: the weights' raw bytes, in manifest order, native (little) endian.
 *
 * Loading checks that the weight files hold exactly the bytes the manifest describes, so a
 * truncated or mismatched weights.bin is ERR_CHECKPOINT_INVALID naming that file instead of a
 * model with garbage weights.
 */
import { readFile, mkdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';
import { writeFileDurable } from './durable-write.js';

export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

type WeightSpec = tf.io.WeightsManifestEntry;

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** Bytes the specs occupy in the weight files, or undefined if unknowable (string weights). */
export function weightBytes(specs: readonly WeightSpec[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const per = spec.quantization ? QUANTIZED_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype];
    if (per === undefined) return undefined;
    total += spec.shape.reduce((a, b) => a * b, 1) * per;
  }
  return total;
}

function invalid(file: string, problem: string, cause?: unknown): SeqtrainError {
  return new SeqtrainError(
    'ERR_CHECKPOINT_INVALID',
    `${file}: ${problem}. Use a complete checkpoint directory (re-save it, or pick an earlier one).`,
    { file },
    { cause }
  );
}

async function readModelJson(file: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw invalid(file, `cannot be read (${(err as Error).message})`, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `is not valid JSON (${(err as Error).message})`, err);
  }
  const json = parsed as Partial<tf.io.ModelJSON> | null;
  if (json === null || typeof json !== 'object' || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw invalid(file, 'has no "modelTopology" object; it is not a tfjs layers model.json');
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw invalid(file, 'has no "weightsManifest" array; it is not a tfjs layers model.json');
  }
  return json as tf.io.ModelJSON;
}

async function readWeightGroups(dir: string, manifest: tf.io.WeightsManifestConfig, jsonFile: string) {
  const specs: WeightSpec[] = [];
  const buffers: Uint8Array[] = [];
  let lastFile = join(dir, WEIGHTS_FILE);
  const root = resolve(dir) + sep;
  for (const group of manifest) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw invalid(jsonFile, 'has a weightsManifest entry without "paths" and "weights" arrays');
    }
    specs.push(...group.weights);
    for (const path of group.paths) {
      const file = resolve(dir, path);
      if (!file.startsWith(root)) throw invalid(jsonFile, `names weight file "${path}" outside its directory`);
      lastFile = file;
      try {
        buffers.push(await readFile(file));
      } catch (err) {
        throw invalid(file, `cannot be read (${(err as Error).message})`, err);
      }
    }
  }
  const got = buffers.reduce((n, b) => n + b.byteLength, 0);
  const expected = weightBytes(specs);
  if (expected !== undefined && got !== expected) {
    throw invalid(
      lastFile,
      `holds ${got} bytes of weights but ${MODEL_JSON_FILE} describes ${expected} bytes; the file is truncated or belongs to another model`
    );
  }
  const weightData = new Uint8Array(got);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  return { specs, weightData: weightData.buffer };
}

/** IOHandler for `model.save(fileSystemIO(dir))` and `tf.loadLayersModel(fileSystemIO(dir))`. */
export function fileSystemIO(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `fileSystemIO(${dir}) saves layers models (JSON topology) only; got ${artifacts.modelTopology === undefined ? 'no topology' : 'a binary graph topology'}.`,
          { file: join(dir, MODEL_JSON_FILE) }
        );
      }
      const weightSpecs = artifacts.weightSpecs ?? [];
      const weightData = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-core v${tf.version_core}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs }],
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
      await mkdir(dir, { recursive: true });
      // Weights first: a model.json never points at weights that are not there yet.
      await writeFileDurable(join(dir, WEIGHTS_FILE), weightData);
      await writeFileDurable(join(dir, MODEL_JSON_FILE), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(weightSpecs).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonFile = join(dir, MODEL_JSON_FILE);
      const json = await readModelJson(jsonFile);
      const { specs, weightData } = await readWeightGroups(dir, json.weightsManifest, jsonFile);
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
      };
      if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig;
      if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata;
      if (json.signature !== undefined) artifacts.signature = json.signature;
      return artifacts;
    },
  };
}
