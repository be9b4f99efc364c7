// verify/bounded/smt_proof.h — running z3 proofs and their cross-checks.
//
// A claim is proved when z3 finds no assignment of its free variables (all 64-bit, i.e. every
// possible input) that makes the hypothesis true and the conclusion false (unsat). "sat" comes
// with a counterexample; "unknown" is a failure too. Byte-level conclusions are computed in 128
// bits (wide()), where nothing wraps, so "lies below the limit" means it mathematically.
#pragma once

#include <z3++.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "verify/bounded/report.h"
#include "verify/bounded/smt_word.h"

namespace capos::verify::smt {

// The 128-bit zero extension of a word: arithmetic on it cannot wrap for 64-bit operands.
inline z3::expr wide(const Word& word) { return z3::zext(word.expr(), 64); }
inline z3::expr wide_constant(z3::context& context, uint64_t value) {
  return context.bv_val(value, 128);
}

struct ClaimResult {
  bool proved = false;
  std::string counterexample;  // when refuted
  double seconds = 0;
};

// Proves hypothesis => conclusion for every value of the free variables.
inline ClaimResult check_claim(z3::context& context, const z3::expr& hypothesis,
                               const z3::expr& conclusion) {
  const auto started = std::chrono::steady_clock::now();
  z3::solver solver(context);
  solver.add(hypothesis && !conclusion);
  ClaimResult result;
  const z3::check_result answer = solver.check();
  result.proved = answer == z3::unsat;
  if (answer == z3::sat) {
    const z3::model model = solver.get_model();
    for (int i = 0; i < static_cast<int>(model.size()); ++i) {
      const z3::func_decl variable = model[i];
      if (variable.arity() != 0) continue;
      result.counterexample +=
          " " + variable.name().str() + "=" + model.get_const_interp(variable).to_string();
    }
  } else if (answer == z3::unknown) {
    result.counterexample = " (z3: unknown, " + solver.reason_unknown() + ")";
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

// The value of a closed term (no free variables left after substitution).
inline uint64_t evaluate(const z3::expr& term) {
  const z3::expr value = term.simplify();
  if (value.is_true()) return 1;
  if (value.is_false()) return 0;
  uint64_t number = 0;
  if (!value.is_numeral_u64(number)) return ~uint64_t{0} - 1;  // not a constant: a wrapper bug
  return number;
}

// Deterministic inputs for cross-checks: boundary values around every constant that matters,
// then xorshift random values, half of them small.
class Inputs {
 public:
  explicit Inputs(std::vector<uint64_t> boundaries) : m_boundaries(std::move(boundaries)) {}
  [[nodiscard]] const std::vector<uint64_t>& boundaries() const { return m_boundaries; }
  uint64_t random() {
    m_state ^= m_state << 13;
    m_state ^= m_state >> 7;
    m_state ^= m_state << 17;
    switch (m_state % 4) {
      case 0: return m_state;
      case 1: return m_state >> (m_state % 64);
      case 2: return m_boundaries[(m_state >> 8) % m_boundaries.size()] + (m_state >> 60) - 8;
      default: return (m_state >> 20) % 0x20000;
    }
  }

 private:
  std::vector<uint64_t> m_boundaries;
  uint64_t m_state = 0x2545'f491'4f6c'dd1dULL;
};

// Re-checks that Word's operators agree with uint64_t arithmetic (the premise of every proof
// that instantiates a lib/ predicate with Word).
bool check_semantics(z3::context& context, Report& report);

}  // namespace capos::verify::smt
