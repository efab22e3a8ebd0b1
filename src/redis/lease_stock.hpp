#pragma once

// The tokens a process has leased from the shared bucket and not yet used, each lease with its
// expiry: sans-io (times are passed in), so the rule "a leased token is used within lease_ttl or
// dropped" is tested with a fake clock. Leases are used oldest first.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace aiosmpp::detail {

class LeaseStock {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LeaseStock(Clock::duration ttl) : ttl_(ttl) {}

  // `n` tokens leased at `now`, usable until now + ttl.
  void add(std::uint64_t n, Clock::time_point now) {
    if (n == 0) return;
    leases_.push_back({n, now + ttl_});
    total_ += n;
  }

  // Drops the leases expired at `now`; returns how many tokens were dropped.
  std::uint64_t expire(Clock::time_point now) {
    std::uint64_t dropped = 0;
    while (!leases_.empty() && leases_.front().expires <= now) {
      dropped += leases_.front().tokens;
      total_ -= leases_.front().tokens;
      leases_.pop_front();
    }
    return dropped;
  }

  // Takes `n` tokens when that many are there (after expire(now)), else takes none.
  bool take(std::uint64_t n, Clock::time_point now, std::uint64_t& dropped) {
    dropped += expire(now);
    if (n > total_) return false;
    total_ -= n;
    while (n > 0) {
      Lease& l = leases_.front();
      const auto used = n < l.tokens ? n : l.tokens;
      l.tokens -= used;
      n -= used;
      if (l.tokens == 0) leases_.pop_front();
    }
    return true;
  }

  // Tokens not yet used nor expired as of the last expire()/take().
  std::uint64_t size() const noexcept { return total_; }
  // Tokens that will still be usable at `now` (does not drop any).
  std::uint64_t usable_at(Clock::time_point now) const noexcept {
    std::uint64_t n = 0;
    for (const auto& l : leases_)
      if (l.expires > now) n += l.tokens;
    return n;
  }

 private:
  struct Lease {
    std::uint64_t tokens;
    Clock::time_point expires;
  };
  Clock::duration ttl_;
  std::deque<Lease> leases_;
  std::uint64_t total_ = 0;
};

}  // namespace aiosmpp::detail
