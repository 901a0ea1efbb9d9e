#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kgen::process {

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

std::string describe_failure(const Result& r, size_t input_size) {
  if (r.status == 127) return "could not be started";
  if (r.status > 128) {
    int sig = r.status - 128;
    return "was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  if (r.status != 0) return "exited with status " + std::to_string(r.status);
  if (r.input_errno)
    return "stopped reading its input after " + std::to_string(r.input_written) + " of " + std::to_string(input_size) +
           " bytes (" + std::strerror(r.input_errno) + ")";
  return "succeeded";
}

Result run(const std::vector<std::string>& argv, const std::string& cwd, const std::string& input) {
  Result r;
  if (argv.empty() || argv[0].empty()) {
    r.status = 127;
    r.err = "no program given\n";
    return r;
  }
  int in[2], out[2], err[2];
  // Close-on-exec: a program another thread starts must not hold our pipes
  // open (dup2 onto 0, 1, 2 clears the flag for the child's own).
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    r.status = 127;
    r.err = std::string("cannot create a pipe: ") + std::strerror(errno) + "\n";
    return r;
  }
  // argv is built before fork: the child only calls async-signal-safe functions.
  std::vector<char*> av;
  for (const auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    r.status = 127;
    r.err = std::string("cannot fork: ") + std::strerror(e) + "\n";
    return r;
  }
  if (pid == 0) {
    ::signal(SIGPIPE, SIG_DFL);  // an ignored signal would stay ignored across exec
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
      dprintf(2, "cannot enter %s: %s\n", cwd.c_str(), strerror(errno));
      _exit(127);
    }
    execvp(av[0], av.data());
    dprintf(2, "cannot run %s: %s\n", av[0], strerror(errno));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (input.empty()) {
    close(in[1]);
    in[1] = -1;
  } else {
    fcntl(in[1], F_SETFL, O_NONBLOCK);
  }
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open || in[1] >= 0) {
    pollfd fds[3];
    int n = 0;
    int iout = -1, ierr = -1, iin = -1;
    if (out_open) { fds[n] = {out[0], POLLIN, 0}; iout = n++; }
    if (err_open) { fds[n] = {err[0], POLLIN, 0}; ierr = n++; }
    if (in[1] >= 0) { fds[n] = {in[1], POLLOUT, 0}; iin = n++; }
    if (poll(fds, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (iout >= 0 && fds[iout].revents) {
      ssize_t k = read(out[0], buf, sizeof buf);
      if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (k <= 0) out_open = false; else r.out.append(buf, static_cast<size_t>(k));
    }
    if (ierr >= 0 && fds[ierr].revents) {
      ssize_t k = read(err[0], buf, sizeof buf);
      if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (k <= 0) err_open = false; else r.err.append(buf, static_cast<size_t>(k));
    }
    if (iin >= 0 && fds[iin].revents) {
      ssize_t k = write(in[1], input.data() + r.input_written, input.size() - r.input_written);
      if (k > 0) r.input_written += static_cast<size_t>(k);
      if (k < 0 && errno != EAGAIN && errno != EINTR) r.input_errno = errno;  // EPIPE: it closed stdin
      if (r.input_errno || r.input_written >= input.size()) {
        close(in[1]);
        in[1] = -1;
      }
    }
  }
  if (in[1] >= 0) close(in[1]);
  close(out[0]);
  close(err[0]);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

}  // namespace kgen::process
