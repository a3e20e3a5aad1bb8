// The packed package.json leaves out the `prepare` script. A clone needs it
// (`npm install` builds dist/), but a tarball already holds dist/, and npm 11
// lists `prepare` of a tarball or git source among the install scripts the
// installing user must approve (and, approved, it would try to compile without
// TypeScript). `prepack` strips it, `postpack` puts package.json back.
//
//   node scripts/pack-manifest.mjs strip     (prepack, after the build)
//   node scripts/pack-manifest.mjs restore   (postpack)
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const manifest = "package.json";
const saved = "package.json.unpacked";

function restore() {
  if (existsSync(saved)) renameSync(saved, manifest);
}

function strip() {
  // A pack that died before postpack left the stripped file: start from the saved one.
  restore();
  copyFileSync(manifest, saved);
  const text = readFileSync(manifest, "utf8");
  const json = JSON.parse(text);
  delete json.scripts.prepare;
  writeFileSync(manifest, `${JSON.stringify(json, null, 2)}\n`);
}

const verb = process.argv[2];
if (verb === "strip") strip();
else if (verb === "restore") restore();
else {
  console.error("usage: node scripts/pack-manifest.mjs strip|restore");
  process.exit(2);
}
