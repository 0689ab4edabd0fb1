#!/usr/bin/env bash
# Renders every kustomization under deploy/ (the base and each overlay) and validates the result offline against
# the Kubernetes and KEDA schemas (scripts/validate-manifests.mjs). Exits non-zero on any error. Used by CI.
# Renderer: `kustomize build`, else `kubectl kustomize` (kubectl >= 1.27 bundles kustomize v5, which `components`
# need); no network access is needed or made.
set -euo pipefail
cd "$(dirname "$0")/.."

render() {
  if command -v kustomize >/dev/null 2>&1; then
    kustomize build "$1"
  elif command -v kubectl >/dev/null 2>&1; then
    kubectl kustomize "$1"
  else
    echo "validate-manifests: neither kustomize nor kubectl is installed (apt-get install kubectl, or a kustomize v5 binary)" >&2
    exit 2
  fi
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

targets=(deploy/base deploy/overlays/*/)
for target in "${targets[@]}"; do
  target=${target%/}
  name=$(echo "$target" | tr '/' '-')
  if ! render "$target" >"$out/$name.yaml" 2>"$out/$name.err"; then
    echo "validate-manifests: $target does not render:" >&2
    cat "$out/$name.err" >&2
    exit 1
  fi
done

node scripts/validate-manifests.mjs "$out"/*.yaml

# The checker must still fail on known-bad manifests: each expected error has to be reported.
if node scripts/validate-manifests.mjs deploy/testdata/invalid.yaml >"$out/invalid.log" 2>&1; then
  echo "validate-manifests: deploy/testdata/invalid.yaml was accepted; the validator is broken" >&2
  exit 1
fi
expected=(
  'spec/replicas must be integer'
  "'\"livenesProbe\"' does not exist"
  'required property type'
  'Secret no-such-secret is not defined'
  'Service/orphan: its selector matches no pod template'
  'is already scaled by HorizontalPodAutoscaler/typo-cpu'
)
for message in "${expected[@]}"; do
  if ! grep -qF -- "$message" "$out/invalid.log"; then
    echo "validate-manifests: the validator no longer reports: $message" >&2
    cat "$out/invalid.log" >&2
    exit 1
  fi
done
echo "validate-manifests: the known-bad manifests are rejected (${#expected[@]} checks)"
