// Adds lock entries for other platforms' optional binary packages (@swc/core-darwin-arm64, ...).
//
// Why: the npm registry our machines reach does not serve those packages, so `npm install` leaves
// them out of package-lock.json, and `npm ci` then refuses the lock as out of sync. An entry with
// the platform's os/cpu makes npm ci skip the package here and fetch it by version elsewhere.
// Run after changing dependencies: `npm run lockfile:platforms`.
const fs = require('node:fs');

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;
const OS = /-(darwin|win32|linux|freebsd|android|openharmony|sunos|aix|netbsd|openbsd)(-|$)/;
const CPU = /-(arm64|x64|ia32|arm|ppc64|s390x|riscv64|loong64|wasm32)(-|$)/;

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (packages[`node_modules/${name}`] || packages[`${path}/node_modules/${name}`]) continue;
    const os = OS.exec(name)?.[1];
    const cpu = CPU.exec(name)?.[1];
    packages[`node_modules/${name}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(os ? { os: [os] } : {}),
      ...(cpu ? { cpu: [cpu] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`${file}: added ${added} foreign-platform entries\n`);
