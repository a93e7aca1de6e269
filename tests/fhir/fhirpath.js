// Evaluates FHIRPath expressions with fhirpath.js (npm "fhirpath", the HL7 FHIRPath reference
// implementation's JavaScript engine), independently of the server.
//
// Usage: node tests/fhir/fhirpath.js < {"expressions": [...], "resources": [...]}
// Prints a JSON array with one row per resource and, in each, one entry per expression: the result
// collection as fhirpath.js evaluates it against that resource with the R4 model.
"use strict";

const fs = require("fs");
const fhirpath = require("fhirpath");
const r4 = require("fhirpath/fhir-context/r4");

const { expressions, resources } = JSON.parse(fs.readFileSync(0, "utf8"));
const compiled = expressions.map((expression) => fhirpath.compile(expression, r4));
const rows = resources.map((resource) => compiled.map((evaluate) => evaluate(resource)));
process.stdout.write(JSON.stringify(rows) + "\n");
