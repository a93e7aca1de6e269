// Validates FHIR R4 resources with FHIR.js (npm "fhir"), an independent reading of the specification.
//
// Usage: node tests/fhir/validate.js [file.json ...]   (or a JSON document on stdin)
// Each input is one resource or an array of resources. Prints a JSON array, one entry per resource:
// {"resourceType", "id", "errors": [{"location", "message"}], "notes": [...]}; errors are the
// validator's "error" and "fatal" messages, notes the rest. Exits 1 when any resource has an error.
"use strict";

const fs = require("fs");
const { Fhir } = require("fhir");

function inputs() {
  const files = process.argv.slice(2);
  const texts = files.length ? files.map((file) => fs.readFileSync(file, "utf8")) : [fs.readFileSync(0, "utf8")];
  return texts.flatMap((text) => {
    const parsed = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  });
}

const fhir = new Fhir();
const results = inputs().map((resource) => {
  const { messages } = fhir.validate(resource, { errorOnUnexpected: true });
  const shown = ({ location, severity, message }) => ({ location, severity, message });
  const isError = (message) => message.severity === "error" || message.severity === "fatal";
  return {
    resourceType: resource && resource.resourceType,
    id: resource && resource.id,
    errors: messages.filter(isError).map(shown),
    notes: messages.filter((message) => !isError(message)).map(shown),
  };
});
process.stdout.write(JSON.stringify(results, null, 2) + "\n");
process.exitCode = results.some((result) => result.errors.length) ? 1 : 0;
