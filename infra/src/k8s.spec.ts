/**
 * infra/k8s: every YAML document validates against the Kubernetes OpenAPI schemas (kubernetes-models),
 * the few API-server rules the schemas do not carry hold, and the documents agree with each other and
 * with the job file. Broken copies of the directory must be rejected.
 *
 * What the schemas catch: wrong types, values outside an enum, missing required fields. What they do not:
 * unknown (misspelt) fields, since the generated validators allow additional properties, and API-server
 * rules such as "a Pod's containers need an image". The consistency checks below read every field this
 * deployment relies on, so a misspelling of one of those fails them instead.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { parseJob } from '@seqtrain/protocol';

const K8S_DIR = fileURLToPath(new URL('../k8s/', import.meta.url));
const KUSTOMIZATION = 'kustomization.yaml';

interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { limits?: Record<string, string | number> };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string; items?: { key: string; path: string }[] }; persistentVolumeClaim?: { claimName: string } }[];
}
interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface LoadedDoc {
  file: string;
  doc: Doc;
}

type Validating = new (data: never) => { validate(): void };
const MODELS: Record<string, Validating> = {
  'batch/v1 Job': Job as unknown as Validating,
  'v1 Service': Service as unknown as Validating,
  'v1 ConfigMap': ConfigMap as unknown as Validating,
  'v1 Secret': Secret as unknown as Validating,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim as unknown as Validating,
};

/** Every document of every *.yaml but the kustomization; YAML syntax errors are problems too. */
function loadManifests(dir: string): { docs: LoadedDoc[]; problems: string[] } {
  const docs: LoadedDoc[] = [];
  const problems: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== KUSTOMIZATION).sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (d.errors.length > 0) problems.push(`${file}: YAML: ${d.errors.map((e) => e.message).join('; ')}`);
      else if (d.contents !== null) docs.push({ file, doc: d.toJS() as Doc });
    }
  }
  return { docs, problems };
}

function schemaProblems({ file, doc }: LoadedDoc): string[] {
  const Model = MODELS[`${doc.apiVersion} ${doc.kind}`];
  if (!Model) return [`${file}: ${doc.apiVersion} ${doc.kind} has no schema in this test; add it to MODELS`];
  try {
    new Model(doc as never).validate();
    return [];
  } catch (err) {
    return [`${file}: ${doc.kind} ${doc.metadata?.name}: ${(err as Error).message}`];
  }
}

function podSpec(doc: Doc): PodSpec | undefined {
  return (doc.spec?.template as { spec?: PodSpec } | undefined)?.spec;
}

/** Rules the API server enforces that the OpenAPI schema does not express. */
function apiServerProblems({ file, doc }: LoadedDoc): string[] {
  const problems: string[] = [];
  const pod = podSpec(doc);
  for (const c of pod?.containers ?? []) {
    if (!c.image) problems.push(`${file}: container ${c.name} of ${doc.metadata.name} has no image`);
  }
  if (doc.kind === 'Job' && doc.spec?.completionMode === 'Indexed' && doc.spec.completions === undefined) {
    problems.push(`${file}: Indexed Job ${doc.metadata.name} needs completions`);
  }
  return problems;
}

function find(docs: LoadedDoc[], kind: string, name: string): Doc | undefined {
  return docs.find((d) => d.doc.kind === kind && d.doc.metadata.name === name)?.doc;
}

function envValue(c: Container, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}

function argAfter(c: Container, flag: string): string | undefined {
  const args = c.args ?? [];
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The documents against each other and against the job file they carry. */
function consistencyProblems(docs: LoadedDoc[], dir: string): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  // Found by kind (there is one Service) and by the Jobs' names; everything else through the references.
  const services = docs.filter((d) => d.doc.kind === 'Service');
  const service = services[0]?.doc;
  const coordinatorJob = find(docs, 'Job', 'seqtrain-coordinator');
  const workersJob = find(docs, 'Job', 'seqtrain-workers');
  if (services.length !== 1 || !service || !coordinatorJob || !workersJob) return ['expected one Service and the Jobs seqtrain-coordinator and seqtrain-workers'];
  const coordinatorPod = podSpec(coordinatorJob);
  const workerPod = podSpec(workersJob);
  const coordinator = coordinatorPod?.containers[0];
  const worker = workerPod?.containers[0];
  if (!coordinatorPod || !workerPod || !coordinator || !worker) return ['both Jobs need a pod template with a container'];
  const jobVolume = coordinatorPod.volumes?.find((v) => v.configMap);
  const configMap = find(docs, 'ConfigMap', jobVolume?.configMap?.name ?? '');
  if (!configMap) return [`the coordinator mounts ConfigMap ${jobVolume?.configMap?.name}, which is not among the documents`];

  // The Service selects the coordinator's pods, and only those.
  const selector = (service.spec?.selector ?? {}) as Record<string, string>;
  const podLabels = (coordinatorJob.spec?.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
  const workerLabels = (workersJob.spec?.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
  check(Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels[k] === v), `Service selector ${JSON.stringify(selector)} does not match the coordinator pod labels ${JSON.stringify(podLabels)}`);
  check(!Object.entries(selector).every(([k, v]) => workerLabels[k] === v), 'the Service selector also matches the worker pods');
  check(service.spec?.clusterIP === 'None', 'the coordinator Service must be headless (clusterIP: None)');

  // Service ports -> named container ports -> the job file's ports.
  const ports = (service.spec?.ports ?? []) as { name: string; port: number; targetPort?: string | number }[];
  const servicePort = (name: string) => ports.find((p) => p.name === name);
  for (const p of ports) {
    const target = coordinator.ports?.find((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort);
    check(target?.containerPort === p.port, `Service port ${p.name} (${p.port}) targets ${String(p.targetPort)}, which is not a coordinator container port with the same number`);
  }
  const control = servicePort('control');
  const dashboard = servicePort('dashboard');
  check(control !== undefined && dashboard !== undefined, 'the Service needs ports named control and dashboard');

  // The ConfigMap key is the file mounted and passed with --config.
  const configPath = argAfter(coordinator, '--config') ?? '';
  const mount = coordinator.volumeMounts?.find((m) => m.name === jobVolume?.name);
  const item = jobVolume?.configMap?.items?.[0];
  check(item !== undefined && configMap.data?.[item.key] !== undefined, `the coordinator mounts key ${item?.key} of ConfigMap ${configMap.metadata.name}, which has keys ${Object.keys(configMap.data ?? {}).join(', ')}`);
  check(mount !== undefined && item !== undefined && `${mount.mountPath}/${item.path}` === configPath, `--config ${configPath} is not the mounted ${mount?.mountPath}/${item?.path}`);
  const job = parse(configMap.data?.[item?.key ?? ''] ?? '{}') as Record<string, unknown>;

  check(job.port === control?.port, `job.yaml port ${String(job.port)} differs from the Service's control port ${control?.port}`);
  check(job.dashboardPort === dashboard?.port, `job.yaml dashboardPort ${String(job.dashboardPort)} differs from the Service's dashboard port ${dashboard?.port}`);
  check(job.host === '0.0.0.0', 'job.yaml host must be 0.0.0.0: the workers come in through the Service, not loopback');

  // Workers: the coordinator through the Service DNS name, their own pod IP for the ring, one pod per worker.
  check(argAfter(worker, '--coordinator') === `ws://${service.metadata.name}:${control?.port}`, `the workers dial ${argAfter(worker, '--coordinator')}, not ws://${service.metadata.name}:${control?.port}`);
  check(argAfter(worker, '--ring-host') === '$(POD_IP)', 'the workers must advertise --ring-host $(POD_IP)');
  check(worker.env?.find((e) => e.name === 'POD_IP')?.valueFrom?.fieldRef?.fieldPath === 'status.podIP', 'POD_IP must come from the downward API (status.podIP)');
  check(workersJob.spec?.completionMode === 'Indexed', 'the workers Job must be Indexed');
  check(workersJob.spec?.parallelism === job.workers && workersJob.spec?.completions === job.workers, `parallelism ${String(workersJob.spec?.parallelism)} and completions ${String(workersJob.spec?.completions)} must both equal job.yaml workers ${String(job.workers)}`);
  const devices = envValue(worker, 'SEQTRAIN_DEVICES');
  check(argAfter(worker, '--devices') === '$(SEQTRAIN_DEVICES)', 'the workers pass --devices $(SEQTRAIN_DEVICES)');
  check(Number(devices) === job.devicesPerWorker, `SEQTRAIN_DEVICES ${devices} differs from job.yaml devicesPerWorker ${String(job.devicesPerWorker)}`);
  check(Number(worker.resources?.limits?.['nvidia.com/gpu']) === job.devicesPerWorker, `the nvidia.com/gpu limit differs from job.yaml devicesPerWorker ${String(job.devicesPerWorker)}`);
  check(envValue(worker, 'SEQTRAIN_BACKEND') === 'tensorflow-gpu' && job.backend === 'tensorflow-gpu', 'workers and job.yaml must both ask for the tensorflow-gpu backend');
  check(argAfter(worker, '--backend') === '$(SEQTRAIN_BACKEND)', 'the workers pass --backend $(SEQTRAIN_BACKEND)');

  // Every $(VAR) in the args is defined in the container's env (Kubernetes leaves undefined ones verbatim).
  for (const c of [coordinator, worker]) {
    for (const arg of c.args ?? []) {
      for (const m of arg.matchAll(/\$\(([A-Z_]+)\)/g)) check(c.env?.some((e) => e.name === m[1]) === true, `${c.name} uses $(${m[1]}) without defining it`);
    }
  }

  // Secrets and claims that are referenced exist; the shared claim is RWX and holds the run directory.
  for (const c of [coordinator, worker]) {
    const ref = c.env?.find((e) => e.name === 'SEQTRAIN_SECRET')?.valueFrom?.secretKeyRef;
    const secret = ref ? find(docs, 'Secret', ref.name) : undefined;
    check(secret !== undefined && ref !== undefined && (secret.stringData?.[ref.key] ?? secret.data?.[ref.key]) !== undefined, `${c.name}: SEQTRAIN_SECRET must come from an existing Secret key`);
  }
  for (const [pod, c] of [[coordinatorPod, coordinator], [workerPod, worker]] as const) {
    const claim = pod.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
    const pvc = claim ? find(docs, 'PersistentVolumeClaim', claim) : undefined;
    check((pvc?.spec?.accessModes as string[] | undefined)?.includes('ReadWriteMany') === true, `${c.name}: the shared claim ${claim} must exist and be ReadWriteMany`);
    const sharedMount = c.volumeMounts?.find((m) => pod.volumes?.find((v) => v.name === m.name)?.persistentVolumeClaim);
    check(sharedMount?.mountPath === '/shared', `${c.name}: the shared claim must be mounted at /shared`);
  }
  check(typeof job.out === 'string' && job.out.startsWith('/shared/'), `job.yaml out ${String(job.out)} must be on the shared volume (/shared/...)`);

  // The kustomization applies exactly the files here.
  const kustomization = parse(readFileSync(join(dir, KUSTOMIZATION), 'utf8')) as { resources?: string[] };
  const files = [...new Set(docs.map((d) => d.file))].sort();
  check(JSON.stringify([...(kustomization.resources ?? [])].sort()) === JSON.stringify(files), `kustomization resources ${JSON.stringify(kustomization.resources)} differ from the files ${JSON.stringify(files)}`);
  return problems;
}

/** Everything wrong with a manifest directory; empty when it is good. */
function checkManifestDir(dir: string): string[] {
  const { docs, problems } = loadManifests(dir);
  return [...problems, ...docs.flatMap(schemaProblems), ...docs.flatMap(apiServerProblems), ...consistencyProblems(docs, dir)];
}

describe('infra/k8s manifests', () => {
  it('validate against the Kubernetes schemas, document by document', () => {
    const { docs, problems } = loadManifests(K8S_DIR);
    expect(problems).toEqual([]);
    expect(docs.map((d) => `${d.doc.kind}/${d.doc.metadata.name}`).sort()).toEqual([
      'ConfigMap/seqtrain-job',
      'Job/seqtrain-coordinator',
      'Job/seqtrain-workers',
      'PersistentVolumeClaim/seqtrain-shared',
      'Secret/seqtrain-secret',
      'Service/seqtrain-coordinator',
    ]);
    expect(docs.flatMap(schemaProblems)).toEqual([]);
    expect(docs.flatMap(apiServerProblems)).toEqual([]);
  });

  it('agree with each other: Service and coordinator pods, worker URL, ConfigMap key, worker count and GPUs, shared claim', () => {
    const { docs } = loadManifests(K8S_DIR);
    expect(consistencyProblems(docs, K8S_DIR)).toEqual([]);
  });

  it('carry a job file that seqtrain accepts', () => {
    const configMap = loadManifests(K8S_DIR).docs.find((d) => d.doc.kind === 'ConfigMap')?.doc;
    const job = parseJob(parse(configMap?.data?.['job.yaml'] ?? ''), 'infra/k8s/job-config.yaml job.yaml');
    expect(job).toMatchObject({ workers: 2, devicesPerWorker: 1, host: '0.0.0.0', port: 29500, backend: 'tensorflow-gpu' });
  });
});

describe('broken copies of infra/k8s', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'seqtrain-k8s-'));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A copy of infra/k8s with one textual edit; the edit must apply exactly once. */
  function brokenCopy(file: string, from: string, to: string): string {
    const dir = join(root, `${file}-${Math.random().toString(36).slice(2, 8)}`);
    cpSync(K8S_DIR, dir, { recursive: true });
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text.split(from).length - 1, `"${from}" in ${file}`).toBe(1);
    writeFileSync(join(dir, file), text.replace(from, to));
    return dir;
  }

  it('the good copy passes, so every rejection below is the edit', () => {
    expect(checkManifestDir(brokenCopy('workers.yaml', 'completionMode: Indexed', 'completionMode: Indexed'))).toEqual([]);
  });

  it.each([
    ['workers.yaml', 'completionMode: Indexed', 'completionMode: Sometimes', /completionMode must be equal to one of the allowed values/],
    ['workers.yaml', 'parallelism: 2', 'parallelism: two', /parallelism must be integer/],
    ['coordinator.yaml', '          image: seqtrain:cpu\n', '', /container coordinator of seqtrain-coordinator has no image/],
    ['coordinator.yaml', '      restartPolicy: Never', '      restartPolicy: Sometimes', /restartPolicy must be equal to one of the allowed values/],
    ['shared-pvc.yaml', '    - ReadWriteMany', '    - ReadWriteOnce', /must exist and be ReadWriteMany/],
    ['coordinator.yaml', 'kind: Service\nmetadata:\n  name: seqtrain-coordinator', 'kind: Service\nmetadata:\n  name: trainer-control', /the workers dial ws:\/\/seqtrain-coordinator:29500, not ws:\/\/trainer-control:29500/],
    ['job-config.yaml', '  name: seqtrain-job', '  name: job-file', /mounts ConfigMap seqtrain-job, which is not among the documents/],
    ['coordinator.yaml', '  selector:\n    app.kubernetes.io/name: seqtrain\n    app.kubernetes.io/component: coordinator', '  selector:\n    app.kubernetes.io/name: seqtrain\n    app.kubernetes.io/component: control', /Service selector .* does not match the coordinator pod labels/],
    ['workers.yaml', 'ws://seqtrain-coordinator:29500', 'ws://coordinator:29500', /the workers dial ws:\/\/coordinator:29500/],
    ['workers.yaml', 'parallelism: 2', 'parallelism: 3', /parallelism 3 and completions 2 must both equal job.yaml workers 2/],
    ['workers.yaml', 'nvidia.com/gpu: 1', 'nvidia.com/gpu: 2', /nvidia.com\/gpu limit differs/],
    ['workers.yaml', 'fieldPath: status.podIP', 'fieldPath: status.hostIP', /POD_IP must come from the downward API/],
    ['job-config.yaml', '  job.yaml: |', '  job.yml: |', /mounts key job.yaml of ConfigMap seqtrain-job, which has keys job.yml/],
    ['job-config.yaml', '    port: 29500', '    port: 29501', /job.yaml port 29501 differs from the Service's control port 29500/],
    ['coordinator.yaml', '      targetPort: dashboard', '      targetPort: metrics', /Service port dashboard \(8080\) targets metrics/],
    ['secret.yaml', '  shared-secret:', '  secret:', /SEQTRAIN_SECRET must come from an existing Secret key/],
    ['workers.yaml', '            - $(POD_IP)', '            - $(MY_POD_IP)', /--ring-host \$\(POD_IP\)/],
    ['kustomization.yaml', '  - shared-pvc.yaml\n', '', /kustomization resources/],
    ['workers.yaml', 'spec:\n  completionMode', 'spec:\n completionMode', /YAML/],
  ])('%s: "%s" -> "%s" is rejected', (file, from, to, expected) => {
    const problems = checkManifestDir(brokenCopy(file, from, to));
    expect(problems.join('\n')).toMatch(expected);
  });
});
