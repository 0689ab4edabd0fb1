// Validates rendered Kubernetes manifests offline:
//  1. every document against the official Kubernetes OpenAPI schemas (kubernetes-models, compiled validators) and
//     KEDA's CRD schemas (@kubernetes-models/keda): types, required fields, enums, formats;
//  2. strictly, with TypeScript's checker over the same models' declarations: a field the API does not know (a typo
//     such as `livenesProbe`, which the API server would silently drop) is an error, as with `kubeconform -strict`;
//  3. the references between documents: selectors that select nothing, autoscaler targets, two autoscalers on one
//     Deployment, ConfigMaps, Secrets and ServiceAccounts that neither the render nor the operator provides.
// Usage: node scripts/validate-manifests.mjs <rendered.yaml>... ; exits 1 on any error.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadAll } from 'js-yaml';
import ts from 'typescript';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Secrets made out of band in real environments (deploy/components/external-secrets). */
const EXTERNAL_SECRETS = new Set([
  'pp-database',
  'pp-reporting-database',
  'pp-broker-credentials',
  'pp-broker-sync-scheduler',
  'pp-broker-sync-worker',
  'pp-broker-normalizer',
  'pp-broker-keda',
  'pp-broker-operator',
  'pp-broker-admin',
  'pp-metrics',
  'pp-jwt',
  'pp-credentials-encryption',
  'pp-token-handoff',
]);

/** apiVersion -> the package module holding its models. */
function modelModule(apiVersion) {
  if (apiVersion === 'v1') return 'kubernetes-models/v1';
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

function loadDocuments(files) {
  const documents = [];
  for (const file of files) {
    loadAll(readFileSync(file, 'utf8'), (document) => {
      if (!document) return;
      // kustomize wraps long base64 values in Secret data; the API server's decoder skips line breaks.
      if (document.kind === 'Secret' && document.data) {
        for (const [key, value] of Object.entries(document.data))
          document.data[key] = String(value).replace(/\s+/g, '');
      }
      documents.push({ file: basename(file), document });
    });
  }
  return documents;
}

function describe({ file, document }) {
  return `${file}: ${document.kind ?? '?'}/${document.metadata?.name ?? '?'}`;
}

async function schemaErrors(entries) {
  const errors = [];
  for (const entry of entries) {
    const { apiVersion, kind } = entry.document;
    if (!apiVersion || !kind) {
      errors.push(`${describe(entry)}: apiVersion and kind are required`);
      continue;
    }
    let Model;
    try {
      Model = (await import(modelModule(apiVersion)))[kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      errors.push(`${describe(entry)}: no schema for ${apiVersion} ${kind}`);
      continue;
    }
    entry.typeName = `import('${modelModule(apiVersion)}/${kind}').I${kind}`;
    try {
      new Model(entry.document).validate();
    } catch (error) {
      errors.push(`${describe(entry)}: ${error.message}`);
    }
  }
  return errors;
}

/**
 * Type-checks each document as an object literal of its model's interface: excess property checks reject every
 * unknown field at any depth. The source lives only in memory, beside the repo so node_modules resolve.
 */
function strictErrors(entries) {
  const checked = entries.filter((entry) => entry.typeName);
  const fileName = join(root, '__rendered-manifests__.mts');
  const lines = checked.map(
    (entry, index) => `export const doc${index}: ${entry.typeName} = ${JSON.stringify(entry.document)};`,
  );
  const source = lines.join('\n');
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => name === fileName || ts.sys.fileExists(name);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  host.getSourceFile = (name, version, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file?.fileName !== fileName || diagnostic.start === undefined) return `strict check: ${message}`;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${describe(checked[line])}: ${message}`;
  });
}

function matches(selector, labels) {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

function referenceErrors(entries) {
  const errors = [];
  const byKind = (kind) => entries.filter((entry) => entry.document.kind === kind).map((entry) => entry.document);
  const names = (kind) => new Set(byKind(kind).map((document) => document.metadata.name));
  const workloads = [...byKind('Deployment'), ...byKind('Job')];
  const deployments = names('Deployment');
  const configMaps = names('ConfigMap');
  const secrets = new Set([...names('Secret'), ...EXTERNAL_SECRETS]);
  const serviceAccounts = new Set([...names('ServiceAccount'), 'default']);
  const podLabels = workloads.map((workload) => workload.spec.template.metadata?.labels ?? {});

  for (const workload of workloads) {
    const where = `${workload.kind}/${workload.metadata.name}`;
    const pod = workload.spec.template.spec;
    if (
      workload.kind === 'Deployment' &&
      !matches(workload.spec.selector.matchLabels, podLabels[workloads.indexOf(workload)])
    )
      errors.push(`${where}: its selector does not match its own pod template`);
    if (pod.serviceAccountName && !serviceAccounts.has(pod.serviceAccountName))
      errors.push(`${where}: ServiceAccount ${pod.serviceAccountName} is not defined`);
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef && !configMaps.has(source.configMapRef.name))
          errors.push(`${where}: ConfigMap ${source.configMapRef.name} is not defined`);
        if (source.secretRef && !secrets.has(source.secretRef.name))
          errors.push(`${where}: Secret ${source.secretRef.name} is not defined`);
      }
      for (const variable of container.env ?? []) {
        const secret = variable.valueFrom?.secretKeyRef;
        if (secret && !secrets.has(secret.name)) errors.push(`${where}: Secret ${secret.name} is not defined`);
        const config = variable.valueFrom?.configMapKeyRef;
        if (config && !configMaps.has(config.name)) errors.push(`${where}: ConfigMap ${config.name} is not defined`);
      }
    }
  }
  for (const service of byKind('Service')) {
    if (!podLabels.some((labels) => matches(service.spec.selector, labels)))
      errors.push(`Service/${service.metadata.name}: its selector matches no pod template`);
  }
  for (const budget of byKind('PodDisruptionBudget')) {
    if (!podLabels.some((labels) => matches(budget.spec.selector.matchLabels, labels)))
      errors.push(`PodDisruptionBudget/${budget.metadata.name}: its selector matches no pod template`);
  }
  for (const policy of byKind('NetworkPolicy')) {
    const selector = policy.spec.podSelector?.matchLabels;
    if (selector && !podLabels.some((labels) => matches(selector, labels)))
      errors.push(`NetworkPolicy/${policy.metadata.name}: its podSelector matches no pod template`);
  }
  const scaled = new Map();
  for (const autoscaler of [...byKind('HorizontalPodAutoscaler'), ...byKind('ScaledObject')]) {
    const target = autoscaler.spec.scaleTargetRef.name;
    const where = `${autoscaler.kind}/${autoscaler.metadata.name}`;
    if (!deployments.has(target)) errors.push(`${where}: scales Deployment ${target}, which is not defined`);
    if (scaled.has(target)) errors.push(`${where}: Deployment ${target} is already scaled by ${scaled.get(target)}`);
    scaled.set(target, where);
    const deployment = byKind('Deployment').find((document) => document.metadata.name === target);
    if (deployment?.spec.replicas !== undefined)
      errors.push(`${where}: Deployment ${target} sets replicas, which every apply would reset under the autoscaler`);
  }
  const authentications = names('TriggerAuthentication');
  for (const scaledObject of byKind('ScaledObject')) {
    for (const trigger of scaledObject.spec.triggers) {
      const reference = trigger.authenticationRef?.name;
      if (reference && !authentications.has(reference))
        errors.push(`ScaledObject/${scaledObject.metadata.name}: TriggerAuthentication ${reference} is not defined`);
    }
  }
  return errors;
}

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node scripts/validate-manifests.mjs <rendered.yaml>...');
    process.exit(2);
  }
  let failed = false;
  for (const file of files) {
    const entries = loadDocuments([file]);
    const errors = [...(await schemaErrors(entries)), ...strictErrors(entries), ...referenceErrors(entries)];
    const kinds = [...new Set(entries.map((entry) => entry.document.kind))].sort().join(', ');
    if (errors.length === 0) {
      console.log(`${basename(file)}: ${entries.length} documents valid (${kinds})`);
    } else {
      failed = true;
      console.error(`${basename(file)}: ${errors.length} error(s)`);
      for (const error of errors) console.error(`  - ${error}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

await main();
