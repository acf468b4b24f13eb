// npm ci (npm 11) insists that every platform-specific optional dependency named in the lock file has an entry,
// but the package registry reachable here serves only some platforms' builds, so `npm install` leaves those
// entries out. This adds the missing ones (version, optional, os/cpu/libc read from the package name) so that
// `npm ci` accepts the lock file and, on each platform, skips the builds that are not for it.
// Run after changing dependencies: node scripts/complete-lock-optionals.mjs
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const OS = [
  'android',
  'darwin',
  'freebsd',
  'linux',
  'openbsd',
  'openharmony',
  'win32',
  'netbsd',
  'sunos',
  'aix',
  'cygwin',
];
const CPU = {
  'arm-eabi': 'arm',
  'arm-gnueabihf': 'arm',
  'arm-musleabihf': 'arm',
  arm: 'arm',
  arm64: 'arm64',
  x64: 'x64',
  ia32: 'ia32',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
  mips64el: 'mips64el',
};

function platformOf(name) {
  const base = name.split('/').pop();
  for (const os of OS) {
    const i = base.indexOf(`-${os}-`);
    if (i < 0) continue;
    let rest = base.slice(i + os.length + 2);
    let libc;
    if (/-(gnu|gnueabihf)$/.test(rest)) libc = 'glibc';
    if (/-(musl|musleabihf)$/.test(rest)) libc = 'musl';
    const cpuKey = Object.keys(CPU)
      .sort((a, b) => b.length - a.length)
      .find((k) => rest === k || rest.startsWith(k + '-') || rest === k);
    rest = rest.replace(/-(gnu|musl|msvc)$/, '');
    const cpu = CPU[cpuKey ?? rest];
    if (!cpu) return null;
    return { os, cpu, libc };
  }
  return null;
}

let added = 0;
for (const [where, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const nested = `${where ? where + '/' : ''}node_modules/${dep}`;
    if (lock.packages[nested] || lock.packages[`node_modules/${dep}`]) continue;
    const p = platformOf(dep);
    if (!p) continue;
    lock.packages[`node_modules/${dep}`] = {
      version,
      optional: true,
      os: [p.os],
      cpu: [p.cpu],
      ...(p.libc ? { libc: [p.libc] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} platform-specific optional entries`);
