# Counts the neighbour entries a sandbox holds that the kernel never reclaims, in every network
# namespace of its that the host can find. Runs on the host as root (the engine's user), one run per
# look at a sandbox:
#   perl neighbour-census.pl LIMIT MAX_NAMESPACES SYS_SETNS SYS_IOCTL SYS_PIDFD_OPEN SYS_PIDFD_GETFD SYS_KCMP
# with the sandbox's thread ids on stdin, one per line.
#
# Namespaces are found through each thread: the one it is in (/proc/<tid>/ns/net), nsfs bind mounts
# in its mount namespace (`ip netns add`), descriptors of namespace files (whatever their link reads:
# one opened through a mount that is gone reads "/"), and sockets (a socket keeps its namespace alive:
# its namespace comes from a duplicate of it, pidfd_getfd, and SIOCGSKNS). Each is opened the moment
# it is found and kept open until counted, so nothing found can go before it is counted.
#
# Every path here is the sandbox's to change (under /proc/<tid>/root an absolute symlink leads to the
# host's files): a namespace file is taken with O_PATH (a mount's path with O_NOFOLLOW: nothing is
# opened, nothing blocks), must be an nsfs file (of the inode expected), then is opened again through
# that very descriptor and asked its type (NS_GET_NSTYPE). A child enters a network namespace by its
# descriptor (setns), drops to nobody and asks the kernel for its neighbours over rtnetlink.
#
# Prints "NS <inode> <held>" per namespace counted; "HIDDEN <inode> <why>" for what the sandbox keeps
# where it cannot be counted (a mount path that no longer leads to its namespace, a mount namespace
# no thread is in or seen only from chroots, a socket kept only by a memory mapping, more network
# namespaces than MAX_NAMESPACES: inode 0); "SKIP <inode> <why>" for a count that failed on the
# host's side; then "DONE <threads> <namespaces> <held>". Stops counting once past LIMIT.
use strict;
use warnings;
use Fcntl qw(S_ISSOCK O_RDONLY O_NOFOLLOW);

my ($limit, $max_namespaces, $SYS_setns, $SYS_ioctl, $SYS_pidfd_open, $SYS_pidfd_getfd, $SYS_kcmp) = @ARGV;
die "usage: LIMIT MAX_NAMESPACES SYS_SETNS SYS_IOCTL SYS_PIDFD_OPEN SYS_PIDFD_GETFD SYS_KCMP\n" unless defined $SYS_kcmp;
# Numbers, not strings: syscall passes a string as a pointer.
$_ += 0 for $limit, $max_namespaces, $SYS_setns, $SYS_ioctl, $SYS_pidfd_open, $SYS_pidfd_getfd, $SYS_kcmp;
use constant {
  O_PATH => 010000000,
  CLONE_NEWNET => 0x40000000,
  CLONE_NEWNS => 0x00020000,
  NS_GET_NSTYPE => 0xb703,
  SIOCGSKNS => 0x894C,
  PIDFD_THREAD => 0200,
  KCMP_FILES => 2,
  # A descriptor table this large is read once, however many threads share it (kcmp).
  SHARED_TABLE_CHECK => 256,
  NOBODY => 65534,
  RTM_NEWNEIGH => 28,
  RTM_GETNEIGH => 30,
  NLMSG_ERROR => 2,
  NLMSG_DONE => 3,
  NUD_PERMANENT => 0x80,
  NTF_PROXY => 0x08,
  NTF_EXT_LEARNED => 0x10,
  NDA_FLAGS_EXT => 15,
  HIDDEN_LINES => 100,
};
$| = 1;

my @tids = grep { /^\d+$/ } map { s/\s+//gr } <STDIN>;
my ($nsfs, $host_network) = (stat '/proc/self/ns/net')[0, 1];
my $host_mounts = (stat '/proc/self/ns/mnt')[1];
my %network;              # inode => open handle of a network namespace
my %mount_kept;           # inode => 1: a mount namespace held by a descriptor or a mount
my %thread_mounts;        # mount namespace inode of a thread => 1 once one of its threads sees it whole
my %hidden;               # inode => why
my %seen_view;
my %socket_found;         # socket inode => 1: seen as a descriptor
my %socket_resolved;      # socket inode => 1: its namespace taken
my %mapped_socket;
my @large_tables;         # threads whose large descriptor table was read

sub close_fd {
  my ($fd) = @_;
  if (open(my $handle, '<&=', $fd)) {
    close $handle;
  }
}

# Opens a namespace file found at $path (following it or not), checks it is an nsfs file (of $inode
# when given) and keeps it by kind: network namespaces to count, mount namespaces to judge. Returns
# false when the path did not lead to such a file.
sub take {
  my ($path, $follow, $inode) = @_;
  sysopen(my $handle, $path, O_PATH | ($follow ? 0 : O_NOFOLLOW)) or return 0;
  my @st = stat $handle;
  return 0 unless @st && $st[0] == $nsfs && (!defined $inode || $st[1] == $inode);
  return 1 if $network{ $st[1] } || $mount_kept{ $st[1] };
  # O_PATH descriptors take no ioctl: open the very file again through it (no path is walked).
  sysopen(my $ns, '/proc/self/fd/' . fileno($handle), O_RDONLY) or return 0;
  my $type = syscall($SYS_ioctl, fileno($ns), NS_GET_NSTYPE, 0);
  if ($type == CLONE_NEWNET) {
    $network{ $st[1] } = $ns;
  } elsif ($type == CLONE_NEWNS) {
    $mount_kept{ $st[1] } = 1;
  }
  return 1;
}

# The namespace of socket $inode at descriptor $fd of the thread behind $pidfd, through a duplicate
# of it. Resolved only when the duplicate is that very socket (the thread may have put another file
# at $fd since it was looked at); one left unresolved is reported at the end.
sub take_socket_namespace {
  my ($pidfd, $fd, $inode) = @_;
  my $dup = syscall($SYS_pidfd_getfd, $pidfd, $fd + 0, 0);
  return if $dup < 0;
  my @dup = stat "/proc/self/fd/$dup";
  my $ns = @dup && S_ISSOCK($dup[2]) && $dup[1] == $inode ? syscall($SYS_ioctl, $dup, SIOCGSKNS, 0) : -1;
  close_fd($dup);
  return if $ns < 0;
  open(my $handle, '<&=', $ns) or return;
  my @st = stat $handle;
  return unless @st && $st[0] == $nsfs;
  $network{ $st[1] } //= $handle;
  $socket_resolved{$inode} = 1;
}

for my $tid (@tids) {
  my $task = "/proc/$tid";
  # A thread still in the host's namespaces (a runc exec joining the sandbox, a reused thread id)
  # is not the sandbox's: counting through it would count the host's, and every sandbox's mounts.
  my @in_net = stat "$task/ns/net";
  my @in_mnt = stat "$task/ns/mnt";
  next if !@in_net || !@in_mnt || $in_net[1] == $host_network || $in_mnt[1] == $host_mounts;
  take("$task/ns/net", 1);
  # A thread's mountinfo lists only the mounts under its root: read once per mount namespace and
  # root. A root whose parent is itself is the namespace's own: that thread sees all of it.
  my @mnt = stat "$task/ns/mnt";
  my @root = stat "$task/root";
  my @up = stat "$task/root/..";
  if (@mnt && @root) {
    $thread_mounts{ $mnt[1] } //= 0;
    $thread_mounts{ $mnt[1] } = 1 if @up && $up[0] == $root[0] && $up[1] == $root[1];
  }
  my $view = @mnt && @root ? "$mnt[1] $root[0] $root[1]" : undef;
  if (defined $view && !$seen_view{$view} && open(my $mountinfo, '<', "$task/mountinfo")) {
    $seen_view{$view} = 1;
    while (my $line = <$mountinfo>) {
      my ($before, $after) = split / - /, $line, 2;
      next unless defined $after && $after =~ /^nsfs /;
      my @fields = split / /, $before;
      # Network namespaces to count, and mount namespaces (one no thread is in can hold more mounts).
      next unless ($fields[3] // '') =~ /^(?:net|mnt):\[(\d+)\]$/;
      my $inode = $1;
      (my $mount_point = $fields[4] // '') =~ s/\\([0-7]{3})/chr oct $1/ge;
      # A mount whose path leads elsewhere now (covered by another mount, replaced) keeps its namespace out of reach.
      $hidden{$inode} //= 'a mount path that no longer leads to its namespace' unless take("$task/root$mount_point", 0, $inode);
    }
    close $mountinfo;
  }
  if (open(my $maps, '<', "$task/maps")) {
    while (my $line = <$maps>) {
      $mapped_socket{$1} = 1 if $line =~ /\ssocket:\[(\d+)\]\s*$/;
    }
    close $maps;
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
      take("$task/fd/$fd", 1, $st[1]);
    } elsif (S_ISSOCK($st[2]) && !$socket_resolved{ $st[1] }) {
      $socket_found{ $st[1] } = 1;
      # PIDFD_THREAD (Linux 6.9) for any thread; before it, only a process's first thread.
      $pidfd //= do { my $p = syscall($SYS_pidfd_open, $tid + 0, PIDFD_THREAD); $p >= 0 ? $p : syscall($SYS_pidfd_open, $tid + 0, 0) };
      take_socket_namespace($pidfd, $fd, $st[1]) if $pidfd >= 0;
    }
  }
  close_fd($pidfd) if defined $pidfd && $pidfd >= 0;
}

delete $hidden{$_} for grep { $network{$_} || $mount_kept{$_} } keys %hidden;
for my $inode (keys %mount_kept) {
  $hidden{$inode} //= 'a mount namespace no thread is in' unless exists $thread_mounts{$inode};
}
for my $inode (keys %thread_mounts) {
  $hidden{$inode} //= 'a mount namespace seen only from chroots' unless $thread_mounts{$inode};
}
for my $socket (keys %mapped_socket) {
  $hidden{$socket} //= 'a socket kept only by a memory mapping' unless $socket_found{$socket};
}
for my $socket (keys %socket_found) {
  $hidden{$socket} //= 'a socket whose namespace the census could not take' unless $socket_resolved{$socket};
}
my @inodes = sort { $a <=> $b } keys %network;
$hidden{0} = 'more network namespaces than ' . $max_namespaces . ' (' . scalar(@inodes) . ')' if @inodes > $max_namespaces;
# A bounded report: past HIDDEN_LINES, one line stands for the rest (inode 1, the same every look).
my @hidden = sort { $a <=> $b } keys %hidden;
print "HIDDEN $_ $hidden{$_}\n" for @hidden[0 .. ($#hidden < HIDDEN_LINES - 1 ? $#hidden : HIDDEN_LINES - 1)];
print 'HIDDEN 1 ', @hidden - HIDDEN_LINES, " more things out of reach\n" if @hidden > HIDDEN_LINES;

# Counts the held entries of the network namespace the process is in, both families, and its proxy
# entries, straight from the kernel (RTM_GETNEIGH dumps over rtnetlink): an entry is held when it is
# PERMANENT, flagged extern_learn, or carries any extended flag (managed, extern_valid, ...:
# flags an `ip` of Debian 12 does not print). Prints the count (stopping past $budget) and exits.
# Only the kernel's answers count: another process of the namespace could send to this socket.
sub count_here {
  my ($budget) = @_;
  my $count = 0;
  for my $proxy (0, 1) {
    socket(my $netlink, 16, 3, 0) or exit 4;    # PF_NETLINK, SOCK_RAW, NETLINK_ROUTE
    # Connected to the kernel: no other socket of the namespace can send to this one.
    connect($netlink, pack('SSLL', 16, 0, 0, 0)) or exit 4;
    my $sequence = 1 + int rand 0x7fffffff;
    # ndmsg: family AF_UNSPEC (both), NTF_PROXY asks for the proxy table.
    my $ndmsg = pack('CCSlSCC', 0, 0, 0, 0, 0, $proxy ? NTF_PROXY : 0, 0);
    # nlmsghdr: length, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, sequence, port 0.
    my $request = pack('LSSLL', 16 + length($ndmsg), RTM_GETNEIGH, 0x301, $sequence, 0) . $ndmsg;
    defined(send($netlink, $request, 0, pack('SSLL', 16, 0, 0, 0))) or exit 4;
    DUMP: while (1) {
      my $from = recv($netlink, my $buffer, 1 << 20, 0);
      exit 4 unless defined $from;
      next unless length($from) >= 8 && (unpack('SSL', $from))[2] == 0;
      exit 4 unless length $buffer;
      my $offset = 0;
      while ($offset + 16 <= length $buffer) {
        my ($length, $type, undef, $seq) = unpack('LSSL', substr($buffer, $offset, 16));
        exit 4 if $length < 16 || $offset + $length > length $buffer;
        if ($seq == $sequence) {
          # NLMSG_DONE carries the dump's result: an error there means a partial count.
          if ($type == NLMSG_DONE) {
            exit 4 if $length >= 20 && unpack('l', substr($buffer, $offset + 16, 4)) < 0;
            last DUMP;
          }
          exit 4 if $type == NLMSG_ERROR;
          if ($type == RTM_NEWNEIGH && $length >= 28) {
            my (undef, undef, undef, undef, $state, $flags) = unpack('CCSlSC', substr($buffer, $offset + 16, 12));
            my $held = $proxy || ($state & NUD_PERMANENT) || ($flags & NTF_EXT_LEARNED);
            for (my $attribute = $offset + 28; !$held && $attribute + 4 <= $offset + $length;) {
              my ($size, $kind) = unpack('SS', substr($buffer, $attribute, 4));
              last if $size < 4;
              $held = 1 if $kind == NDA_FLAGS_EXT && $size >= 8 && unpack('L', substr($buffer, $attribute + 4, 4));
              $attribute += ($size + 3) & ~3;
            }
            if ($held && ++$count > $budget) {
              print "$count\n";
              exit 0;
            }
          }
        }
        $offset += ($length + 3) & ~3;
      }
    }
    close $netlink;
  }
  print "$count\n";
  exit 0;
}

# The held entries of the namespace open on descriptor $fd: a child enters it, becomes nobody
# (listing neighbours needs no privilege) and counts.
sub count_in {
  my ($fd, $budget) = @_;
  my $pid = open(my $out, '-|') // return (undef, "fork: $!");
  if (!$pid) {
    open(STDERR, '>', '/dev/null');
    syscall($SYS_setns, $fd, CLONE_NEWNET) == 0 or exit 3;
    # Effective and supplementary groups first, then real and saved ones, then the user.
    $) = join ' ', NOBODY, NOBODY;
    $( = NOBODY;
    $< = $> = NOBODY;
    exit 6 unless $> == NOBODY && $< == NOBODY && $( == NOBODY && $) eq join(' ', NOBODY, NOBODY);
    count_here($budget);
  }
  my $line = <$out>;
  close $out;
  return $? == 0 && defined $line && $line =~ /^(\d+)$/ ? ($1 + 0, undef) : (undef, 'count exited ' . ($? >> 8));
}

my ($total, $counted) = (0, 0);
for my $inode (@inodes[0 .. ($#inodes < $max_namespaces - 1 ? $#inodes : $max_namespaces - 1)]) {
  my ($count, $error) = count_in(fileno($network{$inode}), $limit - $total);
  if (!defined $count) {
    print "SKIP $inode $error\n";
    next;
  }
  print "NS $inode $count\n";
  $total += $count;
  $counted++;
  last if $total > $limit;
}
print 'DONE ', scalar(@tids), " $counted $total\n";
