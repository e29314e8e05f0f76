# The check shell's server, run by the engine in a sandbox as `perl -e <this file> <bytes kept per
# output> <bytes a command may print>`; its frames are described in check-shell-protocol.ts. Perl (perl-base is Essential in
# Debian, so every Debian-based sandbox has it) rather than a bash loop: one select() loop starts a
# command with one fork and one exec and relays its output itself, where bash needs a process for
# each step (a lock, a size, a copy, a cleanup), and a process costs ~6-9 ms of CPU in a sandbox.
#
# Each command runs with `bash -c` in a session (process group) of its own, stdin /dev/null, its
# stdout and stderr read through pipes of their own, of which the last <keep> bytes are kept (a
# flood costs memory of at most twice that); past <max> bytes on either, it is killed (`O`), as a
# one-off exec stops one. Like a one-off `docker exec`, a command has ended once it has exited and
# every process holding its output has closed it. A kill (`K`, or the request's own deadline as a
# backstop should the engine's kill never come) ends its whole group.
use strict;
use warnings;
use POSIX ();

$0 = 'dockyard-check-shell';
my ($keep, $max) = map { defined $_ && /\A[1-9][0-9]{0,11}\z/ ? $_ : undef } @ARGV[0, 1];
$keep //= 1048576;
$max //= 8 * $keep;
my $max_request = 512 * 1024;
binmode STDIN;
binmode STDOUT;

my %runs;      # id => { id, pid, out_fh, err_fh, out, err, out_total, err_total, deadline, status, killed, flooded }
my %id_of;     # pid => id
my $input = '';

# Its session's whole group; before its setsid it has no group yet: the process itself (unless reaped:
# its pid may be another's by now).
sub kill_group {
  my ($run) = @_;
  kill('-KILL', $run->{pid}) or defined $run->{status} or kill('KILL', $run->{pid});
}

sub quit {
  kill_group($_) for values %runs;
  POSIX::_exit(0);
}

# The engine closed our stdin (session ended, engine stopped), went away, or we were told to stop.
$SIG{$_} = \&quit for qw(TERM INT HUP PIPE);
# Only so that select() returns when a command exits.
$SIG{CHLD} = sub { };

sub send_frame {
  my ($data) = @_;
  while (length $data) {
    my $written = syswrite(STDOUT, $data);
    if (!defined $written) {
      next if $!{EINTR};
      quit();
    }
    substr($data, 0, $written, '');
  }
}

sub close_output {
  my ($run, $which) = @_;
  my $fh = delete $run->{"${which}_fh"};
  close $fh if $fh;
}

sub finish_if_done {
  my ($run) = @_;
  return if $run->{out_fh} || $run->{err_fh} || !defined $run->{status};
  delete $runs{ $run->{id} };
  # Its reply (O) is sent.
  return if $run->{flooded};
  my ($out, $err) = map { length($_) > $keep ? substr($_, -$keep) : $_ } @$run{qw(out err)};
  send_frame(sprintf("D %s %d %d %d\n", $run->{id}, $run->{status}, length $out, length $err) . $out . $err . "\n");
}

sub kill_run {
  my ($run) = @_;
  kill_group($run);
  $run->{killed} = 1;
  $run->{out} = $run->{err} = '';
  # What it started may still hold its output open: nobody waits for that.
  close_output($run, $_) for qw(out err);
  finish_if_done($run);
}

sub start_run {
  my ($id, $seconds, $command) = @_;
  my ($out_r, $out_w, $err_r, $err_w);
  if (exists $runs{$id} || !pipe($out_r, $out_w) || !pipe($err_r, $err_w)) {
    send_frame("F $id\n");
    return;
  }
  my $pid = fork();
  if (!defined $pid) {
    send_frame("F $id\n");
    return;
  }
  if ($pid == 0) {
    $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP PIPE CHLD);
    POSIX::setsid();
    # Perl opens pipes close-on-exec: the command holds nothing of ours but what is dup'ed here.
    open(STDIN, '<', '/dev/null') or POSIX::_exit(126);
    POSIX::dup2(fileno($out_w), 1) or POSIX::_exit(126);
    POSIX::dup2(fileno($err_w), 2) or POSIX::_exit(126);
    { no warnings 'exec'; exec { 'bash' } 'bash', '-c', $command; }
    POSIX::_exit(127);
  }
  close $out_w;
  close $err_w;
  $runs{$id} = { id => $id, pid => $pid, out_fh => $out_r, err_fh => $err_r, out => '', err => '', out_total => 0, err_total => 0, deadline => time + $seconds };
  $id_of{$pid} = $id;
  send_frame("S $id\n");
}

sub read_output {
  my ($run, $which) = @_;
  my $read = sysread($run->{"${which}_fh"}, my $chunk, 65536);
  if (!defined $read) {
    return if $!{EINTR} || $!{EAGAIN};
    $read = 0;
  }
  if ($read == 0) {
    close_output($run, $which);
    return finish_if_done($run);
  }
  $run->{"${which}_total"} += $read;
  if ($run->{"${which}_total"} > $max) {
    send_frame("O $run->{id} " . $run->{"${which}_total"} . "\n");
    $run->{flooded} = 1;
    return kill_run($run);
  }
  $run->{$which} .= $chunk;
  # Its end is what is kept: trimmed once it holds twice that, so a flood costs no copy per chunk.
  substr($run->{$which}, 0, length($run->{$which}) - $keep, '') if length($run->{$which}) > 2 * $keep;
}

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $status = $?;
    my $id = delete $id_of{$pid};
    my $run = defined $id ? $runs{$id} : undef;
    next unless $run;
    $run->{status} = POSIX::WIFSIGNALED($status) ? 128 + POSIX::WTERMSIG($status) : POSIX::WEXITSTATUS($status);
    finish_if_done($run);
  }
}

sub handle_request {
  my ($line) = @_;
  if ($line =~ /\AR (0|[1-9][0-9]{0,14}) ([1-9][0-9]{0,5}) ((?:[0-9a-f]{2})*)\z/) {
    start_run($1, $2, pack('H*', $3));
  } elsif ($line =~ /\AK (0|[1-9][0-9]{0,14})\z/) {
    my $run = $runs{$1};
    kill_run($run) if $run && !$run->{killed};
  }
}

while (1) {
  reap();
  my $now = time;
  my $timeout;
  for my $run (values %runs) {
    next if $run->{killed};
    if ($run->{deadline} <= $now) {
      kill_run($run);
      next;
    }
    my $left = $run->{deadline} - $now;
    $timeout = $left if !defined $timeout || $left < $timeout;
  }
  # Outputs closed but not reaped yet: its SIGCHLD may have come just before select(), so look again soon.
  for my $run (values %runs) {
    $timeout = 0.05 if !defined $run->{status} && !$run->{out_fh} && !$run->{err_fh} && (!defined $timeout || $timeout > 0.05);
  }
  my $wanted = '';
  my %output_of;
  vec($wanted, fileno(STDIN), 1) = 1;
  for my $run (values %runs) {
    for my $which (qw(out err)) {
      my $fh = $run->{"${which}_fh"} or next;
      vec($wanted, fileno($fh), 1) = 1;
      $output_of{ fileno($fh) } = [$run, $which];
    }
  }
  my $ready = select(my $readable = $wanted, undef, undef, $timeout);
  next if $ready <= 0;
  for my $fd (keys %output_of) {
    my ($run, $which) = @{ $output_of{$fd} };
    read_output($run, $which) if vec($readable, $fd, 1) && $run->{"${which}_fh"};
  }
  next unless vec($readable, fileno(STDIN), 1);
  my $read = sysread(STDIN, $input, 65536, length $input);
  next if !defined $read && $!{EINTR};
  quit() if !$read;
  while ((my $newline = index($input, "\n")) >= 0) {
    my $line = substr($input, 0, $newline + 1, '');
    chop $line;
    handle_request($line);
  }
  # Not a request of ours: a line this long is dropped.
  $input = '' if length($input) > $max_request;
}
