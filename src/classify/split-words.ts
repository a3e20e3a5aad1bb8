// A tool name's words, whatever its naming style: snake_case, kebab-case,
// dotted, camelCase, CamelCase with acronyms (`StartAHOReadSetExportJob` is
// Start, AHO, Read, Set, Export, Job; `InfluxDBCreateOrg` is Influx, DB,
// Create, Org) and digits (`s3Upload` is s, 3, Upload).

export interface Word {
  /** As written in the name. */
  text: string;
  /** Lower case, for looking up. */
  key: string;
}

const PIECES = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^\x00-\x7f]+/g;

export function splitWords(name: string): Word[] {
  const words: Word[] = [];
  for (const part of name.split(/[^A-Za-z0-9\u0080-\uffff]+/)) {
    for (const match of part.matchAll(PIECES)) words.push({ text: match[0], key: match[0].toLowerCase() });
  }
  return words;
}
