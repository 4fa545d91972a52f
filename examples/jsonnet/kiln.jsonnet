// A Jsonnet app definition. Shared settings come from a library in the
// same repository; imports outside the repository are refused.
local common = import 'common.libsonnet';

{
  apiVersion: 'kiln.dev/v1alpha1',
  kind: 'App',
  metadata: {
    name: 'search',
    owner: common.owner,
  },
  spec: {
    image: 'registry.example.com/discovery/search:2.7.0',
    port: 8000,
    resources: common.resources,
    scaling: { min: 3, max: 12 },
    env: { [k]: common.env[k] for k in std.objectFields(common.env) },
  },
}
