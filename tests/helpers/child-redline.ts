/** Redline started as a user starts it (`server/main.ts`, a process of its own), for the end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../server/config/index.ts';

export interface RunningRedline {
  child: ChildProcess;
  /** its address, once it logged "Redline is listening" */
  url: string;
  /** what it wrote to stdout so far */
  stdout: () => string;
  exited: Promise<number | null>;
}

/** Starts Redline with `env` (on a free port, loopback) and waits until it listens; it is added to `children`
 *  so the test can kill what is left at the end. Rejects with its output if it exits first. */
export async function startRedline(env: Record<string, string>, children: ChildProcess[]): Promise<RunningRedline> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server', 'main.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /"url":"(http:\/\/localhost:\d+)".*"msg":"Redline is listening"/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`Redline exited with ${child.exitCode}:\n${err}\n${out}`));
      }
    }, 100);
  });
  return { child, url, stdout: () => out, exited };
}
