/**
 * The seccomp profile of user-namespaced sandboxes. The learner has every capability inside the
 * sandbox's user namespace but CAP_SYS_RESOURCE (the inner Docker daemon needs mount, unshare,
 * setns, pivot_root...), and the kernel checks host-wide powers against the host's namespace, where the
 * sandbox's root is an unprivileged uid. What seccomp adds is a wall in front of kernel interfaces
 * that are host-global or a frequent source of escapes even when the capability check would refuse:
 * modules, kexec, the clock, the kernel log, BPF, perf, file handles (open_by_handle_at reached the
 * host's / before), io_uring, swap, quotas, accounting and obsolete calls. They fail with EPERM.
 *
 * The kernel keyring is not namespaced: every sandbox's root is the same host uid, whose 200 keys
 * runc needs for each container start and each exec (its session keyring). A learner holding them
 * stopped every terminal, check and inner container of every learner. Its calls fail with ENOSYS,
 * as if the kernel had no keyring: runc (the inner daemon's included) then skips the session
 * keyring, as it does in LXC, instead of failing.
 */
export const deniedSyscalls = [
  // kernel modules and kexec
  'init_module', 'finit_module', 'delete_module', 'create_module', 'query_module', 'get_kernel_syms',
  'kexec_load', 'kexec_file_load',
  // the host's clock
  'clock_settime', 'clock_settime64', 'clock_adjtime', 'clock_adjtime64', 'settimeofday', 'stime',
  // the kernel log, BPF, perf
  'syslog', 'bpf', 'perf_event_open',
  // file handles: open_by_handle_at opens any inode of a filesystem the sandbox can name
  'open_by_handle_at',
  // io_uring: its own path around seccomp and many kernel bugs
  'io_uring_setup', 'io_uring_enter', 'io_uring_register',
  // host-wide resources and obsolete interfaces
  'swapon', 'swapoff', 'acct', 'quotactl', 'quotactl_fd', 'iopl', 'ioperm', 'lookup_dcookie',
  'nfsservctl', 'uselib', 'userfaultfd', 'ustat', 'sysfs', '_sysctl', 'vm86', 'vm86old',
] as const;

/** Answered ENOSYS ("no such call"), which runc takes as "no keyring here". */
export const unsupportedSyscalls = ['add_key', 'keyctl', 'request_key'] as const;

const EPERM = 1;
const ENOSYS = 38;

/** The profile as Docker takes it in `--security-opt seccomp=<json>`. */
export function sandboxSeccompProfile(): string {
  return JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    // Every ABI of x86-64 Linux is filtered (a 32-bit syscall cannot go around the list).
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: [...deniedSyscalls], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      { names: [...unsupportedSyscalls], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    ],
  });
}
