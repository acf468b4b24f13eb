/**
 * The embedded default: a private PostgreSQL + PostGIS cluster in a data folder of the checkout.
 *
 * - finds the newest installed PostgreSQL server (Debian layout /usr/lib/postgresql/<v>/bin, or
 *   REDLINE_PG_BINDIR), installing PostgreSQL / PostGIS from Debian's packages when they are missing
 *   and we are root; otherwise stops with one message saying exactly what to install;
 * - runs the cluster as an unprivileged user when we are root (PostgreSQL refuses to run as root);
 * - listens on 127.0.0.1 on a free port (no unix socket, so no /var/run permissions are needed),
 *   with scram-sha-256 and a generated password kept in the data folder (mode 600);
 * - reuses a cluster left running by a Redline that was killed, and stops it cleanly on stop().
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { createDb } from './knex.ts';
import { ensureLoginRole, SERVING_ROLE } from './roles.ts';

const run = promisify(execFile);

export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
  }
}

export interface EmbeddedOptions {
  /** folder that holds the cluster (`<dataDir>/pg`), its log and its password */
  dataDir: string;
  log?: Pick<Logger, 'info' | 'warn'>;
  /** throwaway cluster for tests: fsync off, no durability */
  ephemeral?: boolean;
  /** install missing Debian packages when root (default true) */
  allowInstall?: boolean;
  /** the port to start on when it is free (else a free one is chosen) */
  port?: number;
  /** overrides for tests of the "missing PostGIS" path */
  binDir?: string;
  shareDir?: string;
}

export interface EmbeddedCluster {
  /** the owner's URL (the cluster's superuser `redline`): migrations, backup, restore */
  url: string;
  /** the serving role's URL (redline_app: owns nothing, see ./roles.ts) for everything else */
  servingUrl: string;
  port: number;
  pgDir: string;
  /** false when the cluster was already running (left by a killed Redline, or in use by a running one) */
  startedHere: boolean;
  /** stops the cluster if this process started it, or if `force` (adopting one a killed Redline left running) */
  stop(force?: boolean): Promise<void>;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function quiet(msg: string) {
  return msg.trim().split('\n').slice(-8).join('\n');
}

/** Newest /usr/lib/postgresql/<v>/bin that has initdb, or null. */
export function findPostgresBinDir(): string | null {
  const configured = process.env.REDLINE_PG_BINDIR;
  if (configured) return fs.existsSync(path.join(configured, 'initdb')) ? configured : null;
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return null;
  const versions = fs
    .readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : null;
}

/** How we may install Debian packages: as root, or through sudo when a person is at the terminal to answer it. */
function installer(): string[] | null {
  if (!fs.existsSync('/usr/bin/apt-get')) return null;
  if (isRoot()) return [];
  if (process.stdin.isTTY && spawnSync('sh', ['-c', 'command -v sudo']).status === 0) return ['sudo'];
  return null;
}

export function aptInstall(packages: string[], log?: EmbeddedOptions['log']) {
  const prefix = installer();
  if (!prefix) return false;
  log?.info({ packages }, 'installing missing Debian packages');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => {
    const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
    return spawnSync(cmd!, rest, { env, encoding: 'utf8', stdio: prefix.length ? 'inherit' : 'pipe' }).status === 0;
  };
  if (apt(['install', '-y', '-q', ...packages])) return true;
  apt(['update', '-q']);
  return apt(['install', '-y', '-q', ...packages]);
}

async function pgVersionOf(binDir: string): Promise<number> {
  const { stdout } = await run(path.join(binDir, 'postgres'), ['--version']);
  const m = /(\d+)(?:\.\d+)?/.exec(stdout);
  if (!m) throw new EmbeddedDatabaseError(`Could not read the PostgreSQL version from "${stdout.trim()}"`);
  return Number(m[1]);
}

async function shareDirOf(binDir: string): Promise<string> {
  const pgConfig = path.join(binDir, 'pg_config');
  if (fs.existsSync(pgConfig)) {
    const { stdout } = await run(pgConfig, ['--sharedir']);
    return stdout.trim();
  }
  const v = await pgVersionOf(binDir);
  return `/usr/share/postgresql/${v}`;
}

/**
 * Makes sure PostgreSQL server binaries and PostGIS are installed. Returns the bin dir.
 * Throws EmbeddedDatabaseError with exactly what to install when it cannot fix it itself.
 */
export async function ensurePostgres(
  opts: Pick<EmbeddedOptions, 'allowInstall' | 'binDir' | 'shareDir' | 'log'>,
): Promise<string> {
  const canInstall = (opts.allowInstall ?? true) && installer() !== null;
  let binDir = opts.binDir ?? findPostgresBinDir();
  if (!binDir) {
    if (canInstall && aptInstall(['postgresql', 'postgresql-contrib'], opts.log)) binDir = findPostgresBinDir();
    if (!binDir) {
      throw new EmbeddedDatabaseError(
        'PostgreSQL server is not installed. Install it with: sudo apt-get install postgresql postgresql-15-postgis-3 ' +
          '(or set DATABASE_URL to an existing PostgreSQL >= 15 with PostGIS >= 3.3).',
      );
    }
  }
  const version = await pgVersionOf(binDir);
  const shareDir = opts.shareDir ?? (await shareDirOf(binDir));
  const control = path.join(shareDir, 'extension', 'postgis.control');
  if (!fs.existsSync(control)) {
    const pkg = `postgresql-${version}-postgis-3`;
    if (!(canInstall && aptInstall([pkg], opts.log) && fs.existsSync(control))) {
      throw new EmbeddedDatabaseError(
        `PostGIS is not installed for PostgreSQL ${version} (no ${control}). ` +
          `Install it with: sudo apt-get install ${pkg} ` +
          '(or set DATABASE_URL to a PostgreSQL server that has PostGIS >= 3.3).',
      );
    }
  }
  return binDir;
}

/** The unprivileged OS user that runs the cluster when we are root; null when we are not root. */
function clusterUser(): string | null {
  if (!isRoot()) return null;
  for (const candidate of ['postgres', 'redline-pg']) {
    if (spawnSync('id', ['-u', candidate]).status === 0) return candidate;
  }
  const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'redline-pg'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new EmbeddedDatabaseError(`Could not create the unprivileged user redline-pg: ${r.stderr}`);
  return 'redline-pg';
}

/** Lets `user` reach `dir`: grants search (o+x, not read) on ancestors that block it. */
function ensureTraversable(dir: string, log?: EmbeddedOptions['log']) {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts) {
    current = path.join(current, part);
    const st = fs.statSync(current);
    if ((st.mode & 0o001) === 0) {
      fs.chmodSync(current, st.mode | 0o001);
      log?.info({ dir: current }, 'granted search permission (o+x) so the database user can reach the data folder');
    }
  }
}

async function asUser(user: string | null, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const [file, argv] = user ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args];
  try {
    return await run(file, argv, { env, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new EmbeddedDatabaseError(`${path.basename(cmd)} failed: ${quiet(err.stderr || err.stdout || err.message)}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function chownR(target: string, user: string) {
  const r = spawnSync('chown', ['-R', `${user}:`, target], { encoding: 'utf8' });
  if (r.status !== 0) throw new EmbeddedDatabaseError(`chown ${target} failed: ${r.stderr}`);
}

/** Port of a postmaster that is running on pgDir (from postmaster.pid), or null. */
function runningPort(pgDir: string): number | null {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port) return null;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return null; // stale pid file: PostgreSQL removes it itself on start
  }
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedCluster> {
  const log = opts.log;
  const binDir = await ensurePostgres(opts);
  const dataDir = path.resolve(opts.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const pwFile = path.join(dataDir, 'pg-password');
  const logFile = path.join(dataDir, 'postgres.log');
  const user = clusterUser();
  fs.mkdirSync(dataDir, { recursive: true });
  if (user) ensureTraversable(dataDir, log);

  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    log?.info({ pgDir }, 'creating the embedded PostgreSQL cluster (first start)');
    fs.rmSync(pgDir, { recursive: true, force: true });
    fs.mkdirSync(pgDir, { mode: 0o700 });
    const password = crypto.randomBytes(18).toString('base64url');
    fs.writeFileSync(pwFile, password + '\n', { mode: 0o600 });
    const initPw = path.join(dataDir, '.initdb-pw');
    fs.writeFileSync(initPw, password + '\n', { mode: 0o600 });
    if (user) {
      chownR(pgDir, user);
      chownR(initPw, user);
    }
    try {
      await asUser(user, path.join(binDir, 'initdb'), [
        '-D',
        pgDir,
        '-U',
        'redline',
        '--auth=scram-sha-256',
        `--pwfile=${initPw}`,
        '-E',
        'UTF8',
        '--no-locale',
      ]);
    } finally {
      fs.rmSync(initPw, { force: true });
    }
    const conf = [
      '',
      '# Redline embedded cluster',
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'max_connections = 100',
      "shared_buffers = '256MB'",
      "work_mem = '16MB'",
      ...(opts.ephemeral ? ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off'] : []),
      '',
    ].join('\n');
    fs.appendFileSync(path.join(pgDir, 'postgresql.conf'), conf);
  }
  const password = fs.readFileSync(pwFile, 'utf8').trim();
  if (user) {
    fs.writeFileSync(logFile, '', { flag: 'a' });
    chownR(logFile, user);
  }

  let port = runningPort(pgDir);
  const startedHere = !port;
  if (port) {
    log?.info({ port }, 'the embedded PostgreSQL is already running; using it');
  } else {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3 && !port; attempt++) {
      const candidate = attempt === 0 && opts.port ? opts.port : await freePort();
      try {
        await asUser(user, path.join(binDir, 'pg_ctl'), [
          '-D',
          pgDir,
          '-l',
          logFile,
          '-w',
          '-t',
          '60',
          '-o',
          `-p ${candidate}`,
          'start',
        ]);
        port = candidate;
      } catch (e) {
        lastError = e;
      }
    }
    if (!port) {
      const tail = fs.existsSync(logFile) ? quiet(fs.readFileSync(logFile, 'utf8')) : '';
      throw new EmbeddedDatabaseError(
        `Could not start the embedded PostgreSQL: ${(lastError as Error).message}\n${tail}`,
      );
    }
    log?.info({ port, pgDir }, 'embedded PostgreSQL started');
  }

  const baseUrl = `postgres://redline:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(baseUrl, 'redline');
  const servingUrl = await ensureServingLogin(baseUrl, path.join(dataDir, 'pg-app-password'), port);
  let stopped = false;
  return {
    url: `${baseUrl}/redline`,
    servingUrl,
    port,
    pgDir,
    startedHere,
    async stop(force = false) {
      if (stopped || (!startedHere && !force)) return;
      stopped = true;
      if (runningPort(pgDir) === null) return; // someone else stopped it already
      await asUser(user, path.join(binDir, 'pg_ctl'), ['-D', pgDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
      log?.info({ pgDir }, 'embedded PostgreSQL stopped');
    },
  };
}

/** The serving role (./roles.ts SERVING_ROLE) with its own password, kept beside the owner's (mode 600). */
async function ensureServingLogin(baseUrl: string, pwFile: string, port: number): Promise<string> {
  if (!fs.existsSync(pwFile))
    fs.writeFileSync(pwFile, crypto.randomBytes(18).toString('base64url') + '\n', { mode: 0o600 });
  const password = fs.readFileSync(pwFile, 'utf8').trim();
  const admin = createDb(`${baseUrl}/postgres`, 1);
  try {
    await ensureLoginRole(admin, SERVING_ROLE, password);
  } finally {
    await admin.destroy();
  }
  return `postgres://${SERVING_ROLE}:${encodeURIComponent(password)}@127.0.0.1:${port}/redline`;
}

/** Creates database `name` on the server at baseUrl when it does not exist. */
export async function ensureDatabase(baseUrl: string, name: string, template?: string) {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: `${baseUrl}/postgres` });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      const ident = (s: string) => '"' + s.replace(/"/g, '""') + '"';
      await client.query(`CREATE DATABASE ${ident(name)}${template ? ` TEMPLATE ${ident(template)}` : ''}`);
    }
  } finally {
    await client.end();
  }
}
