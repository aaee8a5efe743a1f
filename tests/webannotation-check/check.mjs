// Expands a Web Annotation JSON-LD document with the jsonld processor and prints its expanded form and its
// N-Quads, so a .NET test can check the triples rather than strings. Offline: the W3C context comes from the
// fixture beside this file, any other context from the input (the test fetched it from the server under test);
// an unknown URL fails the run. Safe mode fails on any term the contexts do not define (it would be dropped).
// Input on stdin: {"document": {...}, "contexts": {"<url>": {...}}}.
import { readFileSync } from 'node:fs';
import jsonld from 'jsonld';

const W3C_ANNO = 'http://www.w3.org/ns/anno.jsonld';
const anno = JSON.parse(readFileSync(new URL('./anno.jsonld', import.meta.url), 'utf8'));
const input = JSON.parse(readFileSync(0, 'utf8'));
const contexts = { [W3C_ANNO]: anno, ...(input.contexts ?? {}) };

const documentLoader = async (url) => {
  const document = contexts[url];
  if (!document) {
    throw new Error(`offline: no context for ${url}`);
  }
  return { contextUrl: null, document, documentUrl: url };
};

const options = { documentLoader, safe: true };
const expanded = await jsonld.expand(input.document, options);
const nquads = await jsonld.toRDF(input.document, { ...options, format: 'application/n-quads' });
process.stdout.write(JSON.stringify({ expanded, nquads }));
