// validate.js checks catalog-info.yaml files the way a Backstage catalog
// backend reads them, with Backstage's own code: each file is parsed with
// the `yaml` package as the backend's parseEntityYaml does, every entity
// goes through the default entity policies the catalog builder installs
// (schema, default namespace, no foreign root fields, field formats), then
// must be accepted by one of the built-in kind validators, as the
// BuiltinKindsEntityProcessor requires, and its spec.owner and spec.system
// must parse as the entity references that processor emits relations to.
//
// Usage: node validate.js FILE...
// It prints one JSON line per file, {"file", "entities", "error"}, and
// exits 1 when any file is rejected. Run by compiler/catalog's tests.
'use strict';

const fs = require('fs');
const yaml = require('yaml');
const model = require('@backstage/catalog-model');

const policy = model.EntityPolicies.allOf([
  new model.SchemaValidEntityPolicy(),
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(model.makeValidator()),
]);

const kindValidators = [
  model.apiEntityV1alpha1Validator,
  model.componentEntityV1alpha1Validator,
  model.resourceEntityV1alpha1Validator,
  model.groupEntityV1alpha1Validator,
  model.locationEntityV1alpha1Validator,
  model.userEntityV1alpha1Validator,
  model.systemEntityV1alpha1Validator,
  model.domainEntityV1alpha1Validator,
];

// entities parses a file into its entities, failing on what the backend
// reports as a YAML error or a document that is not a mapping.
function entities(text) {
  const out = [];
  for (const doc of yaml.parseAllDocuments(text)) {
    if (doc.errors && doc.errors.length) {
      throw new Error(`YAML error: ${doc.errors[0]}`);
    }
    const json = doc.toJSON();
    if (json === null) {
      continue;
    }
    if (typeof json !== 'object' || Array.isArray(json)) {
      throw new Error('a document is not a mapping');
    }
    out.push(json);
  }
  return out;
}

async function check(entity) {
  const enforced = await policy.enforce(entity);
  if (!enforced) {
    throw new Error('rejected by the entity policies');
  }
  let known = false;
  for (const v of kindValidators) {
    if (await v.check(enforced)) {
      known = true;
      break;
    }
  }
  if (!known) {
    throw new Error(`no built-in kind validator accepts kind ${enforced.kind} (${enforced.apiVersion})`);
  }
  const namespace = enforced.metadata.namespace;
  const refs = [
    ['spec.owner', enforced.spec && enforced.spec.owner, 'Group'],
    ['spec.system', enforced.spec && enforced.spec.system, 'System'],
  ];
  for (const [field, ref, defaultKind] of refs) {
    if (ref === undefined) {
      continue;
    }
    try {
      model.parseEntityRef(ref, { defaultKind, defaultNamespace: namespace });
    } catch (e) {
      throw new Error(`${field}: ${e.message}`);
    }
  }
  return enforced;
}

async function main(files) {
  let failed = false;
  for (const file of files) {
    const line = { file, entities: 0 };
    try {
      for (const e of entities(fs.readFileSync(file, 'utf8'))) {
        await check(e);
        line.entities++;
      }
      if (line.entities === 0) {
        throw new Error('no entity in the file');
      }
    } catch (e) {
      line.error = String(e && e.message ? e.message : e);
      failed = true;
    }
    process.stdout.write(JSON.stringify(line) + '\n');
  }
  process.exitCode = failed ? 1 : 0;
}

main(process.argv.slice(2)).catch(e => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exitCode = 2;
});
