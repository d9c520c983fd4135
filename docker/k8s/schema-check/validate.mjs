// Validates Kubernetes objects against the Kubernetes and Prometheus Operator schemas carried by
// the kubernetes-models packages (installed offline-capable with `npm ci`, see .ci/run).
// Input on stdin: a JSON array of objects (K8sManifestsTest converts the YAML). Output: one line
// per invalid object; exit status 0 when all are valid, 1 otherwise, 2 for an unknown kind.
import { readFileSync } from "node:fs";

const docs = JSON.parse(readFileSync(0, "utf8"));
let status = 0;
for (const doc of docs) {
  const { apiVersion, kind } = doc;
  const module = apiVersion.startsWith("monitoring.coreos.com/")
    ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
    : `kubernetes-models/${apiVersion}/${kind}`;
  let Model;
  try {
    Model = (await import(module))[kind];
  } catch (e) {
    console.log(`${kind} ${doc.metadata?.name}: no schema for ${apiVersion} ${kind} (${e.message})`);
    process.exit(2);
  }
  try {
    new Model(doc).validate();
    console.log(`${kind} ${doc.metadata?.name}: valid`);
  } catch (e) {
    console.log(`${kind} ${doc.metadata?.name}: ${e.message}`);
    status = 1;
  }
}
process.exit(status);
