/**
 * The seccomp profile of user-namespaced sandboxes. The learner has every capability inside the
 * sandbox's user namespace (the inner Docker daemon needs mount, unshare, setns, pivot_root,
 * keyctl...), and the kernel checks host-wide powers against the host's namespace, where the
 * sandbox's root is an unprivileged uid. What seccomp adds is a wall in front of kernel interfaces
 * that are host-global or a frequent source of escapes even when the capability check would refuse:
 * modules, kexec, the clock, the kernel log, BPF, perf, file handles (open_by_handle_at reached the
 * host's / before), io_uring, swap, quotas, accounting and obsolete calls. They fail with EPERM.
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

const EPERM = 1;

/** The profile as Docker takes it in `--security-opt seccomp=<json>`. */
export function sandboxSeccompProfile(): string {
  return JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    // Every ABI of x86-64 Linux is filtered (a 32-bit syscall cannot go around the list).
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: [...deniedSyscalls], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }],
  });
}
