// verify/bounded/user_range_proof.cpp — `prove.user_range`: z3 proofs of lib/mem/user_range.h
// (seed target 6, validate_user_buffer), its cross-checks, and (--self-test) the broken
// variants the proofs must refute.
//
// Claims, for all 64-bit address, length, i and page (predicates instantiated from lib/):
//   U1 range:    accepted, i < length  =>  0x1000 <= address + i < 2^47 (mathematically, so
//                canonical user half) and address + length neither wraps nor passes 2^47;
//   U2 walk:     accepted, length > 0  =>  first <= last, both page-aligned, first >= 0x1000,
//                last + 4096 <= 2^47;
//   U3 step:     ... and an aligned page in [first, last)  =>  page + 4096 <= last: the loop
//                visits exactly the aligned pages of [first, last] and never wraps;
//   U4 cover:    accepted, i < length  =>  the page of address + i lies in [first, last], so the
//                walk looked at it;
//   U5 permits:  user_page_permits  =>  present, user, and writable for a write.
// U2-U4 with user_pages_ok()'s loop (first, then += 4096 until == last) give: an accepted
// buffer has a present, user (and for writes writable) mapping on every page it touches.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/mem/user_range.h"
#include "lib/ring/abi.h"
#include "tools/verify_report/evidence.h"
#include "verify/bounded/smt_proof.h"

namespace capos::verify::smt {

static_assert(user_range_begin == USER_HALF_BEGIN && user_range_end == USER_HALF_END,
              "lib/mem/user_range.h and the ring ABI must agree on the user half");

namespace {

constexpr uint64_t page_mask = user_page_size - 1;

// The predicates under proof. Broken variants below override one of them each.
struct RealUserRange {
  template <typename W>
  static auto range_ok(const W& address, const W& length) {
    return predicate::user_range_ok(address, length);
  }
  template <typename W>
  static auto first_page(const W& address) {
    return predicate::user_first_page(address);
  }
  template <typename W>
  static auto last_page(const W& address, const W& length) {
    return predicate::user_last_page(address, length);
  }
  template <typename B>
  static auto permits(const B& present, const B& user, const B& writable, const B& write) {
    return predicate::user_page_permits(present, user, writable, write);
  }
};

struct OverflowCheckRemoved : RealUserRange {
  template <typename W>
  static auto range_ok(const W& address, const W& length) {
    return length == uint64_t{0} ||
           (address >= user_range_begin && address + length <= user_range_end);
  }
};
struct EndOffByOne : RealUserRange {
  template <typename W>
  static auto range_ok(const W& address, const W& length) {
    return length == uint64_t{0} || (address >= user_range_begin && address < user_range_end &&
                                     length <= user_range_end - address + uint64_t{1});
  }
};
struct PageZeroAccepted : RealUserRange {
  template <typename W>
  static auto range_ok(const W& address, const W& length) {
    return length == uint64_t{0} ||
           (address < user_range_end && length <= user_range_end - address);
  }
};
struct LastPageFromLength : RealUserRange {  // forgets the offset inside the first page
  template <typename W>
  static auto last_page(const W& address, const W& length) {
    return predicate::user_first_page(address) + ((length - uint64_t{1}) & ~page_mask);
  }
};
struct WriteIgnoresWritable : RealUserRange {
  template <typename B>
  static auto permits(const B& present, const B& user, const B&, const B&) {
    return present && user;
  }
};

struct Claim {
  const char* name;
  z3::expr hypothesis;
  z3::expr conclusion;
};

template <typename P>
std::vector<Claim> claims(z3::context& c) {
  const Word address = Word::variable(c, "address");
  const Word length = Word::variable(c, "length");
  const Word i = Word::variable(c, "i");
  const Word page = Word::variable(c, "page");
  const z3::expr begin = wide_constant(c, user_range_begin);
  const z3::expr end = wide_constant(c, user_range_end);
  const z3::expr accepted = P::range_ok(address, length).expr() && length.expr() != 0;
  const Word first = P::first_page(address);
  const Word last = P::last_page(address, length);
  const z3::expr byte = wide(address) + wide(i);
  const z3::expr aligned_zero = c.bv_val(0, 64);
  const z3::expr byte_page = ((address + i) & ~page_mask).expr();
  const Bool present(c.bool_const("present"));
  const Bool user(c.bool_const("user"));
  const Bool writable(c.bool_const("writable"));
  const Bool write(c.bool_const("write"));
  return {
      {"U1 every byte of an accepted range is canonical user half, no wrap",
       accepted && z3::ult(i.expr(), length.expr()),
       z3::ule(begin, byte) && z3::ult(byte, end) && z3::ule(wide(address) + wide(length), end) &&
           z3::zext((address + i).expr(), 64) == byte},
      {"U2 first and last page aligned, ordered, inside the user half", accepted,
       z3::ule(first.expr(), last.expr()) && (first & page_mask).expr() == aligned_zero &&
           (last & page_mask).expr() == aligned_zero && z3::ule(begin, wide(first)) &&
           z3::ule(wide(last) + wide_constant(c, user_page_size), end)},
      {"U3 each loop step stays aligned, at most the last page, no wrap",
       accepted && (page & page_mask).expr() == aligned_zero &&
           z3::ule(first.expr(), page.expr()) && z3::ult(page.expr(), last.expr()),
       z3::ule(wide(page) + wide_constant(c, user_page_size), wide(last))},
      {"U4 the page of every byte is walked", accepted && z3::ult(i.expr(), length.expr()),
       z3::ule(first.expr(), byte_page) && z3::ule(byte_page, last.expr())},
      {"U5 a permitted page is present, user, and writable for a write",
       P::permits(present, user, writable, write).expr(),
       present.expr() && user.expr() && z3::implies(write.expr(), writable.expr())},
  };
}

// All claims for predicates P; true iff every one is proved (report_proofs) or at least one is
// refuted (for a broken variant).
template <typename P>
bool run_claims(Report& report, const std::string& variant) {
  z3::context context;
  bool all_proved = true;
  for (const Claim& claim : claims<P>(context)) {
    const ClaimResult result = check_claim(context, claim.hypothesis, claim.conclusion);
    if (variant.empty()) {
      report.line(result.proved, std::string(result.proved ? "PROVED " : "REFUTED ") + claim.name +
                                     " [all 2^64 addresses and lengths] (" +
                                     std::to_string(result.seconds) + " s)" +
                                     (result.proved ? "" : ":" + result.counterexample));
    } else if (!result.proved) {
      report.line(true, "CAUGHT user_range/" + variant + ": " + claim.name +
                            " refuted:" + result.counterexample);
      return false;
    }
    all_proved = all_proved && result.proved;
  }
  if (!variant.empty()) report.line(false, "MISSED user_range/" + variant + ": every claim held");
  return all_proved;
}

// The spec, computed in 128 bits: every byte in [begin, end).
bool range_spec(uint64_t address, uint64_t length) {
  const unsigned __int128 last = static_cast<unsigned __int128>(address) + length;
  return length == 0 || (address >= user_range_begin && last <= user_range_end);
}

// A small page table: four consecutive pages from `base`, each absent, user read-only, user
// read-write or supervisor-only; everything else unmapped.
struct Lookup {
  bool user;
  bool writable;
};
struct SmallPageTable {
  uint64_t base;
  std::array<uint8_t, 4> kinds;  // 0 absent, 1 user RO, 2 user RW, 3 supervisor
  mutable std::vector<uint64_t> visited;
  std::optional<Lookup> operator()(uint64_t page) const {
    visited.push_back(page);
    if (page < base || page - base >= 4 * user_page_size) return std::nullopt;
    const uint8_t kind = kinds[(page - base) / user_page_size];
    if (kind == 0) return std::nullopt;
    return Lookup{kind != 3, kind == 2};
  }
};
static_assert(UserPageWalk<SmallPageTable>);

// The walk's spec: the range is acceptable and every page it touches permits the access.
bool walk_spec(const SmallPageTable& table, uint64_t address, uint64_t length, bool write) {
  if (!range_spec(address, length)) return false;
  if (length == 0) return true;
  const uint64_t first = address / user_page_size;
  const uint64_t last = (address + length - 1) / user_page_size;  // no wrap: range_spec
  for (uint64_t page = first; page <= last; ++page) {
    const uint64_t at = page * user_page_size;
    if (at < table.base || at - table.base >= 4 * user_page_size) return false;
    const uint8_t kind = table.kinds[(at - table.base) / user_page_size];
    if (kind == 0 || kind == 3 || (write && kind != 2)) return false;
  }
  return true;
}

bool cross_check(Report& report) {
  Inputs inputs({0, 1, 0xfff, 0x1000, 0x1001, 0x2000, user_range_end - 0x2000,
                 user_range_end - 0x1000, user_range_end - 1, user_range_end, user_range_end + 1,
                 0x7fff'ffff'ffff'ffffULL, 0x8000'0000'0000'0000ULL, 0xffff'8000'0000'0000ULL,
                 ~uint64_t{0}});
  // X1: the C++ instance against the 128-bit spec.
  uint64_t checked = 0;
  bool ok = true;
  for (uint64_t a : inputs.boundaries()) {
    for (uint64_t l : inputs.boundaries()) {
      for (uint64_t da = 0; da < 3; ++da) {
        for (uint64_t dl = 0; dl < 3; ++dl) {
          ok = ok && user_range_ok(a + da - 1, l + dl - 1) == range_spec(a + da - 1, l + dl - 1);
          ++checked;
        }
      }
    }
  }
  for (int n = 0; n < 3'000'000; ++n) {
    const uint64_t a = inputs.random();
    const uint64_t l = inputs.random();
    ok = ok && user_range_ok(a, l) == range_spec(a, l);
    ++checked;
  }
  report.line(ok, std::string(ok ? "CHECKED" : "MISMATCH") +
                      " user_range_ok() = the 128-bit spec on " + std::to_string(checked) +
                      " boundary and random inputs");
  // X2: the z3 instance of the same template against the C++ instance.
  z3::context context;
  const Word address = Word::variable(context, "address");
  const Word length = Word::variable(context, "length");
  const z3::expr term = predicate::user_range_ok(address, length).expr();
  uint64_t evaluated = 0;
  bool same = true;
  for (size_t n = 0; n < 20'000; ++n) {
    const uint64_t a = n < 225 ? inputs.boundaries()[n % 15] : inputs.random();
    const uint64_t l = n < 225 ? inputs.boundaries()[n / 15] : inputs.random();
    z3::expr_vector from(context);
    z3::expr_vector to(context);
    from.push_back(address.expr());
    from.push_back(length.expr());
    to.push_back(context.bv_val(a, 64));
    to.push_back(context.bv_val(l, 64));
    z3::expr closed = term;
    same = same && (evaluate(closed.substitute(from, to)) == 1) == user_range_ok(a, l);
    ++evaluated;
  }
  report.line(same, std::string(same ? "CHECKED" : "MISMATCH") +
                        " z3 instance of user_range_ok = C++ instance on " +
                        std::to_string(evaluated) + " inputs");
  // X3: user_pages_ok() over every small page table, at both ends of the user half.
  uint64_t walks = 0;
  bool walk_ok = true;
  std::vector<uint64_t> lengths = {0,      1,      2,      0xfff,  0x1000,
                                   0x1001, 0x1fff, 0x2000, 0x2001, 0x3000,
                                   0x3fff, 0x4000, 0x4001, 0x5000, ~uint64_t{0}};
  for (uint64_t base : {user_range_begin, user_range_end - 4 * user_page_size}) {
    for (uint32_t code = 0; code < 256; ++code) {
      SmallPageTable table{base, {}, {}};
      for (size_t p = 0; p < 4; ++p) table.kinds[p] = static_cast<uint8_t>((code >> (2 * p)) & 3);
      for (uint64_t offset = 0; offset < 6 * user_page_size; offset += 0x7ff) {
        const uint64_t a = base - user_page_size + offset;
        for (uint64_t l : lengths) {
          for (UserAccess access : {UserAccess::Read, UserAccess::Write}) {
            table.visited.clear();
            const bool got = user_pages_ok(table, a, l, access);
            const bool want = walk_spec(table, a, l, access == UserAccess::Write);
            // Pages are visited in order, one each, and never beyond the last touched page.
            bool ordered = true;
            for (size_t v = 0; v < table.visited.size(); ++v) {
              ordered = ordered && table.visited[v] == (a & ~page_mask) + v * user_page_size &&
                        (l == 0 || table.visited[v] <= ((a + l - 1) & ~page_mask));
            }
            walk_ok = walk_ok && got == want && ordered;
            ++walks;
          }
        }
      }
    }
  }
  report.line(walk_ok, std::string(walk_ok ? "CHECKED" : "MISMATCH") +
                           " user_pages_ok() = the per-page spec over all 256 four-page tables "
                           "(absent/RO/RW/supervisor) at both ends of the user half: " +
                           std::to_string(walks) + " walks");
  return ok && same && walk_ok;
}

int prove() {
  verify_report::evidence(6, "range-in-user-half", verify_report::EvidenceKind::Proved);
  verify_report::evidence(6, "page-walk", verify_report::EvidenceKind::Proved);
  Report report;
  z3::context context;
  check_semantics(context, report);
  run_claims<RealUserRange>(report, "");
  cross_check(report);
  return report.exit_status();
}

int self_test() {
  Report report(true);
  run_claims<OverflowCheckRemoved>(report, "overflow check removed");
  run_claims<EndOffByOne>(report, "end bound off by one");
  run_claims<PageZeroAccepted>(report, "page zero accepted");
  run_claims<LastPageFromLength>(report, "last page ignores the offset in the first page");
  run_claims<WriteIgnoresWritable>(report, "write ignores the writable bit");
  return report.exit_status();
}

}  // namespace
}  // namespace capos::verify::smt

int main(int argc, char** argv) {
  const capos::verify::Options options = capos::verify::parse_options(argc, argv);
  return options.self_test ? capos::verify::smt::self_test() : capos::verify::smt::prove();
}
