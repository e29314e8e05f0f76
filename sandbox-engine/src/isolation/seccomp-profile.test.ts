import { describe, expect, it } from 'vitest';
import { deniedSyscalls, sandboxSeccompProfile } from './seccomp-profile.js';

describe('sandbox seccomp profile', () => {
  const profile = JSON.parse(sandboxSeccompProfile()) as { defaultAction: string; architectures: string[]; syscalls: Array<{ names: string[]; action: string; errnoRet: number }> };

  it('refuses the host-global interfaces with EPERM on every x86 ABI', () => {
    const denied = profile.syscalls.find((rule) => rule.action === 'SCMP_ACT_ERRNO')!;
    expect(denied.errnoRet).toBe(1);
    for (const name of ['open_by_handle_at', 'init_module', 'finit_module', 'kexec_load', 'clock_settime', 'syslog', 'bpf', 'perf_event_open', 'io_uring_setup']) {
      expect(denied.names).toContain(name);
    }
    expect(profile.architectures).toEqual(expect.arrayContaining(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']));
  });

  it('keeps what the inner Docker daemon needs', () => {
    for (const name of ['keyctl', 'add_key', 'request_key', 'pivot_root', 'mount', 'unshare', 'setns', 'clone']) {
      expect(deniedSyscalls as readonly string[]).not.toContain(name);
    }
  });
});
