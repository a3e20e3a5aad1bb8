import { StoreFault, type AdmitResult, type BucketLimit, type Conflict, type Refusal } from "./store.js";

// The admission script's answers (see ADMIT in redis-scripts.ts), turned into
// the store interface's results.

export interface Admission {
  limits: BucketLimit[];
  /** The keys the script was given, to name one of the wrong type. */
  scriptKeys: string[];
  /** The calls sets: what a refund of this call removes its charge from. */
  calls: string[];
  charge: string;
}

export function wrongTypeFault(store: string, keys: string[], reply: unknown[]): StoreFault {
  const key = keys[Number(reply[1]) - 1] ?? "?";
  return new StoreFault(
    `the counter store ${store} holds a ${String(reply[2])} at ${JSON.stringify(key)}, where policy-wrap keeps its counters; ` +
      `another program uses that key: delete it (policy-wrap counters --reset) or give policy-wrap its own database (/N in the URL)`,
  );
}

/** Groups of three numbers after the outcome and the time: (limit index, a, b)... */
function triples(reply: unknown[]): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 2; i + 2 < reply.length; i += 3) out.push([Number(reply[i]), Number(reply[i + 1]), Number(reply[i + 2])]);
  return out;
}

export function decodeAdmission(store: string, admission: Admission, reply: unknown[]): AdmitResult {
  const { limits, scriptKeys, calls, charge } = admission;
  const limitAt = (i: number) => limits[i - 1] as BucketLimit;
  switch (reply[0]) {
    case "ok":
      return { admitted: true, ticket: { charge, buckets: calls, at: Number(reply[1]) } };
    case "refused":
      return {
        admitted: false,
        refusals: triples(reply).map(([i, used, retryAfterMs]): Refusal => ({ bucket: limitAt(i).bucket, used, retryAfterMs })),
      };
    case "conflict":
      return {
        admitted: false,
        conflicts: triples(reply).map(([i, windowMs, max]): Conflict => {
          const limit = limitAt(i);
          const wanted = { windowMs: limit.windowMs, max: limit.max };
          return { bucket: limit.bucket, counter: limit.counter, stored: { windowMs, max }, wanted };
        }),
      };
    case "wrongtype":
      throw wrongTypeFault(store, scriptKeys, reply);
    case "revoked":
      throw new StoreFault(`the counter store ${store} had already given this call's charge back; it was not counted`);
    default:
      throw new StoreFault(`the counter store ${store} gave an answer this policy-wrap does not know: ${String(reply[0])}`);
  }
}
