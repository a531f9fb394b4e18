#include "ipc.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bench {

channel::~channel() {
  if (loop_ && read_fd_ >= 0 && !closed_) loop_->remove(read_fd_);
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
}

void channel::attach(event_loop& loop, handler h) {
  loop_ = &loop;
  handler_ = std::move(h);
  fcntl(read_fd_, F_SETFL, fcntl(read_fd_, F_GETFL) | O_NONBLOCK);
  loop.add(read_fd_, EPOLLIN, this);
}

void channel::send(ipc type, const void* data, uint32_t size) {
  std::string frame(8 + size, '\0');
  uint32_t t = uint32_t(type);
  std::memcpy(frame.data(), &t, 4);
  std::memcpy(frame.data() + 4, &size, 4);
  if (size) std::memcpy(frame.data() + 8, data, size);
  std::size_t off = 0;
  while (off < frame.size()) {
    ssize_t n = ::write(write_fd_, frame.data() + off, frame.size() - off);
    if (n > 0) off += std::size_t(n);
    else if (n < 0 && errno == EINTR) continue;
    else return;  // peer gone: the coordinator notices by EOF / waitpid
  }
}

void channel::on_io(uint32_t) {
  char tmp[65536];
  for (;;) {
    ssize_t n = ::read(read_fd_, tmp, sizeof tmp);
    if (n > 0) {
      buf_.append(tmp, std::size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      closed_ = true;
      loop_->remove(read_fd_);
    }
    break;
  }
  std::size_t pos = 0;
  while (buf_.size() - pos >= 8) {
    uint32_t t, size;
    std::memcpy(&t, buf_.data() + pos, 4);
    std::memcpy(&size, buf_.data() + pos + 4, 4);
    if (buf_.size() - pos - 8 < size) break;
    std::string_view payload(buf_.data() + pos + 8, size);
    pos += 8 + size;
    handler_(ipc(t), payload);
  }
  buf_.erase(0, pos);
  if (closed_) handler_(ipc(0), {});  // type 0: the other end exited
}

}  // namespace bench
