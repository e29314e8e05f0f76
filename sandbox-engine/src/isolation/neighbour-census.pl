# Counts the neighbour entries a sandbox holds that the kernel never reclaims, in every network
# namespace of its that the host can find. Runs on the host as root (the engine's user), one run per
# look at a sandbox: perl neighbour-census.pl LIMIT SYS_SETNS SYS_IOCTL SYS_PIDFD_OPEN SYS_PIDFD_GETFD
# with the sandbox's thread ids on stdin, one per line.
#
# Namespaces are found through each thread: the one it is in (/proc/<tid>/ns/net), nsfs bind mounts
# in its mount namespace (`ip netns add`), descriptors of namespace files (whatever their link reads:
# one opened through a mount that is gone reads "/"), and sockets (a socket keeps its namespace alive:
# its namespace comes from a duplicate of it, pidfd_getfd, and SIOCGSKNS).
#
# Every path here is the sandbox's to change (under /proc/<tid>/root an absolute symlink leads to the
# host's files): a namespace is taken with O_PATH|O_NOFOLLOW (nothing is opened, nothing blocks),
# must be an nsfs file of the inode expected and a network namespace (NS_GET_NSTYPE) before a child
# enters it (setns on that very descriptor) to run the host's `ip`.
#
# Prints "NS <inode> <held>" per namespace counted, "SKIP <inode> <why>" per one that could not be,
# then "DONE <threads> <namespaces> <held>". Stops counting once past LIMIT (within a namespace too).
use strict;
use warnings;
use Fcntl qw(S_ISSOCK O_RDONLY);

my ($limit, $SYS_setns, $SYS_ioctl, $SYS_pidfd_open, $SYS_pidfd_getfd, $SYS_kcmp) = @ARGV;
die "usage: LIMIT SYS_SETNS SYS_IOCTL SYS_PIDFD_OPEN SYS_PIDFD_GETFD SYS_KCMP\n" unless defined $SYS_kcmp;
# Numbers, not strings: syscall passes a string as a pointer.
$_ += 0 for $limit, $SYS_setns, $SYS_ioctl, $SYS_pidfd_open, $SYS_pidfd_getfd, $SYS_kcmp;
use constant {
  O_PATH => 010000000,
  O_NOFOLLOW => 0400000,
  CLONE_NEWNET => 0x40000000,
  CLONE_NEWNS => 0x00020000,
  NS_GET_NSTYPE => 0xb703,
  SIOCGSKNS => 0x894C,
  PIDFD_THREAD => 0200,
  PATHS_PER_NAMESPACE => 4,
  KCMP_FILES => 2,
  # A descriptor table this large is read once, however many threads share it (kcmp).
  SHARED_TABLE_CHECK => 256,
  NOBODY => 65534,
};
my $HELD = qr/\b(?:PERMANENT|NOARP|extern_learn|managed)\b|\sproxy\s*$/;
$| = 1;

my @tids = grep { /^\d+$/ } map { s/\s+//gr } <STDIN>;
my $nsfs = (stat '/proc/self/ns/net')[0];
my %paths;       # namespace inode => paths that may lead to it
my %held_open;   # namespace inode => descriptor of a socket's namespace (its /proc/self/fd path stays valid)
my %seen_mount_view;
my %thread_mount_namespaces;  # inode => 1 for the mount namespaces the sandbox's threads are in
my %seen_socket;
my @large_tables;  # threads whose large descriptor table was read

# Closes a descriptor a syscall returned (POSIX would cost more than the rest of a run to load).
sub close_fd {
  my ($fd) = @_;
  if (open(my $handle, '<&=', $fd)) {
    close $handle;
  }
}

sub add {
  my ($inode, $path) = @_;
  my $list = $paths{$inode} //= [];
  push @$list, $path if @$list < PATHS_PER_NAMESPACE;
}

# The namespace of a socket of thread $tid (descriptor $fd), through a duplicate of the socket.
sub socket_namespace {
  my ($pidfd, $fd) = @_;
  my $dup = syscall($SYS_pidfd_getfd, $pidfd, $fd + 0, 0);
  return if $dup < 0;
  # The thread may have put another file at $fd since it was looked at: the ioctl is for sockets only.
  my @dup = stat "/proc/self/fd/$dup";
  if (!@dup || !S_ISSOCK($dup[2])) {
    close_fd($dup);
    return;
  }
  my $ns = syscall($SYS_ioctl, $dup, SIOCGSKNS, 0);
  close_fd($dup);
  return if $ns < 0;
  my @st = stat "/proc/self/fd/$ns";
  if (!@st || $st[0] != $nsfs || $held_open{ $st[1] }) {
    close_fd($ns);
    return;
  }
  # Tried first: the other paths found may be gone by the time it is counted, this one is not.
  $held_open{ $st[1] } = $ns;
  unshift @{ $paths{ $st[1] } //= [] }, "/proc/self/fd/$ns";
}

for my $tid (@tids) {
  my $task = "/proc/$tid";
  my @own = stat "$task/ns/net";
  add($own[1], "$task/ns/net") if @own && $own[0] == $nsfs;
  # A thread's mountinfo lists only the mounts under its root: read once per mount namespace and root.
  my @mnt = stat "$task/ns/mnt";
  $thread_mount_namespaces{ $mnt[1] } = 1 if @mnt;
  my @root = stat "$task/root";
  my $view = @mnt && @root ? "$mnt[1] $root[0] $root[1]" : undef;
  if (defined $view && !$seen_mount_view{$view} && open(my $mountinfo, '<', "$task/mountinfo")) {
    $seen_mount_view{$view} = 1;
    while (my $line = <$mountinfo>) {
      my ($before, $after) = split / - /, $line, 2;
      next unless defined $after && $after =~ /^nsfs /;
      my @fields = split / /, $before;
      # Network namespaces to count, and mount namespaces (one no thread is in can hold more mounts).
      next unless ($fields[3] // '') =~ /^(?:net|mnt):\[(\d+)\]$/;
      my $inode = $1;
      (my $mount_point = $fields[4] // '') =~ s/\\([0-7]{3})/chr oct $1/ge;
      add($inode, "$task/root$mount_point");
    }
    close $mountinfo;
  }
  opendir(my $dir, "$task/fd") or next;
  my @descriptors = grep { /^\d+$/ } readdir $dir;
  closedir $dir;
  # Threads share their process's table (and clone(CLONE_FILES) processes theirs): one read each.
  if (@descriptors > SHARED_TABLE_CHECK) {
    next if grep { syscall($SYS_kcmp, $tid + 0, $_ + 0, KCMP_FILES, 0, 0) == 0 } @large_tables;
    push @large_tables, $tid;
  }
  my $pidfd;
  for my $fd (@descriptors) {
    my @st = stat "$task/fd/$fd" or next;
    if ($st[0] == $nsfs) {
      add($st[1], "$task/fd/$fd");
    } elsif (S_ISSOCK($st[2]) && !$seen_socket{ $st[1] }++) {
      # PIDFD_THREAD (Linux 6.9) for any thread; before it, only a process's first thread.
      $pidfd //= do { my $p = syscall($SYS_pidfd_open, $tid + 0, PIDFD_THREAD); $p >= 0 ? $p : syscall($SYS_pidfd_open, $tid + 0, 0) };
      socket_namespace($pidfd, $fd) if $pidfd >= 0;
    }
  }
  close_fd($pidfd) if defined $pidfd && $pidfd >= 0;
}

# The held entries of the namespace open on descriptor $fd: a child enters it and runs `ip`. Stops
# reading once past $budget: a table can be far larger than any limit.
sub count_in {
  my ($fd, $budget) = @_;
  my $pid = open(my $out, '-|') // return (undef, "fork: $!");
  if (!$pid) {
    open(STDERR, '>', '/dev/null');
    syscall($SYS_setns, $fd, CLONE_NEWNET) == 0 or exit 3;
    # Listing neighbours needs no privilege: `ip` reads what the sandbox wrote as nobody.
    $( = NOBODY;
    $) = join ' ', NOBODY, NOBODY;
    $< = $> = NOBODY;
    exit 6 unless $> == NOBODY && $< == NOBODY && $( == NOBODY;
    # Both lists from one `ip`: its commands on a pipe of their own (far below a pipe's buffer).
    pipe(my $commands, my $writer) or exit 4;
    print $writer "neigh show nud all\nneigh show proxy\n";
    close $writer;
    open(STDIN, '<&', $commands) or exit 4;
    exec('ip', '-batch', '-') or exit 5;
  }
  my $count = 0;
  while (my $line = <$out>) {
    next unless $line =~ $HELD;
    last if ++$count > $budget;
  }
  if ($count > $budget) {
    kill 'KILL', $pid;
    close $out;
    return ($count, undef);
  }
  close $out;
  return $? == 0 ? ($count, undef) : (undef, 'ip exited ' . ($? >> 8));
}

my ($total, $counted) = (0, 0);
NAMESPACE: for my $inode (sort { $a <=> $b } keys %paths) {
  my $why = 'gone';
  for my $path (@{ $paths{$inode} }) {
    # /proc's own links (ns/net, fd/N) lead where the kernel says; a mount's path is the sandbox's,
    # and its last part is not followed.
    my $follow = $path =~ m{^/proc/(?:self|\d+)/(?:ns|fd)/[^/]+$};
    sysopen(my $handle, $path, O_PATH | ($follow ? 0 : O_NOFOLLOW)) or next;
    my @st = stat $handle;
    next unless @st && $st[0] == $nsfs && $st[1] == $inode;
    # O_PATH descriptors take no ioctl: open the very file again through it (no path is walked).
    sysopen(my $ns, '/proc/self/fd/' . fileno($handle), O_RDONLY) or next;
    my $type = syscall($SYS_ioctl, fileno($ns), NS_GET_NSTYPE, 0);
    if ($type != CLONE_NEWNET) {
      # A mount namespace kept without a thread in it is where mounts of namespaces could hide: its
      # mounts cannot be read without entering it. Reported, never counted.
      $why = $type == CLONE_NEWNS && !$thread_mount_namespaces{$inode} ? 'a mount namespace no thread is in' : 'not a network namespace';
      next;
    }
    my ($count, $error) = count_in(fileno($ns), $limit - $total);
    if (!defined $count) {
      $why = $error;
      next;
    }
    print "NS $inode $count\n";
    $total += $count;
    $counted++;
    last NAMESPACE if $total > $limit;
    next NAMESPACE;
  }
  print "SKIP $inode $why\n";
}
print 'DONE ', scalar(@tids), " $counted $total\n";
