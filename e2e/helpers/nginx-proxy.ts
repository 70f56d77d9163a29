/**
 * Debian's nginx in front of the reference server, as docs/deploy.md sets it
 * up: the repository's `deploy/nginx/parley.conf` with only its ports and
 * certificate paths changed, and a self-signed certificate for 127.0.0.1 made
 * at test time with openssl. nginx runs in the foreground with a prefix,
 * main config and temp paths of its own in a temp directory (and, when the
 * test runs as root, as the unprivileged user `nobody`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nginxPath } from '../../test-support/nginx.mjs';
import { freePort } from '../../test-support/services.mjs';
import { SERVER_START_MS } from './bounds.js';
import { stopChild } from './service-process.js';
import { ROOT } from './paths.js';

/** The site configuration docs/deploy.md tells operators to install. */
export const NGINX_SITE = `${ROOT}deploy/nginx/parley.conf`;

/** Raised when nginx cannot be set up, started or stopped. */
export class NginxError extends Error {
  override name = 'NginxError';
}

/** The uid and gid of `nobody` on Debian, for running nginx unprivileged under a root test. */
const NOBODY = 65534;

/** What the test changes in the site file: each must appear exactly once, so the file cannot drift from the test. */
function siteForTest(site: string, ports: { https: number; http: number; upstream: number }, cert: string, key: string): string {
  const replacements: Array<[string, string]> = [
    ['server 127.0.0.1:8787;', `server 127.0.0.1:${ports.upstream};`],
    ['listen 443 ssl;', `listen 127.0.0.1:${ports.https} ssl;`],
    ['listen 80;', `listen 127.0.0.1:${ports.http};`],
    ['/etc/letsencrypt/live/chat.example.com/fullchain.pem', cert],
    ['/etc/letsencrypt/live/chat.example.com/privkey.pem', key],
  ];
  let text = site;
  for (const [from, to] of replacements) {
    const count = text.split(from).length - 1;
    if (count !== 1) throw new NginxError(`${NGINX_SITE} holds "${from}" ${count} times, not once: keep the test's replacements in step with it`);
    text = text.replace(from, to);
  }
  return text;
}

/** The main config Debian's /etc/nginx/nginx.conf would be, pointing every path into `dir`. */
function mainConfig(dir: string): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/parley.conf;
}
`;
}

/** nginx serving `deploy/nginx/parley.conf` on free ports of 127.0.0.1; `start()` it, `stop()` it in teardown. */
export class NginxProxy {
  #child: ChildProcess | null = null;
  #dir = '';
  #output = '';
  #ports = { https: 0, http: 0, upstream: 0 };
  /** The self-signed certificate (PEM), for Node clients to trust. */
  certificate = '';

  /** `https://127.0.0.1:<port>`: the site as browsers reach it. */
  get origin(): string {
    return `https://127.0.0.1:${this.#ports.https}`;
  }

  /** `http://127.0.0.1:<port>`: the plain-HTTP server that redirects to https. */
  get plainOrigin(): string {
    return `http://127.0.0.1:${this.#ports.http}`;
  }

  /** Starts nginx in front of the server on `upstreamPort`; resolves once it accepts connections. */
  async start(upstreamPort: number): Promise<void> {
    const nginx = nginxPath();
    this.#dir = await mkdtemp(join(tmpdir(), 'parley-nginx-'));
    const dir = this.#dir;
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
    ]);
    this.certificate = await readFile(cert, 'utf8');
    this.#ports = { https: await freePort(), http: await freePort(), upstream: upstreamPort };
    const site = siteForTest(await readFile(NGINX_SITE, 'utf8'), this.#ports, cert, key);
    await writeFile(join(dir, 'parley.conf'), site);
    await writeFile(join(dir, 'nginx.conf'), mainConfig(dir));
    for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, temp));

    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      for (const entry of ['', ...(await readdir(dir))]) await chown(join(dir, entry), NOBODY, NOBODY);
    }
    const child = spawn(nginx, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    this.#child = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.#output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#output += chunk));
    child.once('exit', () => {
      if (this.#child === child) this.#child = null;
    });
    await this.#waitUntilListening(child);
  }

  /** Graceful stop (SIGQUIT), killed if that hangs; removes the temp directory. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child) {
      this.#child = null;
      await stopChild(child, 'SIGQUIT');
    }
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = '';
  }

  async #waitUntilListening(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + SERVER_START_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new NginxError(`nginx exited (${child.signalCode ?? child.exitCode}) before listening:\n${this.#output}`);
      }
      if ((await accepts(this.#ports.https)) && (await accepts(this.#ports.http))) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new NginxError(`nginx did not listen within ${SERVER_START_MS} ms:\n${this.#output}`);
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
