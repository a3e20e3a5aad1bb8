// Where a bucket lives in Redis. Every key of one call carries the same hash
// tag, the grant's: a grant-scoped counter and a session-scoped one of the same
// call (a session belongs to one grant) are in one slot, so the admission
// script runs on Redis Cluster. Names from outside (grants are file paths or
// --grant values, counters come from policies) are escaped so that no brace,
// colon, glob character, newline or lone surrogate can end a tag early, make two
// buckets share a key, or widen a SCAN pattern:
//
//   policy-wrap:{grant=<grant>}:<bucket>:def     hash: the counter's one definition
//   policy-wrap:{grant=<grant>}:<bucket>:calls   sorted set: one member per admitted call (its charge id, scored by time)
//   policy-wrap:{grant=<grant>}:revoked          sorted set: charges given back, so a late script cannot add them again

const PREFIX = "policy-wrap:";
const SAFE = /[A-Za-z0-9._~/-]/;

/** Injective, and free of `{ } : * ? [ ] \` and control characters: safe inside a tag, a key and a SCAN pattern. */
export function escapeKeyPart(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    const code = text.charCodeAt(i);
    if (SAFE.test(char)) out += char;
    else if (code < 0x100) out += `%${code.toString(16).toUpperCase().padStart(2, "0")}`;
    // Per UTF-16 code unit, so that lone surrogates stay distinct too.
    else out += `%u${code.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return out;
}

function tagged(grant: string): string {
  return `${PREFIX}{grant=${escapeKeyPart(grant)}}:`;
}

export interface BucketKeys {
  definition: string;
  calls: string;
}

export function bucketKeys(grant: string, bucket: string): BucketKeys {
  const base = `${tagged(grant)}${escapeKeyPart(bucket)}`;
  return { definition: `${base}:def`, calls: `${base}:calls` };
}

export function revokedKey(grant: string): string {
  return `${tagged(grant)}revoked`;
}

/** The revoked set beside a calls key: the same tag (escaped text holds no `}`). */
export function revokedKeyBeside(key: string): string {
  return `${key.slice(0, key.indexOf("}:") + 2)}revoked`;
}

/** The calls set beside a definition key. */
export function callsKeyBeside(definition: string): string {
  return `${definition.slice(0, -":def".length)}:calls`;
}

/** A SCAN pattern for the definitions of one grant, or of all. */
export function definitionPattern(grant?: string): string {
  return grant === undefined ? `${PREFIX}{grant=*}:*:def` : `${tagged(grant)}*:def`;
}
