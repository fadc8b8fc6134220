// @voicewire/udp-native: sends many UDP datagrams in one call from JavaScript, with sendmmsg(2) per socket on
// Linux (sendto(2) in a loop elsewhere). It owns no policy and keeps no state: it takes descriptors, datagrams and
// optional destination addresses, and writes one result per datagram (bytes sent, or -errno). It never throws
// into JavaScript: malformed arguments come back as a negative return value, a bad element as -EINVAL in its slot.
#include <napi.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

namespace {

constexpr uint32_t kMaxBatch = 65536;      // datagrams in one call
constexpr size_t kMaxDatagram = 65535;     // larger cannot be one UDP datagram
constexpr unsigned kChunk = 1024;          // UIO_MAXIOV: messages in one sendmmsg

struct Entry {
  int fd;
  uint32_t index;
  const uint8_t* data;
  size_t length;
  sockaddr_storage addr;
  socklen_t addrLen;  // 0: the socket's connected peer
};

Napi::Value Fail(Napi::Env env, int code) { return Napi::Number::New(env, -code); }

// A JS value as (pointer, length) of a Uint8Array; false for anything else (a detached buffer has no data).
bool BytesOf(Napi::Env env, napi_value v, const uint8_t** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  size_t count = 0;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &count, &ptr, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  if (ptr == nullptr && count > 0) return false;
  *data = static_cast<const uint8_t*>(ptr);
  *length = count;
  return true;
}

bool Int32ArrayOf(Napi::Env env, napi_value v, int32_t** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_int32_array) return false;
  *data = static_cast<int32_t*>(ptr);
  return ptr != nullptr || *length == 0;
}

// A sockaddr made by address(): checked, then copied, so nothing points into JavaScript memory but the payloads.
bool AddressOf(const uint8_t* bytes, size_t length, sockaddr_storage* out, socklen_t* outLen) {
  sa_family_t family;
  if (length < sizeof(sa_family_t) + offsetof(sockaddr, sa_family)) return false;
  std::memcpy(&family, bytes + offsetof(sockaddr, sa_family), sizeof family);
  if (family == AF_INET && length == sizeof(sockaddr_in)) {
  } else if (family == AF_INET6 && length == sizeof(sockaddr_in6)) {
  } else {
    return false;
  }
  std::memset(out, 0, sizeof *out);
  std::memcpy(out, bytes, length);
  *outLen = static_cast<socklen_t>(length);
  return true;
}

// Sends entries[begin, end), which share one descriptor; writes each one's result. Returns the syscalls made.
uint32_t SendRun(std::vector<Entry>& entries, size_t begin, size_t end, int32_t* results) {
  uint32_t calls = 0;
  const int fd = entries[begin].fd;
#ifdef __linux__
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  for (size_t base = begin; base < end; base += kChunk) {
    const size_t n = std::min<size_t>(kChunk, end - base);
    msgs.assign(n, mmsghdr{});
    iovs.assign(n, iovec{});
    for (size_t k = 0; k < n; k++) {
      Entry& e = entries[base + k];
      iovs[k].iov_base = const_cast<uint8_t*>(e.data);
      iovs[k].iov_len = e.length;
      msgs[k].msg_hdr.msg_iov = &iovs[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      if (e.addrLen > 0) {
        msgs[k].msg_hdr.msg_name = &e.addr;
        msgs[k].msg_hdr.msg_namelen = e.addrLen;
      }
    }
    size_t off = 0;
    while (off < n) {
      const int r = sendmmsg(fd, msgs.data() + off, static_cast<unsigned>(n - off), MSG_DONTWAIT);
      calls++;
      if (r > 0) {
        for (int k = 0; k < r; k++) results[entries[base + off + k].index] = static_cast<int32_t>(msgs[off + k].msg_len);
        off += static_cast<size_t>(r);
        continue;
      }
      const int err = r < 0 ? errno : EIO;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        // the socket's buffer is full: the rest of this run is not sent; the caller may queue it
        for (size_t k = base + off; k < end; k++) results[entries[k].index] = -EAGAIN;
        return calls;
      }
      results[entries[base + off].index] = -err;  // this datagram failed; the next ones still go
      off++;
    }
  }
#else
  for (size_t k = begin; k < end; k++) {
    Entry& e = entries[k];
    ssize_t r;
    do {
      r = e.addrLen > 0 ? sendto(fd, e.data, e.length, 0, reinterpret_cast<sockaddr*>(&e.addr), e.addrLen) : send(fd, e.data, e.length, 0);
      calls++;
    } while (r < 0 && errno == EINTR);
    if (r >= 0) {
      results[e.index] = static_cast<int32_t>(r);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      for (size_t j = k; j < end; j++) results[entries[j].index] = -EAGAIN;
      return calls;
    } else {
      results[e.index] = -errno;
    }
  }
#endif
  (void)fd;
  return calls;
}

// sendBatch(fds: Int32Array, datagrams: Uint8Array[], count: number, results: Int32Array, addresses?: (Uint8Array | undefined)[])
//   → the number of send syscalls made (≥ 0), or -errno when the arguments themselves are malformed.
// Datagrams with the same descriptor go out together in their order; results[i] is datagram i's byte count or -errno.
Napi::Value SendBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[1].IsArray() || !info[2].IsNumber()) return Fail(env, EINVAL);
  const double countD = info[2].As<Napi::Number>().DoubleValue();
  if (!(countD >= 0) || std::floor(countD) != countD) return Fail(env, EINVAL);
  if (countD > kMaxBatch) return Fail(env, E2BIG);
  const uint32_t count = static_cast<uint32_t>(countD);
  Napi::Array list = info[1].As<Napi::Array>();
  const bool hasAddresses = info.Length() > 4 && !info[4].IsUndefined();
  if (hasAddresses && !info[4].IsArray()) return Fail(env, EINVAL);
  if (list.Length() < count) return Fail(env, EINVAL);
  if (hasAddresses && info[4].As<Napi::Array>().Length() < count) return Fail(env, EINVAL);

  // Read every element first: a getter on the array may run JavaScript (and detach or resize buffers), so no
  // pointer into JavaScript memory is taken until no more JavaScript can run.
  std::vector<napi_value> datagrams(count);
  std::vector<napi_value> addresses(hasAddresses ? count : 0);
  for (uint32_t i = 0; i < count; i++) {
    if (napi_get_element(env, list, i, &datagrams[i]) != napi_ok) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
      datagrams[i] = nullptr;
    }
    if (hasAddresses && napi_get_element(env, info[4], i, &addresses[i]) != napi_ok) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
      addresses[i] = nullptr;
    }
  }

  int32_t* fds = nullptr;
  int32_t* results = nullptr;
  size_t fdCount = 0;
  size_t resultCount = 0;
  if (!Int32ArrayOf(env, info[0], &fds, &fdCount) || !Int32ArrayOf(env, info[3], &results, &resultCount)) return Fail(env, EINVAL);
  if (fdCount < count || resultCount < count) return Fail(env, EINVAL);

  std::vector<Entry> entries;
  entries.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    Entry e{};
    e.fd = fds[i];
    e.index = i;
    if (e.fd < 0) {
      results[i] = -EBADF;
      continue;
    }
    if (datagrams[i] == nullptr || !BytesOf(env, datagrams[i], &e.data, &e.length)) {
      results[i] = -EINVAL;
      continue;
    }
    if (e.length > kMaxDatagram) {
      results[i] = -EMSGSIZE;
      continue;
    }
    if (hasAddresses) {
      napi_valuetype t = napi_undefined;
      if (addresses[i] != nullptr) napi_typeof(env, addresses[i], &t);
      if (addresses[i] == nullptr) {
        results[i] = -EINVAL;
        continue;
      }
      if (t != napi_undefined) {
        const uint8_t* a = nullptr;
        size_t alen = 0;
        if (!BytesOf(env, addresses[i], &a, &alen) || !AddressOf(a, alen, &e.addr, &e.addrLen)) {
          results[i] = -EINVAL;
          continue;
        }
      }
    }
    entries.push_back(e);
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.fd < b.fd; });
  uint32_t calls = 0;
  for (size_t begin = 0; begin < entries.size();) {
    size_t end = begin + 1;
    while (end < entries.size() && entries[end].fd == entries[begin].fd) end++;
    calls += SendRun(entries, begin, end, results);
    begin = end;
  }
  return Napi::Number::New(env, calls);
}

// address(ip: string, port: number) → the sockaddr bytes for sendBatch's addresses, or null if ip is not a numeric
// IPv4 or IPv6 address or port is outside 1–65535.
Napi::Value Address(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) return env.Null();
  const double portD = info[1].As<Napi::Number>().DoubleValue();
  if (!(portD >= 1 && portD <= 65535) || std::floor(portD) != portD) return env.Null();
  const std::string ip = info[0].As<Napi::String>().Utf8Value();
  if (ip.size() > 64) return env.Null();
  const uint16_t port = htons(static_cast<uint16_t>(portD));
  sockaddr_in v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = port;
    return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&v4), sizeof v4);
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = port;
    return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&v6), sizeof v6);
  }
  return env.Null();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sendBatch", Napi::Function::New(env, SendBatch, "sendBatch"));
  exports.Set("address", Napi::Function::New(env, Address, "address"));
#ifdef __linux__
  exports.Set("syscall", Napi::String::New(env, "sendmmsg"));
#else
  exports.Set("syscall", Napi::String::New(env, "sendto"));
#endif
  exports.Set("maxBatch", Napi::Number::New(env, kMaxBatch));
  exports.Set("EAGAIN", Napi::Number::New(env, EAGAIN));
  return exports;
}

}  // namespace

NODE_API_MODULE(udp_native, Init)
