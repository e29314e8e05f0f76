import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { readHostUserNamespaceLimits, sandboxUserNamespaceLimits } from '../../sandbox-engine/src/isolation/user-namespace-limits.js';
import type { Attack } from './attacks.js';
import type { LearnerTerminal } from './learner-terminal.js';

/**
 * Attacks on counts the kernel keeps per host user, not per container: every sandbox's root is the
 * same host uid (100000) and its user namespace is made by the host's root, so what one sandbox
 * holds is taken from the other sandboxes and from the host's root. Each is bounded (it holds at
 * most a few thousand objects for a few seconds), so it proves the limit without taking the host
 * down when it does succeed (as on the trusted profile).
 */

/**
 * Runs a python script (python3 is in the sandbox image) in the background of the attacker's
 * terminal and resolves with what the terminal printed once the script holds what it takes: the
 * script writes its count to /tmp/<name>.held, then holds for a few seconds. `release` waits for it
 * to end and removes its files. `prefix` runs before it in the same shell (a raised `ulimit -n`).
 */
async function holdInSandbox(attacker: LearnerTerminal, name: string, lines: string[], { prefix = '', timeoutMs = 60_000 } = {}) {
  await attacker.run(`cat > /tmp/${name}.py <<'PYEOF'\n${lines.join('\n')}\nPYEOF`);
  const held = `/tmp/${name}.held`;
  const { output } = await attacker.run(`${prefix}python3 /tmp/${name}.py & sleep 1; until [ -s ${held} ]; do sleep 0.2; done; cat ${held}; echo`, timeoutMs);
  return { output, release: () => attacker.run(`wait; rm -f /tmp/${name}.py ${held}`, 60_000) };
}
const count = (output: string, key: string) => Number(new RegExp(`${key} (\\d+)`).exec(output)?.[1] ?? NaN);
/** The host uid's line of /proc/key-users ("100000: 5 5/5 1/200 9/20000"), or '' when it has none. */
const keyUsers = (uid: number) =>
  readFileSync('/proc/key-users', 'utf8')
    .split('\n')
    .find((line) => line.trim().startsWith(`${uid}:`))
    ?.trim() ?? '';
const perSandbox = (maxSandboxes: number) => sandboxUserNamespaceLimits(readHostUserNamespaceLimits(), maxSandboxes);

export const sharedCountAttacks: Attack[] = [
  {
    id: 'namespace-count',
    title: "hold namespaces beyond the sandbox's share (host root's count: at 96k no container starts anywhere)",
    async run({ attacker, engine }) {
      const share = perSandbox(engine.config.MAX_SANDBOXES).max_uts_namespaces;
      const tries = share + 2000;
      const { output, release } = await holdInSandbox(
        attacker,
        'ns',
        [
          'import ctypes, os, sys, time',
          'libc = ctypes.CDLL(None, use_errno=True)',
          `held = 0`,
          `for i in range(${tries}):`,
          '    if libc.unshare(0x04000000) != 0: break',
          '    os.open("/proc/self/ns/uts", os.O_RDONLY); held += 1',
          'print("HELD", held, flush=True)',
          'open("/tmp/ns.held", "w").write(str(held))',
          'time.sleep(4)',
        ],
        { prefix: 'ulimit -n 8192 2>/dev/null; ', timeoutMs: 120_000 },
      );
      let host = 'unshare -u works';
      try {
        execFileSync('unshare', ['-u', 'true'], { stdio: 'pipe' });
      } catch (error) {
        host = `unshare -u failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
      }
      await release();
      const held = count(output, 'HELD');
      return {
        succeeded: !(held <= share) || host !== 'unshare -u works',
        evidence: `the sandbox held ${held} UTS namespaces (its share: ${share}, tried ${tries}); host root meanwhile: ${host}`,
      };
    },
  },
  {
    id: 'inotify-instances',
    title: "hold inotify instances beyond the sandbox's share (host root's: at 128 the host's file watchers fail)",
    async run({ attacker, engine }) {
      const share = perSandbox(engine.config.MAX_SANDBOXES).max_inotify_instances;
      const tries = share + 300;
      const { output, release } = await holdInSandbox(
        attacker,
        'ino',
        [
          'import ctypes, time',
          'libc = ctypes.CDLL(None, use_errno=True)',
          'held = 0',
          `while held < ${tries} and libc.inotify_init1(0) >= 0: held += 1`,
          'print("HELD", held, flush=True)',
          'open("/tmp/ino.held", "w").write(str(held))',
          'time.sleep(4)',
        ],
        { prefix: 'ulimit -n 8192 2>/dev/null; ' },
      );
      const file = `/tmp/dockyard-inotify-probe-${process.pid}`;
      writeFileSync(file, '');
      let host = 'fs.watch works';
      try {
        watch(file).close();
      } catch (error) {
        host = `fs.watch failed: ${(error as Error).message}`;
      } finally {
        rmSync(file, { force: true });
      }
      await release();
      const held = count(output, 'HELD');
      return {
        succeeded: !(held <= share) || host !== 'fs.watch works',
        evidence: `the sandbox held ${held} inotify instances (its share: ${share}, tried ${tries}); a host root process meanwhile: ${host}`,
      };
    },
  },
  {
    id: 'keyring-quota',
    title: "take keys from the quota every sandbox's runc needs for each start and exec (one host uid for all)",
    async run({ attacker, engine, victimHost }) {
      const uid = engine.driver.owner.uid;
      const { output, release } = await holdInSandbox(
        attacker,
        'keys',
        [
          'import ctypes, time',
          'libc = ctypes.CDLL(None, use_errno=True)',
          // add_key(2) = 248 on x86-64, into the session keyring (-3)
          'added = 0',
          'while added < 1000 and libc.syscall(248, b"user", b"k%d" % added, b"x", 1, -3) >= 0: added += 1',
          'print("ADDED", added, "errno", ctypes.get_errno(), flush=True)',
          'open("/tmp/keys.held", "w").write(str(added))',
          'time.sleep(4)',
        ],
      );
      const during = keyUsers(uid);
      const exec = await engine.driver.exec(victimHost.session.containerId, ['true'], { timeoutMs: 20_000 }).then(
        (result) => `exit ${result.exitCode}`,
        (error: Error) => `failed: ${error.message.slice(0, 160)}`,
      );
      await release();
      const added = count(output, 'ADDED');
      return {
        succeeded: added !== 0 || exec !== 'exit 0',
        evidence: `the sandbox added ${added} keys (${/errno \d+/.exec(output)?.[0] ?? 'no errno'}); host /proc/key-users for uid ${uid}: "${during}"; the engine's exec into another learner's sandbox: ${exec}`,
      };
    },
  },
  {
    id: 'message-queues',
    title: "use up the POSIX message-queue budget the host's root and every sandbox share (800 KiB)",
    async run({ attacker }) {
      const { output, release } = await holdInSandbox(
        attacker,
        'mq',
        [
          'import ctypes, os, time',
          'rt = ctypes.CDLL("librt.so.1", use_errno=True)',
          'made = 0',
          'for i in range(20):',
          '    if rt.mq_open(b"/dockyard-attack-%d" % i, os.O_CREAT | os.O_RDWR, 0o600, None) < 0: break',
          '    made += 1',
          'print("QUEUES", made, "errno", ctypes.get_errno(), flush=True)',
          'open("/tmp/mq.held", "w").write(str(made))',
          'time.sleep(4)',
          'for i in range(made): rt.mq_unlink(b"/dockyard-attack-%d" % i)',
        ],
      );
      await release();
      const made = count(output, 'QUEUES');
      return { succeeded: made !== 0, evidence: `the sandbox made ${made} message queues (${/errno \d+/.exec(output)?.[0] ?? 'no errno'}) of the budget it shares with the host's root` };
    },
  },
];
