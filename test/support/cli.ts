import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export const CLI_ENTRY = ['--import', 'tsx', 'src/cli/main.ts'];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `touchpoint` CLI in a child process (through tsx, so no build is needed). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ENTRY, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export interface RunningServer {
  url: string;
  child: ChildProcessWithoutNullStreams;
  firstLine: string;
  lines: string[];
  stderr: () => string;
  exited: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts `touchpoint serve --port 0 ...` and resolves once its first stdout line names the URL. */
export function startServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [...CLI_ENTRY, 'serve', '--port', '0', ...args], {
    env: { ...process.env, TOUCHPOINT_LOG_LEVEL: 'warn', ...env },
  }) as ChildProcessWithoutNullStreams;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      lines.push(line);
      if (lines.length === 1) {
        clearTimeout(timer);
        const match = /^Touchpoint listening on (https?:\/\/\S+)$/.exec(line);
        if (match === null) {
          reject(new Error(`unexpected first line: ${line}`));
          return;
        }
        resolve({
          url: match[1] as string,
          child,
          firstLine: line,
          lines,
          stderr: () => stderr,
          exited,
          stop: async (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
}
