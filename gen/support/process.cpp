#include "support/process.hpp"

#include <fcntl.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kgen::process {

Result run(const std::vector<std::string>& argv, const std::string& cwd, const std::string& input) {
  Result r;
  int in[2], out[2], err[2];
  // Close-on-exec: a program another thread starts must not hold our pipes
  // open (dup2 onto 0, 1, 2 clears the flag for the child's own).
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    std::vector<char*> av;
    for (const auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
    av.push_back(nullptr);
    execvp(av[0], av.data());
    dprintf(2, "cannot run %s: %s\n", av[0], strerror(errno));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  size_t written = 0;
  if (input.empty()) {
    close(in[1]);
    in[1] = -1;
  }
  fcntl(in[1] >= 0 ? in[1] : out[0], F_SETFL, O_NONBLOCK);
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open || in[1] >= 0) {
    pollfd fds[3];
    int n = 0;
    int iout = -1, ierr = -1, iin = -1;
    if (out_open) { fds[n] = {out[0], POLLIN, 0}; iout = n++; }
    if (err_open) { fds[n] = {err[0], POLLIN, 0}; ierr = n++; }
    if (in[1] >= 0) { fds[n] = {in[1], POLLOUT, 0}; iin = n++; }
    if (poll(fds, n, -1) < 0 && errno != EINTR) break;
    if (iout >= 0 && fds[iout].revents) {
      ssize_t k = read(out[0], buf, sizeof buf);
      if (k <= 0) out_open = false; else r.out.append(buf, k);
    }
    if (ierr >= 0 && fds[ierr].revents) {
      ssize_t k = read(err[0], buf, sizeof buf);
      if (k <= 0) err_open = false; else r.err.append(buf, k);
    }
    if (iin >= 0 && fds[iin].revents) {
      ssize_t k = write(in[1], input.data() + written, input.size() - written);
      if (k > 0) written += k;
      if (k < 0 && errno != EAGAIN) written = input.size();
      if (written >= input.size()) { close(in[1]); in[1] = -1; }
    }
  }
  close(out[0]);
  close(err[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

}  // namespace kgen::process
