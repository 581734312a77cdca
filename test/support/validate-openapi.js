// Validates an OpenAPI document with @apidevtools/swagger-parser. A separate Node process because
// the validator's dependencies are ESM-only, which Node loads from CommonJS but Jest (CJS) cannot.
const SwaggerParser = require('@apidevtools/swagger-parser');

const file = process.argv[2];
SwaggerParser.validate(file)
  .then((api) => {
    process.stdout.write(`valid: ${api.info.title} ${api.info.version}\n`);
  })
  .catch((error) => {
    process.stderr.write(`invalid: ${error.message}\n`);
    process.exit(1);
  });
