import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { waitUntil } from '../support/wait-for.js';

/** UDP ports the witness listens on, one per kind of packet, so each is counted apart. */
export const witnessPorts = { genuine: 4001, forged: 4002, otherSandbox: 4003, innerContainer: 4004 } as const;

const NAME_PREFIX = 'dyatk-';
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const quietly = (run: () => unknown) => {
  try {
    run();
  } catch {
    // already gone
  }
};

/** Listens on every witness port inside the namespace; one line per datagram: "PKT <source> <port>". */
const LISTENER = `
const dgram = require('node:dgram');
const ports = ${JSON.stringify(Object.values(witnessPorts))};
let bound = 0;
for (const port of ports) {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (_message, from) => process.stdout.write('PKT ' + from.address + ' ' + port + '\\n'));
  socket.bind(port, '0.0.0.0', () => { if (++bound === ports.length) process.stdout.write('READY\\n'); });
}`;

/**
 * A host on a routable address outside the host, made for one attack: a throwaway network
 * namespace joined to the host by a veth pair on a /30 of the benchmark range 198.18.0.0/15
 * (reached from a sandbox through the host's routing, like the internet). It counts the UDP
 * datagrams it receives by source and port, and the ICMP "unreachable" it is sent. Disposing
 * removes the namespace, the veth pair and its route; namespaces left by a killed run are removed
 * by the next one (their names carry the pid).
 */
export class ForgedSourceWitness implements AsyncDisposable {
  private readonly received: Array<{ source: string; port: number }> = [];

  private constructor(
    private readonly namespace: string,
    private readonly hostLink: string,
    /** The host's end of the veth (what a sandbox's NATed packets come from). */
    readonly hostAddress: string,
    /** The witness's address, where attacks send to. */
    readonly address: string,
    private readonly listener: ChildProcess,
  ) {}

  static async open(): Promise<ForgedSourceWitness> {
    removeLeftovers();
    const id = randomBytes(3).toString('hex');
    const namespace = `${NAME_PREFIX}${process.pid}-${id}`;
    // "veth…": setup, running meanwhile, never takes it for part of the host's LAN (hostLocalSubnets).
    const hostLink = `vethatk${id}`;
    const base = `198.${18 + randomInt(2)}.${randomInt(256)}.${randomInt(64) * 4}`;
    const [a, b, c, d] = base.split('.');
    const hostAddress = `${a}.${b}.${c}.${Number(d) + 1}`;
    const address = `${a}.${b}.${c}.${Number(d) + 2}`;
    let listener: ChildProcess | undefined;
    try {
      ip('netns', 'add', namespace);
      ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace);
      ip('addr', 'add', `${hostAddress}/30`, 'dev', hostLink);
      ip('link', 'set', hostLink, 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
      ip('-n', namespace, 'addr', 'add', `${address}/30`, 'dev', 'eth0');
      ip('-n', namespace, 'link', 'set', 'eth0', 'up');
      ip('-n', namespace, 'route', 'add', 'default', 'via', hostAddress);
      // Receive whatever arrives, whatever its source: the witness judges nothing itself.
      for (const iface of ['all', 'default', 'eth0']) {
        execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-qw', `net.ipv4.conf.${iface}.rp_filter=0`]);
      }
      listener = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', LISTENER], { stdio: ['ignore', 'pipe', 'inherit'] });
      const witness = new ForgedSourceWitness(namespace, hostLink, hostAddress, address, listener);
      let ready = false;
      let pending = '';
      listener.stdout!.on('data', (chunk: Buffer) => {
        // Bounded: only whole, well-formed lines count; anything else is dropped.
        pending = (pending + chunk.toString('utf8')).slice(-4096);
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (line === 'READY') ready = true;
          const match = /^PKT (\d+\.\d+\.\d+\.\d+) (\d+)$/.exec(line);
          if (match && witness.received.length < 100_000) witness.received.push({ source: match[1]!, port: Number(match[2]) });
        }
      });
      await waitUntil('the witness listener', () => ready || listener!.exitCode !== null, 30_000);
      if (!ready) throw new Error(`the witness listener exited (${listener.exitCode})`);
      return witness;
    } catch (error) {
      remove(namespace, hostLink, listener);
      throw error;
    }
  }

  /** Datagrams received on a witness port, with their sources. */
  packets(port: number): string[] {
    return this.received.filter((p) => p.port === port).map((p) => p.source);
  }

  /** ICMP destination-unreachable messages the witness has received (its namespace's counter). */
  icmpUnreachables(): number {
    const snmp = execFileSync('ip', ['netns', 'exec', this.namespace, 'cat', '/proc/net/snmp']).toString().split('\n');
    const [names, values] = snmp.filter((line) => line.startsWith('Icmp:')).map((line) => line.split(/\s+/));
    const index = names?.indexOf('InDestUnreachs') ?? -1;
    if (index < 0 || !values) throw new Error('no ICMP counters in the witness namespace');
    return Number(values[index]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    remove(this.namespace, this.hostLink, this.listener);
  }
}

function remove(namespace: string, hostLink: string, listener: ChildProcess | undefined): void {
  if (listener && listener.exitCode === null) listener.kill('SIGKILL');
  // Deleting either end of a veth deletes both; the /30 route goes with the host's end.
  quietly(() => ip('link', 'delete', hostLink));
  quietly(() => ip('netns', 'delete', namespace));
}

/** Namespaces of runs whose process is gone (killed before disposing). */
function removeLeftovers(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${NAME_PREFIX}(\\d+)-([0-9a-f]{6})$`).exec(name);
    if (!match || alive(Number(match[1]))) continue;
    quietly(() => execFileSync('ip', ['netns', 'pids', name]).toString().split('\n').filter(Boolean).forEach((pid) => process.kill(Number(pid), 'SIGKILL')));
    remove(name, `vethatk${match[2]}`, undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
