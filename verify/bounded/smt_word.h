// verify/bounded/smt_word.h — 64-bit bit-vector terms that behave like uint64_t, for the z3
// proofs.
//
// The predicates in lib/ (lib/mem/user_range.h, lib/elf/elf_bounds.h) are templates over a word
// type W. Instantiated with W = smt::Word they build z3 terms instead of computing values, so a
// proof reasons about exactly the expression the C++ evaluates. That only holds if every
// operator here means what it means on uint64_t: + - * wrap modulo 2^64, comparisons are
// UNSIGNED (z3++'s own operator<= on bit-vectors is signed — the reason this wrapper exists),
// >> is a logical shift, and && || ! act on Bool. check_semantics() in smt_proof.h re-checks
// that claim operator by operator against uint64_t on boundary values (for IntWord as well).
#pragma once

#include <z3++.h>

#include <cstdint>
#include <utility>

namespace capos::verify::smt {

inline constexpr unsigned word_bits = 64;

class Bool {
 public:
  explicit Bool(z3::expr expression) : m_expression(std::move(expression)) {}
  [[nodiscard]] const z3::expr& expr() const { return m_expression; }

  friend Bool operator&&(const Bool& a, const Bool& b) {
    return Bool(a.m_expression && b.m_expression);
  }
  friend Bool operator||(const Bool& a, const Bool& b) {
    return Bool(a.m_expression || b.m_expression);
  }
  friend Bool operator!(const Bool& a) { return Bool(!a.m_expression); }
  friend Bool operator&&(const Bool& a, bool b) { return a && a.constant(b); }
  friend Bool operator&&(bool a, const Bool& b) { return b.constant(a) && b; }
  friend Bool operator||(const Bool& a, bool b) { return a || a.constant(b); }
  friend Bool operator||(bool a, const Bool& b) { return b.constant(a) || b; }

 private:
  [[nodiscard]] Bool constant(bool value) const { return Bool(m_expression.ctx().bool_val(value)); }
  z3::expr m_expression;
};

class Word {
 public:
  explicit Word(z3::expr expression) : m_expression(std::move(expression)) {}
  Word(z3::context& context, uint64_t value) : m_expression(context.bv_val(value, word_bits)) {}
  static Word variable(z3::context& context, const char* name) {
    return Word(context.bv_const(name, word_bits));
  }
  [[nodiscard]] const z3::expr& expr() const { return m_expression; }
  [[nodiscard]] Word constant(uint64_t value) const { return {m_expression.ctx(), value}; }

  friend Word operator+(const Word& a, const Word& b) {
    return Word(a.m_expression + b.m_expression);
  }
  friend Word operator-(const Word& a, const Word& b) {
    return Word(a.m_expression - b.m_expression);
  }
  friend Word operator*(const Word& a, const Word& b) {
    return Word(a.m_expression * b.m_expression);
  }
  friend Word operator&(const Word& a, const Word& b) {
    return Word(a.m_expression & b.m_expression);
  }
  friend Word operator|(const Word& a, const Word& b) {
    return Word(a.m_expression | b.m_expression);
  }
  friend Word operator~(const Word& a) { return Word(~a.m_expression); }
  friend Word operator>>(const Word& a, const Word& b) {
    return Word(z3::lshr(a.m_expression, b.m_expression));
  }
  friend Bool operator==(const Word& a, const Word& b) {
    return Bool(a.m_expression == b.m_expression);
  }
  friend Bool operator!=(const Word& a, const Word& b) {
    return Bool(a.m_expression != b.m_expression);
  }
  friend Bool operator<(const Word& a, const Word& b) {
    return Bool(z3::ult(a.m_expression, b.m_expression));
  }
  friend Bool operator<=(const Word& a, const Word& b) {
    return Bool(z3::ule(a.m_expression, b.m_expression));
  }
  friend Bool operator>(const Word& a, const Word& b) {
    return Bool(z3::ugt(a.m_expression, b.m_expression));
  }
  friend Bool operator>=(const Word& a, const Word& b) {
    return Bool(z3::uge(a.m_expression, b.m_expression));
  }

  // Mixed with uint64_t constants on either side, as the lib/ predicates write them.
  friend Word operator+(const Word& a, uint64_t b) { return a + a.constant(b); }
  friend Word operator+(uint64_t a, const Word& b) { return b.constant(a) + b; }
  friend Word operator-(const Word& a, uint64_t b) { return a - a.constant(b); }
  friend Word operator-(uint64_t a, const Word& b) { return b.constant(a) - b; }
  friend Word operator*(const Word& a, uint64_t b) { return a * a.constant(b); }
  friend Word operator*(uint64_t a, const Word& b) { return b.constant(a) * b; }
  friend Word operator&(const Word& a, uint64_t b) { return a & a.constant(b); }
  friend Word operator&(uint64_t a, const Word& b) { return b.constant(a) & b; }
  friend Word operator>>(const Word& a, uint64_t b) { return a >> a.constant(b); }
  friend Bool operator==(const Word& a, uint64_t b) { return a == a.constant(b); }
  friend Bool operator==(uint64_t a, const Word& b) { return b.constant(a) == b; }
  friend Bool operator!=(const Word& a, uint64_t b) { return a != a.constant(b); }
  friend Bool operator!=(uint64_t a, const Word& b) { return b.constant(a) != b; }
  friend Bool operator<(const Word& a, uint64_t b) { return a < a.constant(b); }
  friend Bool operator<(uint64_t a, const Word& b) { return b.constant(a) < b; }
  friend Bool operator<=(const Word& a, uint64_t b) { return a <= a.constant(b); }
  friend Bool operator<=(uint64_t a, const Word& b) { return b.constant(a) <= b; }
  friend Bool operator>(const Word& a, uint64_t b) { return a > a.constant(b); }
  friend Bool operator>(uint64_t a, const Word& b) { return b.constant(a) > b; }
  friend Bool operator>=(const Word& a, uint64_t b) { return a >= a.constant(b); }
  friend Bool operator>=(uint64_t a, const Word& b) { return b.constant(a) >= b; }

 private:
  z3::expr m_expression;
};

// The same uint64_t semantics over z3 integers: a value is an Int in [0, 2^64) and + - wrap
// explicitly. Bit-blasted adders make z3 slow at chains of inequalities across several sums;
// linear integer arithmetic decides them at once. Covers what placement predicates use: + -,
// comparisons, and & with a constant low mask (2^k - 1) or its complement. Anything else is a
// programming error in the proof and aborts.
class IntWord {
 public:
  explicit IntWord(z3::expr expression) : m_expression(std::move(expression)) {}
  IntWord(z3::context& context, uint64_t value) : m_expression(context.int_val(value)) {}
  // A free variable and the constraint that it is a 64-bit value.
  static IntWord variable(z3::context& context, const char* name) {
    return IntWord(context.int_const(name));
  }
  [[nodiscard]] z3::expr in_range() const {
    return m_expression >= 0 && m_expression < modulus(m_expression.ctx());
  }
  [[nodiscard]] const z3::expr& expr() const { return m_expression; }
  [[nodiscard]] IntWord constant(uint64_t value) const { return {m_expression.ctx(), value}; }
  static z3::expr modulus(z3::context& context) { return context.int_val("18446744073709551616"); }

  friend IntWord operator+(const IntWord& a, const IntWord& b) {
    const z3::expr sum = a.m_expression + b.m_expression;
    const z3::expr m = modulus(a.m_expression.ctx());
    return IntWord(z3::ite(sum >= m, sum - m, sum));
  }
  friend IntWord operator-(const IntWord& a, const IntWord& b) {
    const z3::expr difference = a.m_expression - b.m_expression;
    return IntWord(
        z3::ite(difference >= 0, difference, difference + modulus(a.m_expression.ctx())));
  }
  // x & (2^k - 1) = x mod 2^k and x & ~(2^k - 1) = x - x mod 2^k.
  friend IntWord operator&(const IntWord& a, uint64_t mask) {
    const uint64_t low = (mask & 1) != 0 ? mask : ~mask;
    if ((low & (low + 1)) != 0)
      throw z3::exception("IntWord: & needs a low mask or its complement");
    const z3::expr remainder = z3::mod(a.m_expression, a.m_expression.ctx().int_val(low) + 1);
    return IntWord((mask & 1) != 0 ? remainder : a.m_expression - remainder);
  }
  friend Bool operator==(const IntWord& a, const IntWord& b) {
    return Bool(a.m_expression == b.m_expression);
  }
  friend Bool operator!=(const IntWord& a, const IntWord& b) {
    return Bool(a.m_expression != b.m_expression);
  }
  friend Bool operator<(const IntWord& a, const IntWord& b) {
    return Bool(a.m_expression < b.m_expression);
  }
  friend Bool operator<=(const IntWord& a, const IntWord& b) {
    return Bool(a.m_expression <= b.m_expression);
  }
  friend Bool operator>(const IntWord& a, const IntWord& b) {
    return Bool(a.m_expression > b.m_expression);
  }
  friend Bool operator>=(const IntWord& a, const IntWord& b) {
    return Bool(a.m_expression >= b.m_expression);
  }

  friend IntWord operator+(const IntWord& a, uint64_t b) { return a + a.constant(b); }
  friend IntWord operator+(uint64_t a, const IntWord& b) { return b.constant(a) + b; }
  friend IntWord operator-(const IntWord& a, uint64_t b) { return a - a.constant(b); }
  friend IntWord operator-(uint64_t a, const IntWord& b) { return b.constant(a) - b; }
  friend Bool operator==(const IntWord& a, uint64_t b) { return a == a.constant(b); }
  friend Bool operator!=(const IntWord& a, uint64_t b) { return a != a.constant(b); }
  friend Bool operator<(const IntWord& a, uint64_t b) { return a < a.constant(b); }
  friend Bool operator<=(const IntWord& a, uint64_t b) { return a <= a.constant(b); }
  friend Bool operator>(const IntWord& a, uint64_t b) { return a > a.constant(b); }
  friend Bool operator>=(const IntWord& a, uint64_t b) { return a >= a.constant(b); }
  friend Bool operator<=(uint64_t a, const IntWord& b) { return b.constant(a) <= b; }
  friend Bool operator<(uint64_t a, const IntWord& b) { return b.constant(a) < b; }
  friend Bool operator>=(uint64_t a, const IntWord& b) { return b.constant(a) >= b; }
  friend Bool operator>(uint64_t a, const IntWord& b) { return b.constant(a) > b; }

 private:
  z3::expr m_expression;
};

}  // namespace capos::verify::smt
